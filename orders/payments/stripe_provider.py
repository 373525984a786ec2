"""Stripe: Checkout Sessions created with idempotency keys, webhooks verified on the raw body.

Every event is answered by re-reading the Checkout Session (and its PaymentIntent) from Stripe,
so an event arriving late or out of order can never move a payment backwards.
"""
from datetime import timedelta
from decimal import Decimal

import stripe
from django.conf import settings

from .base import (
    Checkout,
    PaymentProvider,
    PaymentState,
    PaymentStatus,
    ProviderEventData,
    ProviderUnavailable,
    RefundResult,
    stripe_shaped_event,
    to_minor_units,
)

HANDLED_EVENTS = frozenset({
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
})


class StripeProvider(PaymentProvider):
    name = "stripe"
    # Stripe refuses a Checkout Session that expires sooner than 30 minutes from now.
    min_checkout_lifetime = timedelta(minutes=31)

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
        if order.expires_at:  # the session closes with the stock hold (payment_start sets both)
            params["expires_at"] = int(order.expires_at.timestamp())
        session = stripe.checkout.Session.create(
            api_key=self._api_key, idempotency_key=f"refurb-checkout-{payment.pk}", **params
        )
        return Checkout(reference=session.id, redirect_url=session.url)

    def event_verify(self, *, payload: bytes, signature: str) -> ProviderEventData | None:
        return stripe_shaped_event(payload=payload, signature=signature,
                                   secret=settings.STRIPE_WEBHOOK_SECRET, handled_types=HANDLED_EVENTS)

    def payment_status(self, *, payment, event: ProviderEventData) -> PaymentStatus:
        try:
            session = stripe.checkout.Session.retrieve(
                payment.provider_reference, api_key=self._api_key, expand=["payment_intent"]
            ).to_dict()
        except stripe.StripeError as exc:
            raise ProviderUnavailable(f"{exc.__class__.__name__}: {exc}") from exc
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
        try:
            stripe.checkout.Session.expire(payment.provider_reference, api_key=self._api_key)
        except stripe.InvalidRequestError:
            # Stripe refuses to expire a session that is complete or expired already: nothing is
            # left to stop then. Anything else (still open, or Stripe down) is raised, and retried.
            session = stripe.checkout.Session.retrieve(payment.provider_reference, api_key=self._api_key)
            if session.to_dict().get("status") == "open":
                raise

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
