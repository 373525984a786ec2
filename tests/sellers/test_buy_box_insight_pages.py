"""The pages and doors of the buy-box insight: the list with each filter, the dashboard, the export and
the API, in a number of queries that does not grow with the listings (issue 15, "fast at scale")."""
import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sellers import backoffice
from sellers.models import Listing
from sellers.selectors import buy_box_standings_refresh
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory
from tests.sellers.factories_stock import api_key_for, bearer

pytestmark = pytest.mark.django_db
D = Decimal
FILTERS = [{}, {"buy_box": "winning"}, {"buy_box": "losing"}, {"buy_box": "no_competitor"},
           {"losing_within_percent": "5"}, {"stock": "out"}, {"stock": "low"},
           {"buy_box": "losing", "stock": "in", "grade": "good", "q": "M-", "sort": "price"}]


@pytest.fixture
def owner(client):
    member = SellerMemberFactory(seller__quality_score=D("70.00"))
    client.force_login(member.user)
    return member


def _market(seller, count: int) -> None:
    """`count` listings of the seller: winning, losing a little, losing a lot, alone, out of stock."""
    rival = SellerFactory(quality_score=D("70.00"))
    products = [ProductFactory() for _ in range(count)]
    mine, theirs = [], []
    for i, product in enumerate(products):
        kind = i % 5
        mine.append(Listing(seller=seller, product=product, grade="good", sku=f"M-{i}", price=D("100.00"),
                            quantity=0 if kind == 4 else 2 + i % 3, warranty_months=12))
        if kind in (0, 1, 2, 4):
            rival_price = {0: D("120.00"), 1: D("98.00"), 2: D("80.00"), 4: D("150.00")}[kind]
            theirs.append(Listing(seller=rival, product=product, grade="good", sku=f"R-{i}",
                                  price=rival_price, quantity=5, warranty_months=12))
    Listing.objects.bulk_create(mine + theirs)
    buy_box_standings_refresh(product_ids=[product.pk for product in products])


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("count", [5, 60])
def test_the_listing_list_takes_the_same_queries_whatever_the_filter_and_the_listings(
        client, owner, django_assert_num_queries, filters, count):
    _market(owner.seller, count)
    # The layout's (session, user, membership twice, cart, the category menu until cached), the count,
    # the page (with its last stock changes) and the page's buy-box insight: the buy-box filters join
    # the stored boxes in the count's and the page's queries.
    with django_assert_num_queries(9):
        response = client.get(reverse("sellers:listing_list"), filters)
    assert response.status_code == 200
    with django_assert_num_queries(8):
        client.get(reverse("sellers:listing_list"), {**filters, "page": "2"})


def test_the_list_shows_each_filter_and_the_insight_of_its_rows(client, owner):
    _market(owner.seller, 10)
    page = client.get(reverse("sellers:listing_list"), {"buy_box": "losing"}).content.decode()
    assert "4 listings" in page and "Price to win €97.99" in page and "Price to win €79.99" in page
    winning = client.get(reverse("sellers:listing_list"), {"buy_box": "winning"}).content.decode()
    assert "4 listings" in winning and "You could charge €19.99 more (€119.99) and still win" in winning
    near = client.get(reverse("sellers:listing_list"), {"losing_within_percent": "5"}).content.decode()
    assert "2 listings" in near and "€97.99" in near and "€79.99" not in near
    form = client.get(reverse("sellers:listing_list")).content.decode()
    assert 'name="losing_within_percent"' in form and 'value="no_competitor"' in form


@pytest.mark.parametrize("count", [5, 60])
def test_the_dashboard_takes_the_same_queries_whatever_the_listings(client, owner, django_assert_num_queries,
                                                                     count):
    _market(owner.seller, count)
    with django_assert_num_queries(14):  # the layout's, the figures', the standings once
        assert client.get(reverse("sellers:dashboard")).status_code == 200


def test_the_dashboard_share_counts_boxes_held_over_boxes_on_sale(client, owner):
    held = ListingFactory(seller=owner.seller, price=D("300.00"))
    for _ in range(3):  # more listings on the box it holds weigh nothing
        ListingFactory(seller=owner.seller, product=held.product, grade=held.grade, price=D("310.00"))
    lost = ListingFactory(seller=owner.seller, price=D("300.00"))
    ListingFactory(product=lost.product, grade=lost.grade, price=D("200.00"))
    ListingFactory(seller=owner.seller, quantity=0)  # not on sale: no box
    page = client.get(reverse("sellers:dashboard")).content.decode()
    assert "50 %" in page and "1 of the 2 boxes" in page


def test_the_dashboard_low_stock_leaves_out_listings_with_nothing_available(client, owner):
    low = ListingFactory(seller=owner.seller, quantity=2)
    empty = ListingFactory(seller=owner.seller, quantity=0)
    page = client.get(reverse("sellers:dashboard")).content.decode()
    assert low.sku in page and empty.sku not in page and "See the 1 low-stock listing" in page


@pytest.mark.parametrize("count", [5, 60])
def test_the_export_carries_the_insight_in_the_same_queries_whatever_the_listings(
        client, owner, django_assert_num_queries, count):
    _market(owner.seller, count)
    # Session, user, membership; the count (a small file downloads at once); the listings; their insight.
    with django_assert_num_queries(6):
        response = client.get(reverse("sellers:stock_export"))
        text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["sku"]: row for row in csv.DictReader(io.StringIO(text))}
    assert len(rows) == count
    assert (rows["M-0"]["buy_box"], rows["M-0"]["runner_up_price"], rows["M-0"]["max_winning_price"]) == (
        "winning", "120.00", "119.99")
    assert (rows["M-1"]["buy_box"], rows["M-1"]["buy_box_price"], rows["M-1"]["price_to_win"]) == (
        "losing", "98.00", "97.99")
    assert rows["M-1"]["buy_box_effective_price"] == "103.88" and rows["M-1"]["competing_offers"] == "1"
    assert (rows["M-3"]["buy_box"], rows["M-3"]["competing_offers"], rows["M-3"]["runner_up_price"]) == (
        "winning", "0", "")
    assert rows["M-4"]["buy_box"] == "losing" and rows["M-4"]["price_to_win"] == ""  # out of stock


