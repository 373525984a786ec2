"""Webhook delivery against a real local HTTP receiver: signed and verifiable, in order, at least
once with the same event id, retried with back-off, never redirected, switched off after failing
for 3 days (time moved with a fixed `now`), SSRF refused in production, secrets rotated."""
import json
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sellers import webhook_delivery
from sellers.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from sellers.tasks import deliver_due_webhooks
from sellers.webhook_delivery import webhook_deliveries_drain_due, webhook_endpoint_drain
from sellers.webhooks import (
    event_record,
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_set_active,
    webhook_secret_rotate,
    webhook_test_send,
)
from tests.orders.fulfil_support import paid_order, seller_setup
from tests.sellers.webhook_receiver import Receiver, signature_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


def _due_now():
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    return deliver_due_webhooks()


def _ids(hits):
    return [json.loads(body)["id"] for _path, _headers, body in hits]


def _endpoint(seller, receiver, types=("seller_order.paid",)):
    return webhook_endpoint_create(seller=seller, url=receiver.url, event_types=list(types))


def test_a_paid_order_reaches_the_sellers_endpoint_signed_and_verifiable(
        receiver, django_capture_on_commit_callbacks):
    seller, listing = seller_setup(quantity=5)
    endpoint, secret = _endpoint(seller, receiver)
    assert secret.startswith("whsec_") and endpoint.secret == secret
    with django_capture_on_commit_callbacks(execute=True):
        seller_order = paid_order(lines=[(listing, 1)]).seller_orders.get()
    assert len(receiver.hits) == 1
    _path, headers, body = receiver.hits[0]
    assert signature_verified(secret, headers["Refurb-Signature"], body)
    assert not signature_verified("whsec_other", headers["Refurb-Signature"], body)
    assert not signature_verified(secret, headers["Refurb-Signature"], body + b" ")  # the body is signed
    event = json.loads(body)
    assert event["type"] == headers["Refurb-Event-Type"] == "seller_order.paid"
    assert event["id"] == headers["Refurb-Event-Id"]
    assert event["data"]["seller_order_id"] == seller_order.pk
    assert event["data"]["accept_by"]  # the deadline to accept it
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    attempt = WebhookAttempt.objects.get()
    assert (attempt.delivery_id, attempt.status_code, attempt.succeeded, attempt.response_excerpt) == (
        delivery.pk, 200, True, "ok")


def test_a_receiver_down_for_a_while_then_up_gets_each_event_once_in_order(
        receiver, django_capture_on_commit_callbacks):
    seller, _listing = seller_setup()
    _endpoint(seller, receiver)
    receiver.stop()  # down: connection refused
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events = [event_record(seller_id=seller.pk, type="seller_order.paid", payload={"n": n})
                  for n in range(3)]
    first = WebhookDelivery.objects.get(event=events[0])
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, None)
    assert WebhookDelivery.objects.filter(attempts=0).count() == 2  # the later ones wait behind it, in order
    assert first.next_attempt_at > timezone.now() + timedelta(seconds=20)  # backed off
    assert deliver_due_webhooks() == 0  # not due yet
    assert _due_now() == 0  # still down
    receiver.start()  # up again, on the same port
    assert _due_now() == 3
    assert _ids(receiver.hits) == [str(event.uid) for event in events]  # in order
    assert _due_now() == 0 and len(receiver.hits) == 3  # delivered once each
    assert list(WebhookAttempt.objects.filter(delivery=first).values_list("succeeded", flat=True)
                .order_by("id")) == [False, False, True]


def test_a_retried_delivery_carries_the_same_event_id_and_the_later_event_waits_behind_it(
        receiver, django_capture_on_commit_callbacks):
    seller, _listing = seller_setup()
    _endpoint(seller, receiver)
    receiver.statuses = [503]  # the receiver took the first one in but answered an error
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = event_record(seller_id=seller.pk, type="seller_order.paid", payload={"n": 1})
        second = event_record(seller_id=seller.pk, type="seller_order.paid", payload={"n": 2})
    assert _ids(receiver.hits) == [str(first.uid)]
    assert _due_now() == 2
    assert _ids(receiver.hits) == [str(first.uid), str(first.uid), str(second.uid)]
    assert [h["Refurb-Event-Id"] for _p, h, _b in receiver.hits[:2]] == [str(first.uid)] * 2  # a duplicate


