"""Stripe: Checkout Sessions and webhooks, with Stripe's HTTP stubbed at its client and payloads
signed with Stripe's own webhook signature scheme."""
from decimal import Decimal

import pytest
from django.urls import reverse

from orders import refunds, services
from orders.models import Order, Payment, ProviderEvent, Refund, SellerOrder, SellerOrderTransition
from orders.tasks import process_refund

from .conftest import ADDRESS, make_cart, signed_event

pytestmark = pytest.mark.django_db
WEBHOOK = "/payments/stripe/webhook/"


@pytest.fixture
def order(listing):
    cart = make_cart(lines=[(listing, 2)])
    return services.order_place(cart=cart, email="buyer@example.test", address=ADDRESS)


@pytest.fixture
def payment(order, fake_stripe):
    return services.payment_start(order=order, success_url="https://shop.test/ok",
                                  cancel_url="https://shop.test/back")


def post_event(client, settings, *, event_type, obj, event_id=None, secret=None):
    payload, header = signed_event(event_type=event_type, obj=obj, event_id=event_id,
                                   secret=secret or settings.STRIPE_WEBHOOK_SECRET)
    return client.post(WEBHOOK, data=payload, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=header)


def test_checkout_session_is_created_in_minor_units_with_an_idempotency_key(payment, fake_stripe, order):
    create = fake_stripe.requests[0]
    assert create["path"] == "/v1/checkout/sessions"
    assert create["headers"]["Idempotency-Key"] == f"refurb-checkout-{payment.pk}"
    assert create["params"]["line_items[0][price_data][unit_amount]"] == "80290"  # 2 × 399 + 4.90
    assert create["params"]["metadata[payment_id]"] == str(payment.pk)
    assert payment.provider == "stripe" and payment.provider_reference.startswith("cs_test_")
    assert payment.redirect_url.startswith("https://checkout.stripe.test/")
    # Asking again while the session is open reuses it: no second session, no second charge.
    again = services.payment_start(order=order, success_url="https://shop.test/ok", cancel_url="x")
    assert again.pk == payment.pk and len(fake_stripe.requests) == 1


def test_webhook_with_a_bad_signature_is_400_and_changes_nothing(client, settings, payment, fake_stripe):
    session = fake_stripe.pay(payment.provider_reference)
    response = post_event(client, settings, event_type="checkout.session.completed", obj=session,
                          secret="whsec_someone_else")
    assert response.status_code == 400
    response = client.post(WEBHOOK, data=b"{}", content_type="application/json")
    assert response.status_code == 400
    assert not ProviderEvent.objects.exists()
    assert Order.objects.get().status == Order.Status.AWAITING_PAYMENT


def test_valid_completed_event_marks_the_order_paid(client, settings, payment, fake_stripe):
    session = fake_stripe.pay(payment.provider_reference)
    response = post_event(client, settings, event_type="checkout.session.completed", obj=session)
    assert response.status_code == 200
    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert order.seller_orders.get().state == SellerOrder.State.PAID
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    # The state was re-read from Stripe, not trusted from the event body.
    assert any(r["method"] == "get" and r["path"].startswith("/v1/checkout/sessions/")
               for r in fake_stripe.requests)


def test_event_body_claiming_paid_is_not_trusted_over_stripes_state(client, settings, payment, fake_stripe):
    forged = {**fake_stripe.sessions[payment.provider_reference], "payment_status": "paid"}
    response = post_event(client, settings, event_type="checkout.session.completed", obj=forged)
    assert response.status_code == 200
    assert Order.objects.get().status == Order.Status.AWAITING_PAYMENT


def test_the_same_event_twice_has_one_effect(client, settings, payment, fake_stripe,
                                             django_capture_on_commit_callbacks, mailoutbox):
    session = fake_stripe.pay(payment.provider_reference)
    with django_capture_on_commit_callbacks(execute=True):
        first = post_event(client, settings, event_type="checkout.session.completed", obj=session,
                           event_id="evt_same")
        second = post_event(client, settings, event_type="checkout.session.completed", obj=session,
                            event_id="evt_same")
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == b"duplicate"
    assert ProviderEvent.objects.filter(event_id="evt_same").count() == 1
    assert SellerOrderTransition.objects.filter(to_state="paid").count() == 1
    assert len(mailoutbox) == 2  # one confirmation, one seller notice