def test_the_api_listing_objects_carry_the_insight_and_filter_like_the_list(
        client, django_assert_num_queries):
    seller = SellerFactory(quality_score=D("70.00"))
    _market(seller, 10)
    auth = bearer(api_key_for(seller))
    # The key, the page (its count from its length; the filter joins the stored boxes), its insight;
    # whatever the listings.
    with django_assert_num_queries(4):
        body = client.get("/api/v1/listings", {"buy_box": "losing"}, **auth).json()
    assert body["count"] == 4 and {item["sku"] for item in body["items"]} == {"M-1", "M-2", "M-6", "M-7"}
    by_sku = {item["sku"]: item["buy_box"] for item in body["items"]}
    assert by_sku["M-1"] == {"holds_box": False, "own_listing_wins": False, "winner_price": "98.00",
                             "winner_effective_price": "103.88", "runner_up_price": None,
                             "max_winning_price": None, "room_to_raise": None, "price_to_win": "97.99",
                             "competing_offers": 1}
    near = client.get("/api/v1/listings", {"losing_within_percent": "5", "cursor": "start"}, **auth).json()
    assert {item["sku"] for item in near["items"]} == {"M-1", "M-6"}
    winning = client.get("/api/v1/listings", {"buy_box": "winning", "limit": 2}, **auth).json()
    assert winning["count"] == 4 and all(item["buy_box"]["holds_box"] for item in winning["items"])
    listing = Listing.objects.get(seller=seller, sku="M-0")
    one = client.get(f"/api/v1/listings/{listing.pk}", **auth).json()
    assert one["buy_box"]["room_to_raise"] == "19.99" and one["buy_box"]["runner_up_price"] == "120.00"
    low = client.get("/api/v1/listings", {"stock": "low"}, **auth).json()
    assert {item["available"] for item in low["items"]} <= {1, 2, 3} and low["count"] > 0


@pytest.mark.parametrize("params", [{"buy_box": "loosing"}, {"losing_within_percent": "0"},
                                    {"losing_within_percent": "101"}, {"losing_within_percent": "NaN"},
                                    {"losing_within_percent": "abc"}, {"stock": "empty"}])
def test_the_api_refuses_a_bad_filter_with_a_422(client, params):
    seller = SellerFactory()
    response = client.get("/api/v1/listings", params, **bearer(api_key_for(seller)))
    assert response.status_code == 422 and response.json()["errors"]


def test_a_row_saved_inline_comes_back_with_its_insight(client, owner):
    mine = ListingFactory(seller=owner.seller, price=D("399.00"))
    ListingFactory(product=mine.product, grade=mine.grade, price=D("583.00"), seller__quality_score=D("70"))
    response = client.post(reverse("sellers:listing_inline", args=[mine.pk]),
                           {"price": "450.00", "quantity": "5"}, HTTP_HX_REQUEST="true")
    row = response.content.decode()
    assert response.status_code == 200 and "Saved" in row
    assert "Runner-up €583.00" in row and "You could charge €132.99 more (€582.99) and still win" in row


@pytest.mark.parametrize("filters", [{"buy_box": "losing", "sort": "price"}, {"buy_box": "winning"},
                                     {"stock": "out", "sort": "-price"}, {"losing_within_percent": "5"}])
def test_a_filtered_page_holds_the_rows_of_the_list_in_its_order_and_past_the_end_the_last_page(
        owner, filters):
    _market(owner.seller, 40)
    Listing.objects.filter(seller=owner.seller).update(price=F("id") % 7 + 100)  # ties, broken by id
    buy_box_standings_refresh(product_ids=Listing.objects.values_list("product_id", flat=True))
    listings = backoffice.seller_listings(seller=owner.seller, **filters)
    expected = list(listings.values_list("pk", flat=True))
    pages = -(-len(expected) // 3)
    for number in range(1, pages + 1):
        page = backoffice.listings_page(listings, number=str(number), per_page=3, filtered=True)
        assert [x.pk for x in page.object_list] == expected[(number - 1) * 3:number * 3]
        assert page.paginator.count == len(expected) and page.number == number
    last = backoffice.listings_page(listings, number="999", per_page=3, filtered=True)
    assert last.number == pages and [x.pk for x in last.object_list] == expected[(pages - 1) * 3:]
    assert backoffice.listings_page(listings, number="x", per_page=3, filtered=True).number == 1


def test_a_filtered_pass_is_planned_without_parallel_workers_and_leaves_the_setting_as_it_was(owner):
    _market(owner.seller, 10)
    listings = backoffice.seller_listings(seller=owner.seller, losing_within_percent=D("5"))

    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            return cursor.fetchone()[0]

    before = setting()
    with CaptureQueriesContext(connection) as queries:
        page = backoffice.listings_page(listings, number="1", per_page=3, filtered=True)
    assert page.paginator.count == 2  # the two losing a little (98.00 against 100.00)
    assert len(queries) == 1 and "max_parallel_workers_per_gather = 0" in queries[0]["sql"]
    assert setting() == before  # inside the test's transaction too