def test_a_redirect_is_not_followed_and_counts_as_a_failure(receiver, django_capture_on_commit_callbacks):
    seller, _listing = seller_setup()
    _endpoint(seller, receiver, types=["seller_order.cancelled"])
    receiver.statuses = [302]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.cancelled", payload={})
    assert [path for path, _h, _b in receiver.hits] == ["/hook"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)


def test_a_slow_receiver_times_out_and_the_delivery_waits_for_its_retry(
        receiver, monkeypatch, django_capture_on_commit_callbacks):
    assert webhook_delivery.TIMEOUT_SECONDS == 5
    monkeypatch.setattr(webhook_delivery, "TIMEOUT_SECONDS", 0.2)
    receiver.delay = 1.0
    seller, _listing = seller_setup()
    _endpoint(seller, receiver)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
    assert time.monotonic() - started < 0.9
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == ("pending", None)
    assert "timed out" in WebhookAttempt.objects.get().response_excerpt.lower()


def test_an_event_is_written_in_the_transaction_of_its_change_and_sent_only_after_commit(
        receiver, django_capture_on_commit_callbacks):
    seller, _listing = seller_setup()
    _endpoint(seller, receiver)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
        assert receiver.hits == []  # not from inside the transaction
        raise RuntimeError("the change failed")
    assert not Event.objects.exists() and receiver.hits == []


def test_an_unknown_event_type_is_refused():
    seller, _listing = seller_setup()
    with pytest.raises(ValueError, match="EVENT_TYPES"), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.teleported", payload={})


def test_an_endpoint_failing_for_3_days_is_switched_off_and_its_seller_told_once(
        receiver, django_capture_on_commit_callbacks, mailoutbox):
    seller, _listing = seller_setup()
    endpoint, _secret = _endpoint(seller, receiver)
    receiver.statuses = [500] * 10
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None and endpoint.is_active
    with django_capture_on_commit_callbacks(execute=True):  # two days on: still failing, still on
        webhook_deliveries_drain_due(now=start + timedelta(hours=48))
    endpoint.refresh_from_db()
    assert endpoint.is_active and mailoutbox == []
    assert WebhookDelivery.objects.get().status == "pending"
    with django_capture_on_commit_callbacks(execute=True):  # three days and an hour on
        webhook_deliveries_drain_due(now=start + timedelta(hours=73))
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert endpoint.disabled_reason == "Switched off: every delivery failed for 3 days."
    assert WebhookDelivery.objects.get().status == "failed"  # 72 hours of retries are over
    assert len(mailoutbox) == 1 and endpoint.url in mailoutbox[0].body
    assert seller.contact_email in mailoutbox[0].to
    with django_capture_on_commit_callbacks(execute=True):  # off: nothing more is queued or sent
        webhook_deliveries_drain_due(now=start + timedelta(hours=80))
        with transaction.atomic():
            event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
    assert WebhookDelivery.objects.count() == 1 and len(receiver.hits) == 3 and len(mailoutbox) == 1


def test_a_success_restarts_the_failure_clock(receiver, django_capture_on_commit_callbacks):
    seller, _listing = seller_setup()
    endpoint, _secret = _endpoint(seller, receiver)
    receiver.statuses = [500]
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
    webhook_deliveries_drain_due(now=start + timedelta(hours=1))
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and WebhookDelivery.objects.get().status == "delivered"


def test_switching_an_endpoint_on_again_sends_what_waited_in_order(
        receiver, django_capture_on_commit_callbacks):
    seller, _listing = seller_setup()
    endpoint, _secret = _endpoint(seller, receiver)
    webhook_endpoint_set_active(endpoint=endpoint, active=False)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={})  # not queued: off
    assert receiver.hits == [] and not WebhookDelivery.objects.exists()
    WebhookDelivery.objects.create(event=Event.objects.get(), endpoint=endpoint,
                                   next_attempt_at=timezone.now() + timedelta(hours=5))  # waited while off
    with django_capture_on_commit_callbacks(execute=True):
        webhook_endpoint_set_active(endpoint=endpoint, active=True)
    assert len(receiver.hits) == 1 and WebhookDelivery.objects.get().status == "delivered"