def test_out_of_order_events_end_in_the_true_state(client, settings, payment, fake_stripe):
    """Stripe sends payment_failed, then the shopper pays with another card; the `completed` event
    arrives first and the stale `payment_failed` after it: the order stays paid."""
    declined_intent = fake_stripe.decline(payment.provider_reference)
    stale_failed = dict(declined_intent)
    session = fake_stripe.pay(payment.provider_reference)
    post_event(client, settings, event_type="checkout.session.completed", obj=session)
    post_event(client, settings, event_type="payment_intent.payment_failed", obj=stale_failed)
    post_event(client, settings, event_type="checkout.session.expired",
               obj={**session, "status": "expired"})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Order.objects.get().status == Order.Status.PAID


def test_late_completed_event_before_the_failure_is_read_as_paid(client, settings, payment, fake_stripe):
    """The failure event arrives after the shopper already paid: re-reading the session says paid."""
    intent = fake_stripe.decline(payment.provider_reference)
    fake_stripe.pay(payment.provider_reference)
    post_event(client, settings, event_type="payment_intent.payment_failed", obj=dict(intent))
    assert Order.objects.get().status == Order.Status.PAID


def test_decline_records_the_reason_and_keeps_the_order_open(client, settings, payment, fake_stripe, listing):
    intent = fake_stripe.decline(payment.provider_reference)
    response = post_event(client, settings, event_type="payment_intent.payment_failed", obj=intent)
    assert response.content == b"failed"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_reason == "Your card was declined."
    order = Order.objects.get()
    assert order.status == Order.Status.AWAITING_PAYMENT
    listing.refresh_from_db()
    assert listing.allocated == 2  # held until the payment deadline so the shopper can retry


def test_expired_session_releases_the_stock(client, settings, payment, fake_stripe, listing):
    session = fake_stripe.expire(payment.provider_reference)
    post_event(client, settings, event_type="checkout.session.expired", obj=session)
    order = Order.objects.get()
    assert order.status == Order.Status.EXPIRED
    listing.refresh_from_db()
    assert listing.allocated == 0


def test_payment_after_the_order_was_released_is_refunded(client, settings, payment, fake_stripe,
                                                          django_capture_on_commit_callbacks, listing):
    services.order_release(order=payment.order, reason="payment not received in time")
    # The session was expired at Stripe on release; suppose the payment slipped through anyway.
    fake_stripe.sessions[payment.provider_reference].update(status="complete")
    session = fake_stripe.pay(payment.provider_reference)
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, settings, event_type="checkout.session.completed", obj=session)
    assert Order.objects.get().status == Order.Status.EXPIRED
    refund = next(iter(fake_stripe.refunds.values()))
    assert refund["amount"] == 80290
    refund_call = next(r for r in fake_stripe.requests if r["path"] == "/v1/refunds")
    assert refund_call["headers"]["Idempotency-Key"] == f"refurb-unneeded-{payment.pk}"
    listing.refresh_from_db()
    assert listing.allocated == 0


def test_refund_through_the_interface_uses_minor_units_and_the_key(payment, fake_stripe):
    fake_stripe.pay(payment.provider_reference)
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.SUCCEEDED)
    payment.refresh_from_db()
    result = services.payment_refund(payment=payment, amount=Decimal("12.34"), idempotency_key="ret-1")
    assert result.succeeded and result.reference.startswith("re_test_")
    call = fake_stripe.requests[-1]
    assert call["params"]["amount"] == "1234" and call["headers"]["Idempotency-Key"] == "ret-1"
    with pytest.raises(services.PaymentError):
        services.payment_refund(payment=payment, amount=Decimal("9999"), idempotency_key="ret-2")


def test_unhandled_event_types_are_acknowledged_and_ignored(client, settings, payment):
    response = post_event(client, settings, event_type="customer.created", obj={"id": "cus_1"})
    assert response.status_code == 200 and response.content == b"ignored"


def test_refund_task_runs_twice_with_the_same_key_and_refunds_once(payment, fake_stripe):
    fake_stripe.pay(payment.provider_reference)
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.SUCCEEDED)
    refund = refunds.refund_unneeded_payment(payment=payment)
    process_refund(refund.pk)
    process_refund(refund.pk)
    calls = [r for r in fake_stripe.requests if r["path"] == "/v1/refunds"]
    assert [c["headers"]["Idempotency-Key"] for c in calls] == [f"refurb-unneeded-{payment.pk}"]
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    assert reverse("orders:payment_webhook", args=["stripe"]) == WEBHOOK
