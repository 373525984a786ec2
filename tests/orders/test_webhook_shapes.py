"""The payment webhook under odd but correctly signed bodies and a provider outage: 400 for what
cannot be parsed, 200 "ignored" for well-formed events we do not handle, 503 (no traceback) while
Stripe cannot be asked, so Stripe delivers again — never a 500."""
import json
import logging

import pytest
import stripe

from orders import services
from orders.models import Order, ProviderEvent

from .conftest import ADDRESS, make_cart, signed_event

pytestmark = pytest.mark.django_db
WEBHOOK = "/payments/stripe/webhook/"


def post_signed(client, settings, body: str):
    header = stripe.WebhookSignature.generate_signature_header(body, settings.STRIPE_WEBHOOK_SECRET)
    return client.post(WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


@pytest.mark.parametrize("body", ["[]", '[{"id": "evt_1"}]', '"text"', "42", "null", "{not json",
                                  '{"type": "checkout.session.completed"}', '{"id": 7, "type": "x"}'])
def test_a_signed_body_that_is_not_an_event_is_400(client, settings, fake_stripe, body):
    response = post_signed(client, settings, body)
    assert response.status_code == 400
    assert not ProviderEvent.objects.exists()


@pytest.mark.parametrize("event", [
    {"id": "evt_a", "object": "event", "type": "checkout.session.completed"},  # no data
    {"id": "evt_b", "object": "event", "type": "checkout.session.completed", "data": []},
    {"id": "evt_c", "object": "event", "type": "checkout.session.completed", "data": {"object": "x"}},
    {"id": "evt_d", "object": "event", "type": "checkout.session.completed",
     "data": {"object": {"metadata": {"payment_id": "abc"}}}},
    {"id": "evt_e", "object": "event", "type": "checkout.session.completed",
     "data": {"object": {"metadata": {"payment_id": "1" * 40}}}},
    {"id": "evt_f", "object": "event", "type": "checkout.session.completed",
     "data": {"object": {"metadata": "nope"}}},
    {"id": "evt_g", "object": "event", "type": "customer.created", "data": {"object": {"id": "cus_1"}}},
])
def test_a_well_formed_event_we_do_not_handle_is_acknowledged_and_logged_once(client, settings, fake_stripe,
                                                                              event, caplog):
    with caplog.at_level(logging.WARNING, logger="orders.payments.base"):
        response = post_signed(client, settings, json.dumps(event))
    assert response.status_code == 200 and response.content == b"ignored"
    assert len([r for r in caplog.records if event["id"] in r.getMessage()]) <= 1
    assert not ProviderEvent.objects.exists()


def test_stripe_unreachable_while_handling_a_valid_event_is_503_then_applied_on_redelivery(
        client, settings, fake_stripe, listing, caplog):
    order = services.order_place(cart=make_cart(lines=[(listing, 1)]), email="b@example.test",
                                 address=ADDRESS)
    payment = services.payment_start(order=order, success_url="https://shop.test/ok", cancel_url="x")
    session = fake_stripe.pay(payment.provider_reference)
    payload, header = signed_event(event_type="checkout.session.completed", obj=session,
                                   secret=settings.STRIPE_WEBHOOK_SECRET, event_id="evt_outage")
    fake_stripe.down = True
    with caplog.at_level(logging.WARNING):
        response = client.post(WEBHOOK, data=payload, content_type="application/json",
                               HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 503
    assert b"Traceback" not in response.content
    deferred = [r for r in caplog.records if "provider unavailable" in r.getMessage()]
    assert len(deferred) == 1 and deferred[0].exc_info is None
    assert not ProviderEvent.objects.exists()
    assert Order.objects.get().status == Order.Status.AWAITING_PAYMENT

    fake_stripe.down = False  # Stripe delivers the same event again later
    response = client.post(WEBHOOK, data=payload, content_type="application/json",
                           HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 200 and response.content == b"paid"
    assert Order.objects.get().status == Order.Status.PAID
