"""Unpaid orders give their stock back after ORDER_PAYMENT_TIMEOUT_MINUTES (Celery beat task)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.celery import app
from orders import services, tasks
from orders.models import Order, Payment, SellerOrder
from orders.payments.test_provider import SUCCESS_CARD, TestProvider

from .conftest import ADDRESS, make_cart

pytestmark = pytest.mark.django_db


def test_beat_schedule_names_the_release_task():
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "orders.tasks.release_expired_orders" in schedule
    assert tasks.release_expired_orders.name == "orders.tasks.release_expired_orders"


def test_unpaid_order_is_released_after_the_timeout(listing, settings, monkeypatch):
    settings.ORDER_PAYMENT_TIMEOUT_MINUTES = 30
    order = services.order_place(cart=make_cart(lines=[(listing, 2)]), email="a@example.test",
                                 address=ADDRESS)
    placed_at = timezone.now()
    assert order.expires_at == pytest.approx(placed_at + timedelta(minutes=30), abs=timedelta(seconds=5))

    monkeypatch.setattr(timezone, "now", lambda: placed_at + timedelta(minutes=29))
    assert tasks.release_expired_orders() == 0
    listing.refresh_from_db()
    assert listing.allocated == 2

    monkeypatch.setattr(timezone, "now", lambda: placed_at + timedelta(minutes=31))
    assert tasks.release_expired_orders() == 1
    assert tasks.release_expired_orders() == 0  # safe to run twice
    order.refresh_from_db()
    listing.refresh_from_db()
    assert order.status == Order.Status.EXPIRED and listing.allocated == 0
    seller_order = order.seller_orders.get()
    assert seller_order.state == SellerOrder.State.CANCELLED and seller_order.cancelled_at
    assert list(seller_order.transitions.values_list("from_state", "to_state")) == [
        ("awaiting_payment", "cancelled")]


def test_paid_order_is_never_released(listing):
    order = services.order_place(cart=make_cart(lines=[(listing, 1)]), email="a@example.test",
                                 address=ADDRESS)
    payment = services.payment_start(order=order, success_url="/ok", cancel_url="/back")
    payload, signature = TestProvider().charge(payment=payment, card_number=SUCCESS_CARD)
    assert services.payment_event_process(provider_name="test", payload=payload,
                                          signature=signature) == "paid"
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert services.orders_release_expired() == 0
    assert services.order_release(order=order, reason="test") is False
    listing.refresh_from_db()
    assert listing.allocated == 1


def test_test_provider_events_go_through_the_webhook_with_the_same_verification(client, listing):
    order = services.order_place(cart=make_cart(lines=[(listing, 1)]), email="a@example.test",
                                 address=ADDRESS)
    payment = services.payment_start(order=order, success_url="/ok", cancel_url="/back")
    payload, signature = TestProvider().charge(payment=payment, card_number=SUCCESS_CARD)
    bad = client.post("/payments/test/webhook/", data=payload, content_type="application/json",
                      HTTP_STRIPE_SIGNATURE=signature.replace("v1=", "v1=0"))
    assert bad.status_code == 400
    good = client.post("/payments/test/webhook/", data=payload, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=signature)
    again = client.post("/payments/test/webhook/", data=payload, content_type="application/json",
                        HTTP_STRIPE_SIGNATURE=signature)
    assert (good.content, again.content) == (b"paid", b"duplicate")
    assert order.payments.get().status == Payment.Status.SUCCEEDED