def test_a_second_worker_leaves_an_endpoint_another_is_sending(receiver):
    seller, _listing = seller_setup()
    endpoint, _secret = _endpoint(seller, receiver)
    with transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
    held = timezone.now() + timedelta(seconds=30)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(draining_until=held)
    assert webhook_endpoint_drain(endpoint_id=endpoint.pk) == 0 and receiver.hits == []
    # A worker that died holding it: its lease runs out and the next one sends.
    assert webhook_endpoint_drain(endpoint_id=endpoint.pk, now=timezone.now() + timedelta(minutes=2)) == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_in_production_a_target_resolving_to_a_private_address_is_refused(
        receiver, settings, django_capture_on_commit_callbacks, host):
    seller, _listing = seller_setup()
    _endpoint(seller, receiver)  # made in development, where localhost is allowed
    settings.WEBHOOKS_BLOCK_PRIVATE_TARGETS = True
    WebhookEndpoint.objects.update(url=receiver.url.replace("127.0.0.1", host))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
    assert receiver.hits == []
    assert "private" in WebhookDelivery.objects.get().last_response
    with pytest.raises(ValidationError) as refused:  # and a new one is refused at once
        webhook_endpoint_create(seller=seller, url="https://localhost/hook",
                                event_types=["seller_order.paid"])
    assert "private" in str(refused.value)


def test_in_production_http_to_localhost_is_refused(settings):
    settings.PRODUCTION = True
    seller, _listing = seller_setup()
    with pytest.raises(ValidationError):
        webhook_endpoint_create(seller=seller, url="http://localhost:8080/hook",
                                event_types=["seller_order.paid"])


@pytest.mark.parametrize(("url", "types"), [
    ("http://example.com/hook", ["seller_order.paid"]), ("ftp://example.com/", ["seller_order.paid"]),
    ("https://user:pw@example.com/", ["seller_order.paid"]),
    ("https://example.com/hook", ["nope"]), ("https://example.com/hook", []),
])
def test_an_endpoint_needs_https_and_known_event_types(url, types):
    seller, _listing = seller_setup()
    with pytest.raises(ValidationError):
        webhook_endpoint_create(seller=seller, url=url, event_types=types)


def test_after_a_rotation_both_secrets_sign_during_the_grace_period_then_only_the_new_one(
        receiver, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_SECRET_GRACE_HOURS = 24
    seller, _listing = seller_setup()
    endpoint, old_secret = _endpoint(seller, receiver)
    rotated_at = timezone.now()
    new_secret = webhook_secret_rotate(endpoint=endpoint, now=rotated_at)
    assert new_secret != old_secret and new_secret.startswith("whsec_")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={"n": 1})
    _path, headers, body = receiver.hits[0]
    assert headers["Refurb-Signature"].count("v1=") == 2
    assert signature_verified(new_secret, headers["Refurb-Signature"], body)
    assert signature_verified(old_secret, headers["Refurb-Signature"], body)  # the receiver not switched yet
    with transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={"n": 2})
    after_grace = rotated_at + timedelta(hours=24, seconds=1)
    assert webhook_endpoint_drain(endpoint_id=endpoint.pk, now=after_grace) == 1
    _path, headers, body = receiver.hits[1]
    assert headers["Refurb-Signature"].count("v1=") == 1
    assert signature_verified(new_secret, headers["Refurb-Signature"], body, now=after_grace.timestamp())
    assert not signature_verified(old_secret, headers["Refurb-Signature"], body, now=after_grace.timestamp())


def test_a_resend_sends_a_delivered_event_again_with_its_id_and_a_test_event_reaches_one_endpoint(
        receiver, django_capture_on_commit_callbacks):
    seller, _listing = seller_setup()
    endpoint, secret = _endpoint(seller, receiver)
    other = Receiver()
    try:
        _endpoint(seller, other)
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            event = event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        with django_capture_on_commit_callbacks(execute=True):
            webhook_delivery_resend(delivery=delivery)
        assert _ids(receiver.hits) == [str(event.uid)] * 2
        assert list(delivery.attempt_rows.values_list("manual", flat=True).order_by("id")) == [False, True]
        webhook_endpoint_set_active(endpoint=endpoint, active=False)
        with django_capture_on_commit_callbacks(execute=True):
            webhook_test_send(endpoint=endpoint)  # works while off, to check a fixed receiver
        _path, headers, body = receiver.hits[-1]
        assert headers["Refurb-Event-Type"] == "webhook.test" and signature_verified(
            secret, headers["Refurb-Signature"], body)
        assert len(other.hits) == 1  # the other endpoint got the order event only
    finally:
        other.stop()


