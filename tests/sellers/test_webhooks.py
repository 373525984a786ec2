"""Events and webhooks against a real local HTTP receiver: signed, retried, never redirected."""
import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sellers import webhooks
from sellers.models import Event, WebhookDelivery
from sellers.tasks import deliver_due_webhooks
from sellers.webhooks import event_record, webhook_endpoint_create
from tests.orders.fulfil_support import paid_order, seller_setup

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers the next queued status."""

    def __init__(self):
        self.hits, self.statuses, self.delay = [], [], 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.hits.append((self.path, dict(self.headers), body))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", "/elsewhere")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.server.shutdown()


def _verified(secret, headers, body) -> bool:
    t, v1 = (part.split("=", 1)[1] for part in headers["Refurb-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, v1) and abs(time.time() - int(t)) < 300


def _due_now():
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    return deliver_due_webhooks()


def test_a_paid_order_reaches_the_sellers_endpoint_signed_and_verifiable(
        receiver, django_capture_on_commit_callbacks):
    seller, listing = seller_setup(quantity=5)
    endpoint, secret = webhook_endpoint_create(seller=seller, url=receiver.url,
                                               event_types=["seller_order.paid"])
    assert secret.startswith("whsec_") and endpoint.secret == secret
    with django_capture_on_commit_callbacks(execute=True):
        seller_order = paid_order(lines=[(listing, 1)]).seller_orders.get()
    assert len(receiver.hits) == 1
    path, headers, body = receiver.hits[0]
    assert _verified(secret, headers, body)
    assert not _verified("whsec_other", headers, body)
    event = json.loads(body)
    assert event["type"] == headers["Refurb-Event-Type"] == "seller_order.paid"
    assert event["id"] == headers["Refurb-Event-Id"]
    assert event["data"]["seller_order_id"] == seller_order.pk
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)


def test_a_receiver_down_for_a_while_gets_each_event_once_in_order_with_the_same_id_on_retry(
        receiver, django_capture_on_commit_callbacks):
    seller, _listing = seller_setup()
    webhook_endpoint_create(seller=seller, url=receiver.url, event_types=["seller_order.paid"])
    receiver.statuses = [503, 503]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = event_record(seller_id=seller.pk, type="seller_order.paid", payload={"n": 1})
        second = event_record(seller_id=seller.pk, type="seller_order.paid", payload={"n": 2})
    assert len(receiver.hits) == 2 and WebhookDelivery.objects.filter(status="pending").count() == 2
    retry_at = WebhookDelivery.objects.get(event=first).next_attempt_at
    assert retry_at > timezone.now() + timedelta(seconds=20)  # backed off
    assert deliver_due_webhooks() == 0  # not due yet
    assert _due_now() == 2
    delivered = [json.loads(body)["id"] for _path, _headers, body in receiver.hits[2:]]
    assert delivered == [str(first.uid), str(second.uid)]  # in order
    assert [h["Refurb-Event-Id"] for _p, h, _b in receiver.hits[:2]] == delivered  # a retry: the same id
    assert _due_now() == 0 and len(receiver.hits) == 4  # delivered once each


def test_a_redirect_is_not_followed_and_counts_as_a_failure(receiver, django_capture_on_commit_callbacks):
    seller, _listing = seller_setup()
    webhook_endpoint_create(seller=seller, url=receiver.url, event_types=["seller_order.cancelled"])
    receiver.statuses = [302]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.cancelled", payload={})
    assert [path for path, _h, _b in receiver.hits] == ["/hook"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)


def test_a_slow_receiver_times_out_and_the_delivery_waits_for_its_retry(
        receiver, monkeypatch, django_capture_on_commit_callbacks):
    assert webhooks.TIMEOUT_SECONDS == 5
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.2)
    receiver.delay = 1.0
    seller, _listing = seller_setup()
    webhook_endpoint_create(seller=seller, url=receiver.url, event_types=["seller_order.paid"])
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
    assert time.monotonic() - started < 0.9
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == ("pending", None)


def test_an_event_is_written_in_the_transaction_of_its_change_and_sent_only_after_commit(
        receiver, django_capture_on_commit_callbacks):
    seller, _listing = seller_setup()
    webhook_endpoint_create(seller=seller, url=receiver.url, event_types=["seller_order.paid"])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
        raise RuntimeError("the change failed")
    assert not Event.objects.exists() and receiver.hits == []


def test_a_delivery_older_than_72_hours_is_given_up(receiver, django_capture_on_commit_callbacks):
    seller, _listing = seller_setup()
    webhook_endpoint_create(seller=seller, url=receiver.url, event_types=["seller_order.paid"])
    receiver.statuses = [500, 500]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
    Event.objects.update(created_at=timezone.now() - timedelta(hours=73))
    _due_now()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    delivery.endpoint.refresh_from_db()
    assert delivery.endpoint.is_active is False  # switched off: the next event is not queued for it
    with transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_in_production_a_target_resolving_to_a_private_address_is_refused(
        receiver, settings, django_capture_on_commit_callbacks, host):
    settings.WEBHOOKS_BLOCK_PRIVATE_TARGETS = True
    seller, _listing = seller_setup()
    webhook_endpoint_create(seller=seller, url=receiver.url.replace("127.0.0.1", host),
                            event_types=["seller_order.paid"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
    assert receiver.hits == []
    assert "private" in WebhookDelivery.objects.get().last_response


@pytest.mark.parametrize(("url", "types"), [
    ("http://example.com/hook", ["seller_order.paid"]), ("ftp://example.com/", ["seller_order.paid"]),
    ("https://example.com/hook", ["nope"]), ("https://example.com/hook", []),
])
def test_an_endpoint_needs_https_and_known_event_types(url, types):
    seller, _listing = seller_setup()
    with pytest.raises(ValidationError):
        webhook_endpoint_create(seller=seller, url=url, event_types=types)


def test_one_worker_delivers_1000_events_in_under_10_seconds(receiver, capsys):
    """The throughput figure of benchmarks/results/webhooks.md: one worker, a local receiver."""
    seller, _listing = seller_setup()
    webhook_endpoint_create(seller=seller, url=receiver.url, event_types=["seller_order.paid"])
    with transaction.atomic():  # no on-commit run here: the worker's beat job sends them all
        for n in range(1000):
            event_record(seller_id=seller.pk, type="seller_order.paid", payload={"n": n})
    started = time.perf_counter()
    delivered = deliver_due_webhooks()
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n1000 webhook events delivered by one worker in {elapsed:.2f} s")
    assert delivered == 1000 and len(receiver.hits) == 1000
    assert [json.loads(body)["data"]["n"] for _p, _h, body in receiver.hits] == list(range(1000))
    assert elapsed < 10


# --- The API's webhook endpoints -------------------------------------------------------------------
def test_the_api_adds_an_endpoint_showing_its_secret_once_lists_it_without_and_removes_it(client):
    from tests.sellers.factories_stock import api_key_for, bearer

    seller, _listing = seller_setup()
    key = api_key_for(seller)
    created = client.post("/api/v1/webhooks", json.dumps({"url": "https://erp.example.test/events",
                                                          "event_types": ["seller_order.paid"]}),
                          content_type="application/json", **bearer(key))
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    listed = client.get("/api/v1/webhooks", **bearer(key))
    assert [item["url"] for item in listed.json()] == ["https://erp.example.test/events"]
    assert secret not in listed.content.decode()
    refused = client.post("/api/v1/webhooks", json.dumps({"url": "http://erp.example.test/",
                                                          "event_types": ["seller_order.paid"]}),
                          content_type="application/json", **bearer(key))
    assert refused.status_code == 422 and "url" in refused.json()["errors"]
    other_key = api_key_for(seller_setup()[0])
    webhook_id = created.json()["id"]
    assert client.delete(f"/api/v1/webhooks/{webhook_id}", **bearer(other_key)).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{webhook_id}", **bearer(key)).status_code == 200
    assert client.get("/api/v1/webhooks", **bearer(key)).json() == []
