"""Stripe: Checkout Sessions created with idempotency keys, webhooks verified on the raw body.

Every event is answered by re-reading the Checkout Session (and its PaymentIntent) from Stripe,
so an event arriving late or out of order can never move a payment backwards.
"""
import contextlib
from datetime import timedelta
from decimal import Decimal

import stripe
from django.conf import settings
from django.utils import timezone

from .base import (
    Checkout,
    InvalidEvent,
    PaymentProvider,
    PaymentState,
    PaymentStatus,
    ProviderEventData,
    RefundResult,
    to_minor_units,
)

# Stripe refuses a Checkout Session that expires sooner than 30 minutes from now.
STRIPE_MIN_SESSION_LIFETIME = timedelta(minutes=31)

HANDLED_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
}


class StripeProvider(PaymentProvider):
    name = "stripe"

    @property
    def _api_key(self) -> str:
        return settings.STRIPE_SECRET_KEY

    def checkout_create(self, *, payment, success_url: str, cancel_url: str) -> Checkout:
        order = payment.order
        metadata = {"payment_id": str(payment.pk), "order_number": order.number}
        params = {
            "mode": "payment",
            "line_items": [{
                "quantity": 1,
                "price_data": {
                    "currency": payment.currency.lower(),
                    "unit_amount": to_minor_units(payment.amount),
                    "product_data": {"name": f"Refurb order {order.number}"},
                },
            }],
            "customer_email": order.email,
            "client_reference_id": str(payment.pk),
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        if order.expires_at and order.expires_at - timezone.now() >= STRIPE_MIN_SESSION_LIFETIME:
            params["expires_at"] = int(order.expires_at.timestamp())
        session = stripe.checkout.Session.create(
            api_key=self._api_key, idempotency_key=f"refurb-checkout-{payment.pk}", **params
        )
        return Checkout(reference=session.id, redirect_url=session.url)

    def event_verify(self, *, payload: bytes, signature: str) -> ProviderEventData | None:
        try:
            event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
        except (ValueError, stripe.SignatureVerificationError) as exc:
            raise InvalidEvent(str(exc)) from exc
        data = event.to_dict()
        if data["type"] not in HANDLED_EVENTS:
            return None
        payment_id = (data["data"]["object"].get("metadata") or {}).get("payment_id")
        if not payment_id:
            return None
        return ProviderEventData(event_id=data["id"], event_type=data["type"],
                                 payment_id=int(payment_id), payload=data)

    def payment_status(self, *, payment, event: ProviderEventData) -> PaymentStatus:
        session = stripe.checkout.Session.retrieve(
            payment.provider_reference, api_key=self._api_key, expand=["payment_intent"]
        ).to_dict()
        if session.get("payment_status") in ("paid", "no_payment_required"):
            return PaymentStatus(PaymentState.SUCCEEDED)
        if session.get("status") == "expired":
            return PaymentStatus(PaymentState.EXPIRED)
        intent = session.get("payment_intent")
        if isinstance(intent, dict):
            if intent.get("status") == "succeeded":
                return PaymentStatus(PaymentState.SUCCEEDED)
            error = intent.get("last_payment_error")
            if error:
                return PaymentStatus(PaymentState.FAILED, error.get("message") or "")
        if event.event_type == "checkout.session.async_payment_failed":
            return PaymentStatus(PaymentState.FAILED, "The payment did not go through.")
        return PaymentStatus(PaymentState.PENDING)

    def checkout_cancel(self, *, payment) -> None:
        if not payment.provider_reference:
            return
        # Already complete or expired: nothing left to stop.
        with contextlib.suppress(stripe.InvalidRequestError):
            stripe.checkout.Session.expire(payment.provider_reference, api_key=self._api_key)

    def refund(self, *, payment, amount: Decimal, idempotency_key: str) -> RefundResult:
        session = stripe.checkout.Session.retrieve(payment.provider_reference, api_key=self._api_key)
        intent_id = session.to_dict().get("payment_intent")
        if isinstance(intent_id, dict):
            intent_id = intent_id["id"]
        refund = stripe.Refund.create(
            api_key=self._api_key, idempotency_key=idempotency_key,
            payment_intent=intent_id, amount=to_minor_units(amount),
            metadata={"payment_id": str(payment.pk)},
        )
        return RefundResult(reference=refund.id, succeeded=refund.status in ("succeeded", "pending"))
