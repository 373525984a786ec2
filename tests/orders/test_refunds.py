"""Refunds through Stripe, its HTTP stubbed at the network edge: idempotency keys, minor units,
recorded once, retried after a failure, and never called while a row lock is held."""
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from orders import fulfilment, refunds, services, tasks
from orders.models import Order, Refund, SellerOrder

from .conftest import ADDRESS, make_cart, signed_event
from .fulfil_support import seller_setup, to_state

pytestmark = pytest.mark.django_db


def stripe_paid_order(fake_stripe, settings, lines) -> Order:
    order = services.order_place(cart=make_cart(lines=lines), email="buyer@example.test", address=ADDRESS)
    payment = services.payment_start(order=order, success_url="https://shop.test/ok", cancel_url="x")
    session = fake_stripe.pay(payment.provider_reference)
    payload, header = signed_event(event_type="checkout.session.completed", obj=session,
                                   secret=settings.STRIPE_WEBHOOK_SECRET)
    assert services.payment_event_process(provider_name="stripe", payload=payload.encode(),
                                          signature=header) == "paid"
    order.refresh_from_db()
    return order


def refund_calls(fake_stripe):
    return [r for r in fake_stripe.requests if r["method"] == "post" and r["path"] == "/v1/refunds"]


def test_refusal_refunds_the_seller_order_in_cents_with_an_idempotency_key(
        fake_stripe, settings, django_capture_on_commit_callbacks):
    _seller, listing = seller_setup()  # 399.00, shipping 4.90
    order = stripe_paid_order(fake_stripe, settings, [(listing, 2)])
    seller_order = order.seller_orders.get()
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.seller_order_refuse(seller_order=seller_order, reason="Out of stock")
    [call] = refund_calls(fake_stripe)
    assert call["params"]["amount"] == "80290"
    assert call["headers"]["Idempotency-Key"] == f"refurb-so-{seller_order.pk}-cancel"
    assert call["params"]["payment_intent"].startswith("pi_test_")
    refund = Refund.objects.get()
    assert refund.status == "succeeded" and refund.provider_reference.startswith("re_test_")
    assert refund.amount == Decimal("802.90")
    seller_order.refresh_from_db()
    assert seller_order.state == "refunded" and seller_order.refunded_amount == Decimal("802.90")
    # The task running again (a redelivered message) changes nothing and calls Stripe no more.
    assert tasks.process_refund(refund.pk) == "succeeded"
    assert len(refund_calls(fake_stripe)) == 1


def test_a_partial_refund_keeps_the_state_and_gives_back_its_commission(
        fake_stripe, settings, django_capture_on_commit_callbacks):
    _seller, listing = seller_setup()
    order = stripe_paid_order(fake_stripe, settings, [(listing, 2)])
    seller_order = to_state(order.seller_orders.get(), "delivered")
    assert seller_order.commission_amount == Decimal("95.76")  # 798.00 × 12 %
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.refund_create(seller_order=seller_order, amount=Decimal("50.00"), reason="Scratch",
                                 idempotency_key="goodwill-1")
        fulfilment.refund_create(seller_order=seller_order, amount=Decimal("50.00"), reason="Scratch",
                                 idempotency_key="goodwill-1")  # a double click
    assert [c["params"]["amount"] for c in refund_calls(fake_stripe)] == ["5000"]
    seller_order.refresh_from_db()
    assert seller_order.state == "delivered"
    assert seller_order.refunded_amount == Decimal("50.00")
    assert seller_order.commission_amount == Decimal("89.76")  # (798.00 − 50.00) × 12 %
    with pytest.raises(fulfilment.RefundError, match="752.90"):
        fulfilment.refund_create(seller_order=seller_order, amount=Decimal("800.00"), reason="too much",
                                 idempotency_key="goodwill-2")


def test_a_failed_refund_is_recorded_and_retried_with_the_same_key(
        fake_stripe, settings, django_capture_on_commit_callbacks, monkeypatch):
    _seller, listing = seller_setup()
    order = stripe_paid_order(fake_stripe, settings, [(listing, 1)])
    seller_order = order.seller_orders.get()
    real_request = fake_stripe.request
    outage = {"on": True}

    def flaky(method, url, headers, post_data=None, **kwargs):
        if outage["on"] and url.endswith("/v1/refunds"):
            fake_stripe.requests.append({"method": method, "path": "/v1/refunds", "headers": dict(headers),
                                         "params": {}})
            return json.dumps({"error": {"message": "Service unavailable"}}), 503, {}
        return real_request(method, url, headers, post_data, **kwargs)

    monkeypatch.setattr(fake_stripe, "request", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.seller_order_refuse(seller_order=seller_order, reason="Damaged in our workshop")
    refund = Refund.objects.get()
    assert refund.status == "failed" and refund.failure_reason
    seller_order.refresh_from_db()
    assert seller_order.state == "cancelled" and seller_order.refunded_amount == 0  # no money moved yet

    # Sent again too early (a redelivered task), it waits for its back-off.
    assert tasks.process_refund(refund.pk) == "failed" and len(refund_calls(fake_stripe)) == 1
    outage["on"] = False
    with django_capture_on_commit_callbacks(execute=True):  # the timed job, once the attempt is due
        assert refunds.refunds_retry_due(now=timezone.now() + timedelta(minutes=2)) == 1
    keys = {c["headers"]["Idempotency-Key"] for c in refund_calls(fake_stripe)}
    assert keys == {f"refurb-so-{seller_order.pk}-cancel"}
    seller_order.refresh_from_db()
    assert seller_order.state == "refunded" and Refund.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_stripe_is_never_called_inside_a_transaction(fake_stripe, settings, monkeypatch):
    """The refund intent is committed first and Stripe is called with no transaction (no row lock)
    open; the result is then recorded in a new transaction."""
    _seller, listing = seller_setup()
    order = stripe_paid_order(fake_stripe, settings, [(listing, 1)])
    seller_order = order.seller_orders.get()
    real_request = fake_stripe.request
    seen = []

    def watching(method, url, headers, post_data=None, **kwargs):
        if url.endswith("/v1/refunds"):
            seen.append((connection.in_atomic_block,
                         Refund.objects.filter(status="pending").count(),
                         SellerOrder.objects.get(pk=seller_order.pk).state))
        return real_request(method, url, headers, post_data, **kwargs)

    monkeypatch.setattr(fake_stripe, "request", watching)
    fulfilment.seller_order_refuse(seller_order=seller_order, reason="No stock")
    assert seen == [(False, 1, "cancelled")]
    seller_order.refresh_from_db()
    assert seller_order.state == "refunded"
