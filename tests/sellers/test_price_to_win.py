"""The listing list's buy-box column, price to win, "match price to win", and SQL-side filters."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Grade
from sellers.backoffice import seller_listings
from sellers.models import Listing, Seller
from sellers.selectors import buy_box_standings_refresh
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client):
    member = SellerMemberFactory(seller__rating=Decimal("4.00"))
    client.force_login(member.user)
    return member


def _row(client, listing) -> str:
    page = client.get(reverse("sellers:listing_list")).content.decode()
    start = page.index(f'id="listing-{listing.pk}"')
    return page[start:page.index("</tr>", start)]


def test_sole_offer_wins_and_has_no_price_to_win(client, owner):
    mine = ListingFactory(seller=owner.seller)
    row = _row(client, mine)
    assert "Winning" in row and "Price to win" not in row


def test_cheaper_competitor_gives_a_price_to_win_one_cent_under(client, owner):
    mine = ListingFactory(seller=owner.seller, price=Decimal("400.00"))
    ListingFactory(product=mine.product, grade=mine.grade, price=Decimal("389.00"))
    row = _row(client, mine)
    assert "Losing" in row and "€389.00" in row and "Price to win €388.99" in row


def test_already_winning_with_a_dearer_competitor(client, owner):
    mine = ListingFactory(seller=owner.seller, price=Decimal("380.00"))
    ListingFactory(product=mine.product, grade=mine.grade, price=Decimal("389.00"))
    assert "Winning" in _row(client, mine)


def test_tie_goes_to_the_higher_score_and_price_to_win_undercuts_it(client, owner):
    mine = ListingFactory(seller=owner.seller, price=Decimal("389.00"))  # score 70: 412.34 effective
    ListingFactory(product=mine.product, grade=mine.grade, price=Decimal("412.34"),
                   seller__quality_score=Decimal("100"))  # also 412.34 effective, higher score
    row = _row(client, mine)
    # 388.99 × 1.06 = 412.3294 → 412.33, the first price under the rival's 412.34.
    assert "Losing" in row and "Price to win €388.99" in row


def test_tie_with_a_lower_scoring_seller_wins(client, owner):
    mine = ListingFactory(seller=owner.seller, price=Decimal("389.00"))  # score 70: 412.34 effective
    rival = ListingFactory(product=mine.product, grade=mine.grade, price=Decimal("374.85"),
                           seller__quality_score=Decimal("50"))  # 374.85 × 1.10 = 412.335 → 412.34
    Listing.objects.filter(pk=rival.pk).update(created_at=mine.created_at - timedelta(days=1))  # older
    assert "Winning" in _row(client, mine)


def test_suspended_sellers_cheaper_offer_does_not_count(client, owner):
    mine = ListingFactory(seller=owner.seller, price=Decimal("400.00"))
    ListingFactory(product=mine.product, grade=mine.grade, price=Decimal("100.00"),
                   seller__status=Seller.Status.SUSPENDED)
    assert "Winning" in _row(client, mine)


def test_other_grades_do_not_compete(client, owner):
    mine = ListingFactory(seller=owner.seller, grade=Grade.GOOD, price=Decimal("400.00"))
    ListingFactory(product=mine.product, grade=Grade.FAIR, price=Decimal("200.00"))
    assert "Winning" in _row(client, mine)


def test_match_price_to_win_asks_for_confirmation_then_wins(
        client, owner, django_capture_on_commit_callbacks):
    mine = ListingFactory(seller=owner.seller, price=Decimal("400.00"))
    ListingFactory(product=mine.product, grade=mine.grade, price=Decimal("389.00"))
    url = reverse("sellers:listing_match_price", args=[mine.pk])
    confirm = client.get(url)
    assert "Yes, set the price to €388.99" in confirm.content.decode()
    mine.refresh_from_db()
    assert mine.price == Decimal("400.00")  # asking changes nothing
    with django_capture_on_commit_callbacks(execute=True):  # the price's commit stores the box again
        assert client.post(url, {"price": "388.99"}).status_code == 302
    mine.refresh_from_db()
    assert mine.price == Decimal("388.99")
    assert "Winning" in _row(client, mine)


@pytest.mark.django_db(transaction=True)  # the row is drawn after the price's commit stored its box
def test_match_with_htmx_shows_an_inline_confirmation_then_returns_the_row(client, owner):
    mine = ListingFactory(seller=owner.seller, price=Decimal("400.00"))
    ListingFactory(product=mine.product, grade=mine.grade, price=Decimal("389.00"))
    url = reverse("sellers:listing_match_price", args=[mine.pk])
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'class="match-confirm"' in fragment and "<html" not in fragment
    row = client.post(url, {"price": "388.99"}, HTTP_HX_REQUEST="true").content.decode()
    assert row.lstrip().startswith(f'<tr id="listing-{mine.pk}"') and "Winning" in row


def test_match_is_refused_when_the_buy_box_moved_since_the_confirmation(client, owner):
    mine = ListingFactory(seller=owner.seller, price=Decimal("400.00"))
    rival = ListingFactory(product=mine.product, grade=mine.grade, price=Decimal("389.00"))
    Listing.objects.filter(pk=rival.pk).update(price=Decimal("350.00"))
    response = client.post(reverse("sellers:listing_match_price", args=[mine.pk]), {"price": "388.99"})
    assert response.status_code == 400
    assert "The buy box has changed: the price to win is now €349.99." in response.content.decode()
    mine.refresh_from_db()
    assert mine.price == Decimal("400.00")


def test_match_when_already_winning_changes_nothing(client, owner):
    mine = ListingFactory(seller=owner.seller, price=Decimal("400.00"))
    response = client.post(reverse("sellers:listing_match_price", args=[mine.pk]), {"price": "399.99"})
    assert "already wins the buy box" in response.content.decode()
    mine.refresh_from_db()
    assert mine.price == Decimal("400.00")


def test_buy_box_filters_are_done_in_sql_and_agree_with_the_selector(owner):
    product = ProductFactory()
    winning = ListingFactory(seller=owner.seller, product=product, grade=Grade.GOOD, price=Decimal("300"))
    losing = ListingFactory(seller=owner.seller, product=product, grade=Grade.FAIR, price=Decimal("300"))
    ListingFactory(product=product, grade=Grade.FAIR, price=Decimal("250"))
    paused = ListingFactory(seller=owner.seller, is_active=False)
    out = ListingFactory(seller=owner.seller, quantity=0)
    seller = owner.seller
    assert {x.pk for x in seller_listings(seller=seller, buy_box="winning")} == {winning.pk}
    assert {x.pk for x in seller_listings(seller=seller, buy_box="losing")} == {losing.pk}
    assert {x.pk for x in seller_listings(seller=seller, status="paused")} == {paused.pk}
    assert {x.pk for x in seller_listings(seller=seller, stock="out")} == {out.pk}
    assert {x.pk for x in seller_listings(seller=seller, grade=Grade.FAIR)} == {losing.pk}
    assert {x.pk for x in seller_listings(seller=seller, q=losing.sku)} == {losing.pk}


def test_list_filter_form_and_sort(client, owner):
    cheap = ListingFactory(seller=owner.seller, price=Decimal("100"))
    dear = ListingFactory(seller=owner.seller, price=Decimal("900"))
    page = client.get(reverse("sellers:listing_list"), {"sort": "-price"}).content.decode()
    assert page.index(f'id="listing-{dear.pk}"') < page.index(f'id="listing-{cheap.pk}"')
    page = client.get(reverse("sellers:listing_list"), {"sort": "price"}).content.decode()
    assert page.index(f'id="listing-{cheap.pk}"') < page.index(f'id="listing-{dear.pk}"')
    # Unknown filter values are ignored, not an error.
    assert client.get(reverse("sellers:listing_list"), {"sort": "evil", "page": "x"}).status_code == 200


def _bulk_listings(seller: Seller, count: int) -> None:
    products = [ProductFactory() for _ in range(5)]
    rival = SellerFactory(rating=Decimal("4.9"))
    Listing.objects.bulk_create(
        [Listing(seller=seller, product=products[i % 5], grade=Grade.values[i % 4], sku=f"BULK-{i}",
                 price=Decimal("300") + i, quantity=i % 6, warranty_months=12) for i in range(count)]
        + [Listing(seller=rival, product=products[i % 5], grade=Grade.values[i % 4], sku=f"R-{i}",
                   price=Decimal("350"), quantity=3, warranty_months=12) for i in range(20)])
    buy_box_standings_refresh(product_ids=[product.pk for product in products])


@pytest.mark.parametrize("count", [3, 600])
@pytest.mark.parametrize("params", [{}, {"buy_box": "losing"}, {"buy_box": "winning", "sort": "price"},
                                    {"stock": "low", "grade": "good", "q": "BULK"}])
def test_listing_list_query_count_does_not_grow_with_the_listings(
        client, owner, django_assert_max_num_queries, count, params):
    _bulk_listings(owner.seller, count)
    # 9 whatever the filter: the buy-box filters join the stored boxes in the count and the page.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("sellers:listing_list"), {**params, "page": "2"})
    assert response.status_code == 200
