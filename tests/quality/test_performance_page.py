"""What each side sees: the seller's Performance page with its own numbers, trend and drags; offers
showing "New seller" below 5 reviews, never 0.00★; the API's performance."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sellers.models import SellerScoreDay
from sellers.performance import seller_scores_compute
from tests.factories import ListingFactory, SellerMemberFactory

from .history import review_of, seller_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return SellerMemberFactory()


def test_performance_page_shows_score_parts_counts_trend_and_the_rule_with_own_numbers(client, member):
    seller = member.seller
    listing = ListingFactory(seller=seller, price=Decimal("100.00"))
    now = timezone.now()
    late = seller_order(seller=seller, listing=listing, paid_at=now - timedelta(days=20),
                        shipped_after=timedelta(days=6))
    refused = seller_order(seller=seller, listing=listing, paid_at=now - timedelta(days=10),
                           cancel_cause="refused")
    for i in range(6):
        review_of(seller_order(seller=seller, listing=listing, paid_at=now - timedelta(days=30 + i)), 5)
    for days_ago, score in ((40, "71.50"), (20, "69.00")):
        SellerScoreDay.objects.create(seller=seller, day=timezone.localdate() - timedelta(days=days_ago),
                                      score=Decimal(score))
    seller_scores_compute(seller_ids=[seller.pk])
    seller.refresh_from_db()
    client.force_login(member.user)
    page = client.get(reverse("sellers:performance")).content.decode()
    assert f"{seller.quality_score:.2f}" in page
    handicap = ((Decimal("0.20") * (1 - seller.quality_score / 100)) * 100).quantize(Decimal("0.01"))
    assert f"+{handicap} %" in page
    assert "5.00★" in page and "6 visible reviews" in page and "8 paid orders" in page
    chart = page[page.index('<svg class="line-chart"'):]
    chart = chart[:chart.index("</svg>")]
    assert "<polyline" in chart and chart.count("<circle") == 3  # two past days and today's
    assert reverse("sellers:order_detail", args=[late.pk]) in page
    assert reverse("sellers:order_detail", args=[refused.pk]) in page
    assert "would bring that to +" in page  # the advice, with the seller's own numbers


def test_another_sellers_numbers_never_show(client, member):
    other = SellerMemberFactory()
    SellerScoreDay.objects.create(seller=other.seller, day=timezone.localdate(), score=Decimal("12.34"))
    client.force_login(member.user)
    page = client.get(reverse("sellers:performance")).content.decode()
    assert "12.34" not in page and "70.00" in page


def test_offers_show_new_seller_below_five_reviews_then_stars(client, django_capture_on_commit_callbacks):
    listing = ListingFactory()
    rival = ListingFactory(product=listing.product, grade=listing.grade, price=Decimal("450.00"))
    url = listing.product.model.get_absolute_url()
    page = client.get(url).content.decode()
    assert page.count("New seller") == 2 and "0.00★" not in page and "★ 0.00" not in page
    assert "★ 4.50" not in page  # the factory's typed-in rating is not shown without reviews
    for _ in range(5):
        review_of(seller_order(seller=rival.seller, listing=rival), 4)
    with django_capture_on_commit_callbacks(execute=True):  # the score change invalidates the page
        seller_scores_compute(seller_ids=[rival.seller_id])
    page = client.get(url).content.decode()
    assert "★ 4.00/5" in page and "(5)" in page
