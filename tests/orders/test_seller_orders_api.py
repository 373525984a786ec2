"""The seller API's order endpoints: list by state and updated_since, get, accept, refuse, ship;
per-field 4xx errors; scoped to the key's seller."""
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import SellerOrder
from tests.sellers.factories_stock import api_key_for, bearer

from .fulfil_support import IMEI, IMEI_2, paid_order, seller_setup, to_state

pytestmark = pytest.mark.django_db
API = "/api/v1/orders/"


@pytest.fixture
def shop():
    seller, listing = seller_setup(quantity=50)
    return seller, listing, api_key_for(seller)


def get(client, key, path="", **params):
    return client.get(API + path, params, **bearer(key))


def post(client, key, path, body=None):
    return client.post(API + path, json.dumps(body or {}), content_type="application/json", **bearer(key))


def test_list_by_state_and_updated_since_paginated(client, shop):
    seller, listing, key = shop
    paid = [paid_order(lines=[(listing, 1)]).seller_orders.get() for _ in range(3)]
    accepted = to_state(paid[0], "accepted")
    response = get(client, key, state="paid")
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2 and {i["id"] for i in body["items"]} == {paid[1].pk, paid[2].pk}
    item = body["items"][0]
    assert item["lines"][0]["sku"] == listing.sku and item["shipping_address"]["city"] == "Paris"
    assert item["total"] == "403.90"
    since = (accepted.updated_at - timedelta(microseconds=1)).isoformat()
    SellerOrder.objects.exclude(pk=accepted.pk).update(updated_at=timezone.now() - timedelta(days=1))
    body = get(client, key, updated_since=since).json()
    assert [i["id"] for i in body["items"]] == [accepted.pk]
    page = get(client, key, limit=2, offset=0).json()
    assert page["count"] == 3 and len(page["items"]) == 2
    assert len(get(client, key, limit=2, offset=2).json()["items"]) == 1


def test_bad_filters_are_422_per_field(client, shop):
    _seller, _listing, key = shop
    response = get(client, key, state="lost", limit=0)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"state", "limit"}


def test_accept_refuse_and_ship(client, shop, django_capture_on_commit_callbacks):
    _seller, listing, key = shop
    one, two = (paid_order(lines=[(listing, 2)]).seller_orders.get() for _ in range(2))
    response = post(client, key, f"{one.pk}/accept")
    assert response.status_code == 200 and response.json()["state"] == "accepted"
    assert post(client, key, f"{one.pk}/accept").status_code == 409  # twice: a clear conflict
    line = one.lines.get()

    response = post(client, key, f"{one.pk}/ship", {"carrier": "Pigeon", "tracking_number": "x",
                                                    "serials": {str(line.pk): [IMEI]}})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"carrier", "tracking_number", f"serials.{line.pk}.2"}
    response = post(client, key, f"{one.pk}/ship", {"carrier": "UPS"})
    assert response.status_code == 422 and {"tracking_number", "serials"} <= set(response.json()["errors"])
    response = post(client, key, f"{one.pk}/ship", {"carrier": "UPS", "tracking_number": "1Z999AA10123456784",
                                                    "serials": {str(line.pk): [IMEI, IMEI_2]}})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "shipped" and body["lines"][0]["serials"] == [IMEI, IMEI_2]
    listing.refresh_from_db()
    assert (listing.quantity, listing.allocated) == (48, 2)

    assert post(client, key, f"{two.pk}/refuse", {"reason": ""}).status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, key, f"{two.pk}/refuse", {"reason": "Battery below 85 %"})
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    two.refresh_from_db()
    assert two.state == "refunded"
    listing.refresh_from_db()
    assert listing.allocated == 0


def test_another_sellers_order_is_404_and_untouched(client, shop):
    _seller, _listing, key = shop
    theirs = paid_order(lines=[(seller_setup()[1], 1)]).seller_orders.get()
    assert get(client, key, f"{theirs.pk}").status_code == 404
    assert post(client, key, f"{theirs.pk}/accept").status_code == 404
    assert post(client, key, f"{theirs.pk}/refuse", {"reason": "mine"}).status_code == 404
    assert get(client, key).json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.state == "paid"


def test_no_key_is_401(client):
    assert client.get(API).status_code == 401


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/orders/", "/api/v1/orders/{seller_order_id}/ship"} <= set(paths)


def test_an_offset_postgresql_cannot_store_is_not_a_server_error(client, shop):
    _seller, _listing, key = shop
    response = get(client, key, updated_since="1276-01-07T08:38:48-21:57")
    assert response.status_code in (200, 422)


@pytest.mark.parametrize("count", [2, 25])
def test_the_list_query_count_does_not_grow(client, shop, count, django_assert_max_num_queries):
    _seller, listing, key = shop
    for _ in range(count):
        to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "shipped")
    with django_assert_max_num_queries(8):
        body = get(client, key).json()
    assert len(body["items"]) == count and all(item["lines"][0]["serials"] for item in body["items"])
