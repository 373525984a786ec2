"""The seller API's webhook endpoints and events: create (secret once), read, change types, switch
off and on, rotate the secret, send a test event, list deliveries, resend one; the events feed and
the movements by cursor. Another seller's endpoint or delivery is a 404."""
import json

import pytest
from django.db import transaction

from sellers.models import Event, WebhookDelivery, WebhookEndpoint
from sellers.webhooks import event_record
from tests.factories import ListingFactory, SellerFactory
from tests.sellers.factories_stock import api_key_for, bearer
from tests.sellers.test_api_paging import _walk
from tests.sellers.webhook_receiver import Receiver, signature_verified

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


def _send(client, method, key, path, body=None):
    return client.generic(method, API + path, json.dumps(body or {}), content_type="application/json",
                          **bearer(key))


def test_an_endpoint_is_created_read_changed_switched_off_and_on_and_deleted(client):
    seller = SellerFactory()
    key = api_key_for(seller)
    created = _send(client, "POST", key, "/webhooks", {"url": "https://erp.example.test/events",
                                                       "event_types": ["seller_order.paid"]})
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["is_active"] is True
    webhook = f"/webhooks/{body['id']}"
    read = client.get(API + webhook, **bearer(key))
    assert read.status_code == 200 and "secret" not in read.json()
    assert body["secret"] not in client.get(API + "/webhooks", **bearer(key)).content.decode()
    changed = _send(client, "PATCH", key, webhook, {"event_types": ["return.requested", "payout.recorded"]})
    assert changed.status_code == 200
    assert changed.json()["event_types"] == ["return.requested", "payout.recorded"]
    assert _send(client, "PATCH", key, webhook, {"event_types": ["nope"]}).status_code == 422
    assert _send(client, "PATCH", key, webhook, {"secret": "mine"}).status_code == 422  # not settable
    off = _send(client, "PATCH", key, webhook, {"is_active": False})
    assert off.json()["is_active"] is False and off.json()["disabled_reason"]
    on = _send(client, "PATCH", key, webhook, {"is_active": True})
    assert on.json()["is_active"] is True and on.json()["disabled_reason"] == ""
    assert _send(client, "DELETE", key, webhook).status_code == 200
    assert client.get(API + webhook, **bearer(key)).status_code == 404


def test_an_http_url_or_an_unknown_field_is_a_422_and_nothing_is_made(client):
    seller = SellerFactory()
    key = api_key_for(seller)
    for body in ({"url": "http://erp.example.test/", "event_types": ["seller_order.paid"]},
                 {"url": "https://erp.example.test/", "event_types": ["seller_order.paid"], "secret": "x"},
                 {"url": "https://erp.example.test/", "event_types": []}):
        assert _send(client, "POST", key, "/webhooks", body).status_code == 422
    assert not WebhookEndpoint.objects.exists()


def test_rotating_the_secret_shows_the_new_one_once_and_deliveries_carry_both_signatures(
        client, receiver, django_capture_on_commit_callbacks):
    seller = SellerFactory()
    key = api_key_for(seller)
    created = _send(client, "POST", key, "/webhooks", {"url": "https://erp.example.test/e",
                                                       "event_types": ["seller_order.paid"]}).json()
    WebhookEndpoint.objects.filter(pk=created["id"]).update(url=receiver.url)  # the local receiver
    rotated = _send(client, "POST", key, f"/webhooks/{created['id']}/rotate-secret")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != created["secret"] and rotated.json()["previous_secret_valid_until"]
    with django_capture_on_commit_callbacks(execute=True):
        tested = _send(client, "POST", key, f"/webhooks/{created['id']}/test")
    assert tested.status_code == 202 and tested.json()["event_type"] == "webhook.test"
    _path, headers, body = receiver.hits[0]
    assert signature_verified(new, headers["Refurb-Signature"], body)
    assert signature_verified(created["secret"], headers["Refurb-Signature"], body)


def test_the_deliveries_list_and_a_resend_keep_the_event_id(
        client, receiver, django_capture_on_commit_callbacks):
    seller = SellerFactory()
    key = api_key_for(seller)
    created = _send(client, "POST", key, "/webhooks", {"url": "https://erp.example.test/e",
                                                       "event_types": ["seller_order.paid"]}).json()
    WebhookEndpoint.objects.filter(pk=created["id"]).update(url=receiver.url)
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event = event_record(seller_id=seller.pk, type="seller_order.paid", payload={"n": 1})
    deliveries = client.get(f"{API}/webhooks/{created['id']}/deliveries", **bearer(key)).json()
    [delivery] = deliveries["items"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"], delivery["event_id"]) == (
        "pending", 1, 500, str(event.uid))
    with django_capture_on_commit_callbacks(execute=True):
        resent = _send(client, "POST", key, f"/webhook-deliveries/{delivery['id']}/resend")
    assert resent.status_code == 202
    assert [h["Refurb-Event-Id"] for _p, h, _b in receiver.hits] == [str(event.uid)] * 2
    assert WebhookDelivery.objects.get().status == "delivered"
    other_key = api_key_for(SellerFactory())
    assert _send(client, "POST", other_key, f"/webhook-deliveries/{delivery['id']}/resend").status_code == 404
    assert client.get(f"{API}/webhooks/{created['id']}/deliveries", **bearer(other_key)).status_code == 404


def test_the_events_feed_walks_by_cursor_each_event_once_while_new_ones_arrive(client):
    seller = SellerFactory()
    key = api_key_for(seller)
    with transaction.atomic():
        first = [event_record(seller_id=seller.pk, type="payout.recorded", payload={"n": n})
                 for n in range(7)]
        event_record(seller_id=SellerFactory().pk, type="payout.recorded", payload={})  # another's

    def more(page):
        if page == 1:
            with transaction.atomic():
                first.append(event_record(seller_id=seller.pk, type="return.requested", payload={"n": 7}))

    seen, last = _walk(client, key, path="/events", limit=3, during=more)
    assert [item["id"] for item in seen] == [str(event.uid) for event in first]
    assert seen[-1]["type"] == "return.requested" and seen[0]["data"] == {"n": 0}
    assert client.get(f"{API}/events", {"cursor": last}, **bearer(key)).json()["items"] == []
    only = client.get(f"{API}/events", {"cursor": "start", "type": "return.requested"}, **bearer(key)).json()
    assert len(only["items"]) == 1
    refused = client.get(f"{API}/events", {"cursor": "1700000000000000_3"}, **bearer(key))
    assert refused.status_code == 422 and "cursor" in refused.json()["errors"]
    assert Event.objects.count() == 9


def test_the_movements_feed_and_a_listings_movements_walk_by_cursor(client):
    seller = SellerFactory()
    key = api_key_for(seller)
    listings = ListingFactory.create_batch(4, seller=seller)  # each one opening movement
    seen, last = _walk(client, key, path="/movements", limit=3)
    assert [item["listing_id"] for item in seen] == [listing.pk for listing in listings]
    assert last == str(seen[-1]["id"])
    ListingFactory(seller=seller)
    newer = client.get(f"{API}/movements", {"cursor": last}, **bearer(key)).json()
    assert len(newer["items"]) == 1 and newer["has_more"] is False
    history, _last = _walk(client, key, path=f"/listings/{listings[0].pk}/movements", limit=1)
    assert [item["reason"] for item in history] == ["opening"]
