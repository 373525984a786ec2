"""Keyset paging of the seller API's lists: stable while rows change, and an incremental sync."""
import pytest
from django.utils import timezone

from tests.factories import ListingFactory, SellerFactory
from tests.orders.fulfil_support import paid_order, seller_setup
from tests.sellers.factories_stock import api_key_for, bearer

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def seller():
    return SellerFactory()


@pytest.fixture
def key(seller):
    return api_key_for(seller)


def _walk(client, key, path="/listings", during=None, **params):
    """Every page of a cursor walk; `during(page_number)` runs between pages."""
    seen, cursor, pages = [], "start", 0
    while True:
        body = client.get(API + path, {"cursor": cursor, **params}, **bearer(key)).json()
        seen += body["items"]
        pages += 1
        if during:
            during(pages)
        if not body["has_more"]:
            return seen, body["next_cursor"]
        cursor = body["next_cursor"]


def _touch(listings):
    for listing in listings:
        listing.price += 1
        listing.save()


def test_walking_the_listings_by_cursor_sees_each_once_while_others_are_updated(client, seller, key):
    listings = ListingFactory.create_batch(60, seller=seller)
    ListingFactory.create_batch(3)  # another seller's: never seen
    # Between pages, 20 listings change: the ones already read and the ones still to come.
    seen, _cursor = _walk(client, key, limit=10,
                          during=lambda page: _touch(listings[page * 7 % 60:page * 7 % 60 + 4]))
    ids = [item["id"] for item in seen]
    assert len(ids) == len(set(ids)) == 60
    assert set(ids) == {listing.pk for listing in listings}


def test_walking_by_offset_under_the_same_writes_repeats_and_misses_listings(client, seller, key):
    """Why the cursor: the deprecated offset, newest change first, shifts under the same writes."""
    listings = ListingFactory.create_batch(30, seller=seller)
    seen = []
    for offset in range(0, 30, 10):
        seen += client.get(f"{API}/listings", {"limit": 10, "offset": offset}, **bearer(key)).json()["items"]
        _touch(listings[offset + 10:offset + 15])
    assert len({item["id"] for item in seen}) < 30


def test_an_incremental_sync_with_updated_since_and_cursor_misses_no_change_made_during_the_walk(
        client, seller, key):
    listings = ListingFactory.create_batch(25, seller=seller)
    since = timezone.now().isoformat()
    _touch(listings[:15])
    changed_during = []

    def change_more(page):
        if page == 1:  # one already read, one still to come, and one not in the sync before
            _touch([listings[0], listings[14], listings[20]])
            changed_during.extend([listings[0], listings[14], listings[20]])

    seen, last = _walk(client, key, updated_since=since, limit=5, during=change_more)
    latest = {item["id"]: item["price"] for item in seen}
    assert set(latest) == {listing.pk for listing in listings[:15]} | {listings[20].pk}
    for listing in changed_during:
        listing.refresh_from_db()
        assert latest[listing.pk] == f"{listing.price:.2f}"  # the latest state came through
    # Nothing new since: the last cursor answers an empty page, and a later change comes on it.
    again = client.get(f"{API}/listings", {"cursor": last, "updated_since": since}, **bearer(key)).json()
    assert again["items"] == [] and again["next_cursor"] == last
    _touch([listings[24]])
    later = client.get(f"{API}/listings", {"cursor": last, "updated_since": since}, **bearer(key)).json()
    assert [item["id"] for item in later["items"]] == [listings[24].pk]


def test_the_deprecated_offset_still_pages_without_a_cursor(client, seller, key):
    ListingFactory.create_batch(3, seller=seller)
    body = client.get(f"{API}/listings", {"limit": 2, "offset": 2}, **bearer(key)).json()
    assert (body["count"], len(body["items"]), body["next_cursor"]) == (3, 1, None)


@pytest.mark.parametrize("cursor", ["", "abc", "1_2_3", "-5", "9" * 19])
def test_a_malformed_cursor_is_a_422_naming_it(client, key, cursor):
    response = client.get(f"{API}/listings", {"cursor": cursor}, **bearer(key))
    assert response.status_code == 422
    assert "cursor" in response.json()["errors"]


def test_a_cursor_beyond_any_date_is_an_empty_page_not_an_error(client, seller, key):
    ListingFactory(seller=seller)
    body = client.get(f"{API}/listings", {"cursor": f"{'9' * 18}_1"}, **bearer(key)).json()
    assert body["items"] == [] and body["has_more"] is False


def test_orders_walk_by_cursor_too(client):
    seller, listing = seller_setup(quantity=50)
    key = api_key_for(seller)
    orders = [paid_order(lines=[(listing, 1)]).seller_orders.get() for _ in range(5)]
    seen, _cursor = _walk(client, key, path="/orders/", limit=2)
    assert [item["id"] for item in seen] == sorted(order.pk for order in orders)
