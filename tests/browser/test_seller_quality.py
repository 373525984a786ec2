"""Seller quality in real Chromium: a new seller's offer reads "New seller" (never 0.00★) and a
seller's Performance page shows its score, parts and 90-day trend chart."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sellers.models import SellerScoreDay
from sellers.performance import seller_scores_compute
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory
from tests.helpers import assert_accessible, browser_login, screenshot
from tests.quality.history import review_of, seller_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_sellers_offer_reads_new_seller_and_an_established_one_shows_its_stars(page, live_server):
    product = ProductFactory(model__name="iPhone 13")
    new = ListingFactory(product=product, price=Decimal("699.00"), seller=SellerFactory(name="Fresh Fix"))
    established = ListingFactory(product=product, grade=new.grade, price=Decimal("776.00"),
                                 warranty_months=24, seller=SellerFactory(name="Green Phone Lab"))
    for stars in (5, 5, 5, 5, 4, 5):
        review_of(seller_order(seller=established.seller, listing=established,
                               paid_at=timezone.now() - timedelta(days=20)), stars)
    seller_scores_compute()
    page.goto(live_server.url + product.model.get_absolute_url())
    buy_box = page.locator(".buy-box-facts")
    assert "Fresh Fix" in buy_box.inner_text() and "New seller" in buy_box.inner_text()
    other = page.locator(".offer-list")
    assert "Green Phone Lab" in other.inner_text() and "★ 4.83/5" in other.inner_text()
    screenshot(page, "quality-offer-new-seller-desktop")
    assert "★ 0.00" not in page.content() and "0.00★" not in page.content()
    other.get_by_role("link", name="Green Phone Lab").click()
    page.get_by_role("heading", name="Green Phone Lab", level=1).wait_for()
    assert "Recent reviews" in page.content() and page.locator("article.review").count() == 6
    screenshot(page, "quality-seller-page-desktop")
    assert_accessible(page)  # no serious or critical axe violation on the seller's page


def test_performance_page_shows_the_score_its_parts_and_the_trend_chart(page, live_server):
    member = SellerMemberFactory(seller__name="Green Phone Lab")
    seller = member.seller
    listing = ListingFactory(seller=seller, price=Decimal("400.00"))
    now = timezone.now()
    for i in range(12):
        so = seller_order(seller=seller, listing=listing, paid_at=now - timedelta(days=5 + i * 6),
                          shipped_after=timedelta(days=1 if i % 4 else 6))
        review_of(so, 5 if i % 3 else 4)
    seller_order(seller=seller, listing=listing, paid_at=now - timedelta(days=3), cancel_cause="refused")
    today = timezone.localdate()
    for days_ago in range(89, 0, -7):
        SellerScoreDay.objects.create(seller=seller, day=today - timedelta(days=days_ago),
                                      score=Decimal("70") + Decimal(89 - days_ago) / 6)
    seller_scores_compute(seller_ids=[seller.pk])
    browser_login(page, live_server, member.user.email)
    page.goto(live_server.url + "/seller/performance/")
    expect(page.get_by_role("heading", name="Performance", level=1)).to_be_visible()
    chart = page.get_by_role("img", name="Quality score per day")
    expect(chart).to_be_visible()
    expect(chart.locator("circle")).to_have_count(14)
    on_time = page.locator("#part-on_time")
    expect(on_time).to_be_visible()
    expect(on_time).to_contain_text("orders due")
    assert "would bring that to" in page.locator("main").inner_text()
    screenshot(page, "quality-performance-page-desktop")
