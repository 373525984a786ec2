"""Every refund the marketplace owes is a row first, then sent until it lands: a payment for an
order cancelled meanwhile, with Stripe down, is refunded once Stripe is back; what is refunded —
pending, failed-and-retrying or succeeded — never exceeds what was captured, even when two staff
members click at once. Stripe's HTTP is stubbed at its client; PostgreSQL is real."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders import fulfilment, refunds, services
from orders.models import Order, Refund

from .conftest import ADDRESS, make_cart, signed_event
from .fulfil_support import seller_setup, to_state
from .test_concurrency import run_concurrently
from .test_refunds import refund_calls, stripe_paid_order


@pytest.mark.django_db
def test_money_for_a_released_order_is_refunded_once_stripe_is_back(fake_stripe, settings,
                                                                    django_capture_on_commit_callbacks):
    _seller, listing = seller_setup(price=Decimal("99.00"))
    with django_capture_on_commit_callbacks(execute=True):
        order_placed = services.order_place(cart=make_cart(lines=[(listing, 1)]), email="b@example.test",
                                            address=ADDRESS)
        payment = services.payment_start(order=order_placed, success_url="https://shop.test/ok",
                                         cancel_url="x")
        services.order_release(order=order_placed, reason="payment not received in time")
    fake_stripe.sessions[payment.provider_reference]["status"] = "open"
    session = fake_stripe.pay(payment.provider_reference)
    payload, header = signed_event(event_type="checkout.session.completed", obj=session,
                                   secret=settings.STRIPE_WEBHOOK_SECRET)
    real_request = fake_stripe.request

    def refunds_down(method, url, headers, post_data=None, **kwargs):
        if url.endswith("/v1/refunds"):
            fake_stripe.requests.append({"method": method, "path": "/v1/refunds", "headers": dict(headers),
                                         "params": {}})
            return '{"error": {"message": "Service unavailable", "type": "api_error"}}', 503, {}
        return real_request(method, url, headers, post_data, **kwargs)

    fake_stripe.request = refunds_down
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_event_process(provider_name="stripe", payload=payload.encode(), signature=header)
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.seller_order_id, refund.amount) == (payment.pk, None, Decimal("103.90"))
    assert refund.status == Refund.Status.FAILED and refund.attempts == 1 and refund.next_attempt_at
    assert Order.objects.get().status == Order.Status.EXPIRED

    # Still down at the first retry: recorded, tried again later, never dropped.
    assert refunds.refunds_retry_due(now=timezone.now() + timedelta(minutes=2)) == 0
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED and refund.attempts == 2
    fake_stripe.request = real_request  # Stripe is back
    assert refunds.refunds_retry_due(now=timezone.now() + timedelta(minutes=10)) == 1
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert [r["amount"] for r in fake_stripe.refunds.values()] == [10390]
    assert {c["headers"]["Idempotency-Key"] for c in refund_calls(fake_stripe)} == {
        f"refurb-unneeded-{payment.pk}"}


@pytest.mark.django_db
def test_retries_back_off_and_stop_after_refund_retry_hours_leaving_it_to_staff(settings):
    assert [refunds.retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4, 10)] == [1, 2, 4, 8, 360]
    settings.REFUND_RETRY_HOURS = 72
    _seller, listing = seller_setup()
    from .fulfil_support import paid_order

    order = paid_order(lines=[(listing, 1)])
    refund = refunds.refund_unneeded_payment(payment=order.payments.get())
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(hours=71, minutes=59))
    refund.refresh_from_db()
    refunds._record_failure(refund=refund, reason="still down")
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED and refund.next_attempt_at is None  # staff's now
    # Staff's "send again" does not wait for a next attempt.
    assert refunds.refund_process(refund=refund, force=True).status == Refund.Status.SUCCEEDED


@pytest.mark.django_db
def test_a_failed_refund_counts_so_refund_what_is_left_starts_no_second_full_refund(
        fake_stripe, settings, django_capture_on_commit_callbacks):
    _seller, listing = seller_setup(price=Decimal("99.00"))
    order = stripe_paid_order(fake_stripe, settings, [(listing, 1)])
    seller_order = order.seller_orders.get()
    fake_stripe.down = True
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.seller_order_refuse(seller_order=seller_order, reason="Out of stock")
    assert Refund.objects.get().status == Refund.Status.FAILED
    seller_order.refresh_from_db()
    left = seller_order.total - seller_order.refunded_amount  # what the admin's "refund in full" asks
    with pytest.raises(fulfilment.RefundError, match="At most"):
        fulfilment.refund_create(seller_order=seller_order, amount=left, reason="in full",
                                 idempotency_key=f"refurb-so-{seller_order.pk}-staff-full")
    assert Refund.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_refunding_at_once_never_refund_more_than_was_captured(fake_stripe, settings):
    _seller, listing = seller_setup(price=Decimal("99.00"))
    order = stripe_paid_order(fake_stripe, settings, [(listing, 1)])
    seller_order = to_state(order.seller_orders.get(), "delivered")
    total = seller_order.total

    def staff(n):
        return lambda: fulfilment.refund_create(seller_order=seller_order, amount=total, reason="lost",
                                                idempotency_key=f"staff-{n}")

    results = run_concurrently([staff(n) for n in range(4)])
    made = [r for r in results if isinstance(r, Refund)]
    refused = [r for r in results if isinstance(r, fulfilment.RefundError)]
    assert len(made) == 1 and len(refused) == 3, results
    assert sum(r.amount for r in Refund.objects.all()) == total
    assert [c["params"]["amount"] for c in refund_calls(fake_stripe)] == [str(int(total * 100))]


@pytest.mark.django_db(transaction=True)
def test_a_partial_and_a_full_refund_at_once_stay_within_the_capture(fake_stripe, settings):
    _seller, listing = seller_setup(price=Decimal("99.00"))
    order = stripe_paid_order(fake_stripe, settings, [(listing, 1)])
    seller_order = to_state(order.seller_orders.get(), "delivered")
    results = run_concurrently([
        lambda: fulfilment.refund_create(seller_order=seller_order, amount=Decimal("30.00"), reason="scratch",
                                         idempotency_key="partial"),
        lambda: fulfilment.refund_create(seller_order=seller_order, amount=seller_order.total,
                                         reason="lost", idempotency_key="full"),
    ])
    refunded = sum(r.amount for r in Refund.objects.all())
    assert refunded <= seller_order.total, results
    assert sum(isinstance(r, Refund) for r in results) >= 1
