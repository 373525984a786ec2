"""The seller sees the ledger: a listing's stock history page, the last change on the listing list,
a CSV export of movements for a date range, and the API's movements and feed, all scoped to the
seller (another seller's listing is a 404)."""
import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sellers.models import StockMovement
from sellers.services import listing_update
from tests.factories import ListingFactory, SellerMemberFactory
from tests.orders.fulfil_support import paid_order, to_state
from tests.sellers.factories_stock import api_key_for, bearer


@pytest.fixture
def member(db):
    return SellerMemberFactory()


@pytest.fixture
def seller_client(client, member):
    client.force_login(member.user)
    return client


def _history(client, listing, **params):
    return client.get(reverse("sellers:listing_stock_history", args=[listing.pk]), params)


def test_history_lists_movements_newest_first_with_reasons_in_words_and_their_causes(seller_client, member):
    listing = ListingFactory(seller=member.seller, quantity=5, sku="HIST-1")
    listing_update(listing=listing, quantity=7)
    order = paid_order(lines=[(listing, 2)])
    to_state(order.seller_orders.get(), "shipped")
    page = _history(seller_client, listing).content.decode()
    reasons = ["Shipped", "Order placed", "Back office", "Opening balance"]
    positions = [page.index(reason) for reason in reasons]
    assert positions == sorted(positions), "newest first"
    seller_order = order.seller_orders.get()
    assert reverse("sellers:order_detail", args=[seller_order.pk]) in page
    assert f"Order {order.number}" in page


def test_history_paginates_and_reads_a_fixed_number_of_queries(seller_client, member):
    listing = ListingFactory(seller=member.seller, quantity=1)
    for quantity in range(2, 40):
        listing_update(listing=listing, quantity=quantity)
    _history(seller_client, listing)  # warm: the site menu is cached after the first page
    with CaptureQueriesContext(connection) as few:
        assert _history(seller_client, listing).status_code == 200
    for quantity in range(40, 130):
        listing_update(listing=listing, quantity=quantity)
    with CaptureQueriesContext(connection) as many:
        response = _history(seller_client, listing, page=2)
    body = response.content.decode()
    assert response.status_code == 200 and "Page 2 of 3" in body
    assert "?page=1\">Newer</a>" in body and "?page=3\">Older</a>" in body
    assert len(many) == len(few)


def test_another_sellers_listing_history_is_a_404(seller_client):
    other = ListingFactory(quantity=3)
    assert _history(seller_client, other).status_code == 404


def test_listing_list_shows_when_and_why_stock_last_changed_without_a_query_per_row(seller_client, member):
    listing = ListingFactory(seller=member.seller, quantity=5)
    listing_update(listing=listing, quantity=3)
    url = reverse("sellers:listing_list")
    seller_client.get(url)  # warm: the site menu is cached after the first page
    with CaptureQueriesContext(connection) as one:
        page = seller_client.get(url).content.decode()
    assert "Stock: Back office" in page
    assert reverse("sellers:listing_stock_history", args=[listing.pk]) in page
    for n in range(12):
        listing_update(listing=ListingFactory(seller=member.seller, quantity=2), quantity=4 + n)
    with CaptureQueriesContext(connection) as thirteen:
        seller_client.get(url)
    assert len(thirteen) == len(one)


def test_csv_export_holds_the_sellers_movements_of_the_range_only(seller_client, member):
    mine = ListingFactory(seller=member.seller, quantity=5, sku="MINE")
    ListingFactory(quantity=9, sku="NOT-MINE")
    listing_update(listing=mine, quantity=6)
    response = seller_client.get(reverse("sellers:stock_movements_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:5] == ["date", "sku", "reason", "quantity_change", "allocated_change"]
    assert [(row[1], row[2], row[3]) for row in rows[1:]] == [("MINE", "Opening balance", "5"),
                                                              ("MINE", "Back office", "1")]
    past = seller_client.get(reverse("sellers:stock_movements_export"), {"start": "2020-01-01",
                                                                          "end": "2020-01-31"})
    assert len(list(csv.reader(io.StringIO(b"".join(past.streaming_content).decode("utf-8-sig"))))) == 1


@pytest.mark.parametrize("params", [{"start": "2026-02-30"}, {"start": "2026-03-02", "end": "2026-03-01"},
                                    {"start": "2020-01-01", "end": "2026-01-01"}])
def test_csv_export_refuses_a_bad_range_with_a_400(seller_client, params):
    assert seller_client.get(reverse("sellers:stock_movements_export"), params).status_code == 400


def test_api_lists_a_listings_movements_and_refuses_another_sellers(client, member):
    raw = api_key_for(member.seller)
    listing = ListingFactory(seller=member.seller, quantity=5, sku="API-1")
    listing_update(listing=listing, quantity=2)
    response = client.get(f"/api/v1/listings/{listing.pk}/movements", **bearer(raw))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    assert [(m["reason"], m["quantity_change"]) for m in body["items"]] == [
        ("backoffice", -3), ("opening", 5)]
    other = ListingFactory(quantity=1)
    assert client.get(f"/api/v1/listings/{other.pk}/movements", **bearer(raw)).status_code == 404
    assert client.get(f"/api/v1/listings/{listing.pk}/movements?limit=0", **bearer(raw)).status_code == 422


def test_api_feed_reads_every_movement_once_in_order_from_a_cursor(client, member):
    raw = api_key_for(member.seller)
    listings = [ListingFactory(seller=member.seller, quantity=1 + n, sku=f"FEED-{n}") for n in range(3)]
    ListingFactory(quantity=4)  # another seller's: never in the feed
    for listing in listings:
        listing_update(listing=listing, quantity=10)
    seen, after = [], 0
    while True:
        body = client.get("/api/v1/movements", {"after": after, "limit": 2}, **bearer(raw)).json()
        if not body["items"]:
            assert body["next_after"] == after
            break
        seen += body["items"]
        after = body["next_after"]
    ids = [m["id"] for m in seen]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == 6
    assert set(ids) == set(StockMovement.objects.filter(seller=member.seller).values_list("id", flat=True))
    assert client.get("/api/v1/movements", {"after": "x"}, **bearer(raw)).status_code == 422
