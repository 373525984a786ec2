"""The buy box (sellers.selectors.buy_boxes) exactly as DOMAIN.md defines it, and as pages show it."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Grade
from sellers.models import Listing, Seller
from sellers.selectors import buy_box_positions, buy_boxes, offers_ranked
from tests.factories import ListingFactory, ProductFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return ProductFactory()


def winner(product, grade=Grade.GOOD):
    return buy_boxes(product_ids=[product.pk]).get((product.pk, grade))


def test_lowest_price_wins(product):
    ListingFactory(product=product, price=Decimal("410.00"))
    cheapest = ListingFactory(product=product, price=Decimal("399.99"))
    ListingFactory(product=product, price=Decimal("500.00"))
    assert winner(product) == cheapest


def test_effective_price_tie_goes_to_the_higher_quality_score(product):
    # 400.00 at a score of 70 (+6 %) and 424.00 at 100 (+0 %) both compete at 424.00.
    ListingFactory(product=product, price=Decimal("400.00"),
                   seller=SellerFactory(quality_score=Decimal("70")))
    better = ListingFactory(product=product, price=Decimal("424.00"),
                            seller=SellerFactory(quality_score=Decimal("100")))
    assert winner(product) == better


def test_price_and_rating_tie_goes_to_the_older_listing(product):
    newer = ListingFactory(product=product, price=Decimal("400.00"))
    older = ListingFactory(product=product, price=Decimal("400.00"))
    Listing.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert winner(product) == older
    assert winner(product) != newer


@pytest.mark.parametrize("status", [Seller.Status.SUSPENDED, Seller.Status.PENDING, Seller.Status.REJECTED])
def test_sellers_not_approved_never_win_nor_show(product, status):
    ListingFactory(product=product, price=Decimal("100.00"), seller=SellerFactory(status=status))
    fair = ListingFactory(product=product, price=Decimal("400.00"))
    assert winner(product) == fair
    assert list(offers_ranked().filter(product=product)) == [fair]


@pytest.mark.parametrize("change", [
    {"quantity": 0},
    {"quantity": 2, "allocated": 2},
    {"is_active": False},
    {"archived_at": timezone.now()},
], ids=["zero-stock", "fully-allocated", "inactive", "archived"])
def test_offers_that_cannot_be_bought_never_win(product, change):
    ListingFactory(product=product, price=Decimal("100.00"), **change)
    buyable = ListingFactory(product=product, price=Decimal("400.00"))
    assert winner(product) == buyable


def test_no_buyable_offer_means_no_buy_box(product):
    ListingFactory(product=product, quantity=0)
    assert buy_boxes(product_ids=[product.pk]) == {}


def test_each_product_and_grade_has_its_own_winner_and_grade_filter(product):
    other = ProductFactory(model=product.model)
    good = ListingFactory(product=product, grade=Grade.GOOD, price=Decimal("300.00"))
    excellent = ListingFactory(product=product, grade=Grade.EXCELLENT, price=Decimal("350.00"))
    other_good = ListingFactory(product=other, grade=Grade.GOOD, price=Decimal("280.00"))
    boxes = buy_boxes(product_ids=[product.pk, other.pk])
    assert boxes == {(product.pk, "good"): good, (product.pk, "excellent"): excellent,
                     (other.pk, "good"): other_good}
    assert buy_boxes(product_ids=[product.pk, other.pk], grade="excellent") == {
        (product.pk, "excellent"): excellent}


def test_buy_boxes_of_many_products_take_one_query(product, django_assert_num_queries):
    ids = [ListingFactory(grade=Grade.FAIR).product_id for _ in range(6)]
    with django_assert_num_queries(1):
        boxes = buy_boxes(product_ids=ids)
        assert {b.seller.name for b in boxes.values()}  # the seller is joined, no extra query


def test_losing_listing_learns_its_price_to_win(product):
    win = ListingFactory(product=product, price=Decimal("400.00"))
    lose = ListingFactory(product=product, price=Decimal("420.00"))
    positions = buy_box_positions([win, lose])
    assert positions[win.pk].is_winning and positions[win.pk].price_to_win is None
    assert not positions[lose.pk].is_winning
    assert positions[lose.pk].price_to_win == Decimal("399.99")


def test_product_page_shows_the_winner_in_the_buy_box_and_the_others_below(client, product):
    suspended = ListingFactory(product=product, price=Decimal("100.00"),
                               seller=SellerFactory(status=Seller.Status.SUSPENDED, name="Shady"))
    win = ListingFactory(product=product, price=Decimal("390.00"), seller=SellerFactory(name="Winner Ltd"))
    lose = ListingFactory(product=product, price=Decimal("420.00"), seller=SellerFactory(name="Runner Up"))
    url = reverse("catalog:model", kwargs={"slug": product.model.slug})
    response = client.get(url, {"variant": product.slug, "grade": "good"})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.buy_box == win
    assert page.other_offers == [lose]
    html = response.content.decode()
    assert "Winner Ltd" in html and "Runner Up" in html and "Shady" not in html
    assert f'name="listing" value="{win.pk}"' in html
    assert f'name="listing" value="{lose.pk}"' in html
    assert f'name="listing" value="{suspended.pk}"' not in html