def test_one_worker_delivers_1000_events_in_under_10_seconds(receiver, capsys):
    """The throughput figure of benchmarks/results/webhooks.md: one worker, a local receiver."""
    seller, _listing = seller_setup()
    _endpoint(seller, receiver)
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
    assert WebhookAttempt.objects.count() == 1000
    assert sorted(set(WebhookDelivery.objects.values_list("status", "attempts", "last_status_code"))) == [
        ("delivered", 1, 200)]  # recorded by webhook_delivery's one-statement UPDATE (its table, its word)
    assert WebhookDelivery._meta.db_table == "sellers_webhookdelivery"
    assert elapsed < 10


def test_the_readme_verification_snippet_accepts_a_real_delivery_and_refuses_a_forged_one(
        receiver, django_capture_on_commit_callbacks):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    snippet = re.search(r"Verify \(accept any `v1`\):\n\n  ```python\n(.*?)  ```", readme, re.S).group(1)
    namespace = {}
    exec("\n".join(line[2:] for line in snippet.splitlines()), namespace)  # noqa: S102 - our own README
    verified = namespace["verified"]
    seller, _listing = seller_setup()
    _endpoint_row, secret = _endpoint(seller, receiver)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={"n": 1})
    _path, headers, body = receiver.hits[0]
    assert verified(secret, headers["Refurb-Signature"], body)
    assert not verified(secret, headers["Refurb-Signature"], body.replace(b'"n":1', b'"n":2'))
    assert not verified("whsec_guess", headers["Refurb-Signature"], body)


def test_a_worker_that_crashes_mid_run_keeps_the_deliveries_it_made_and_leaves_the_rest_pending(
        receiver, monkeypatch):
    seller, _listing = seller_setup()
    endpoint, _secret = _endpoint(seller, receiver)
    with transaction.atomic():
        for n in range(4):
            event_record(seller_id=seller.pk, type="seller_order.paid", payload={"n": n})
    real_post, calls = webhook_delivery._post, []

    def post_then_crash(*args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the worker is killed")
        return real_post(*args)

    monkeypatch.setattr(webhook_delivery, "_post", post_then_crash)
    with pytest.raises(RuntimeError):
        webhook_endpoint_drain(endpoint_id=endpoint.pk)
    statuses = list(WebhookDelivery.objects.order_by("event_id").values_list("status", flat=True))
    assert statuses == ["delivered", "delivered", "pending", "pending"]
    endpoint.refresh_from_db()
    assert endpoint.draining_until is None  # the lease is given back
    monkeypatch.setattr(webhook_delivery, "_post", real_post)
    assert webhook_endpoint_drain(endpoint_id=endpoint.pk) == 2
    assert [json.loads(body)["data"]["n"] for _p, _h, body in receiver.hits] == [0, 1, 2, 3]


def test_in_production_a_host_that_passes_the_dns_check_but_connects_to_a_private_address_is_refused(
        receiver, settings, monkeypatch, django_capture_on_commit_callbacks):
    """DNS rebinding: the check's lookup says public, the connection lands on 127.0.0.1. The
    connection itself checks the address it reached, before sending anything."""
    seller, _listing = seller_setup()
    _endpoint(seller, receiver)
    settings.WEBHOOKS_BLOCK_PRIVATE_TARGETS = True
    monkeypatch.setattr(webhook_delivery, "private_target", lambda hostname: False)  # the lying answer
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_record(seller_id=seller.pk, type="seller_order.paid", payload={})
    assert receiver.hits == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == ("pending", None)
    assert "private" in delivery.last_response
    settings.WEBHOOKS_BLOCK_PRIVATE_TARGETS = False  # in development the same receiver is reached
    assert _due_now() == 1 and len(receiver.hits) == 1
