"""The built-in test provider: a local payment page with a success card and a decline card.

Paying on its page produces a Stripe-shaped event, signed with Stripe's own webhook signature
scheme and settings.TEST_PROVIDER_SECRET, that goes through the same verification and
processing as a Stripe webhook (orders.services.payment_event_process).
"""
import hashlib
import hmac
import json
import uuid
from decimal import Decimal

import stripe
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import (
    Checkout,
    PaymentProvider,
    PaymentState,
    PaymentStatus,
    ProviderEventData,
    RefundResult,
    stripe_shaped_event,
    to_minor_units,
)

SUCCESS_CARD = "4242424242424242"
DECLINE_CARD = "4000000000000002"
DECLINE_MESSAGE = _("Your card was declined.")


class TestProvider(PaymentProvider):
    __test__ = False  # not a pytest test class
    name = "test"

    def checkout_create(self, *, payment, success_url: str, cancel_url: str) -> Checkout:
        # One checkout per payment, like Stripe's idempotency key: asking twice gives the same page.
        digest = hmac.new(settings.TEST_PROVIDER_SECRET.encode(), f"checkout:{payment.pk}".encode(),
                          hashlib.sha256).hexdigest()[:32]
        reference = f"testpay_{digest}"
        return Checkout(reference=reference,
                        redirect_url=reverse("orders:test_provider_pay", args=[reference]))

    def charge(self, *, payment, card_number: str) -> tuple[bytes, str]:
        """What the test provider's server would post to our webhook: a signed event body."""
        succeeded = card_number == SUCCESS_CARD
        event = {
            "id": f"evt_test_{uuid.uuid4().hex}",
            "object": "event",
            "type": "payment_intent.succeeded" if succeeded else "payment_intent.payment_failed",
            "data": {"object": {
                "id": payment.provider_reference,
                "object": "payment_intent",
                "amount": to_minor_units(payment.amount),
                "currency": payment.currency.lower(),
                "status": "succeeded" if succeeded else "requires_payment_method",
                "last_payment_error": None if succeeded else {"message": str(DECLINE_MESSAGE)},
                "metadata": {"payment_id": str(payment.pk)},
            }},
        }
        payload = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(payload, settings.TEST_PROVIDER_SECRET)
        return payload.encode(), header

    def event_verify(self, *, payload: bytes, signature: str) -> ProviderEventData | None:
        return stripe_shaped_event(payload=payload, signature=signature, secret=settings.TEST_PROVIDER_SECRET)

    def payment_status(self, *, payment, event: ProviderEventData) -> PaymentStatus:
        # The signed event is the test provider's only record: its object holds the state.
        obj = event.payload["data"]["object"]
        if obj.get("id") != payment.provider_reference:
            return PaymentStatus(PaymentState.PENDING)
        if obj.get("status") == "succeeded":
            return PaymentStatus(PaymentState.SUCCEEDED)
        error = obj.get("last_payment_error") or {}
        return PaymentStatus(PaymentState.FAILED, error.get("message", ""))

    def checkout_cancel(self, *, payment) -> None:
        return None

    def refund(self, *, payment, amount: Decimal, idempotency_key: str) -> RefundResult:
        # The same key gives the same refund reference, as Stripe's idempotency does.
        digest = hashlib.sha256(f"{payment.pk}:{idempotency_key}".encode()).hexdigest()[:24]
        return RefundResult(reference=f"testrefund_{digest}", succeeded=True)
