"""The payment provider interface: what checkout, the event processor and refunds rely on."""
import json
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

logger = logging.getLogger(__name__)


class PaymentState(StrEnum):
    """A payment's state as the provider sees it, re-read from the provider on every event."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # this attempt was declined; the shopper may try again until expiry
    EXPIRED = "expired"  # the provider will never take this payment any more


@dataclass(frozen=True)
class Checkout:
    """Where to send the shopper to pay, and the provider's reference for the payment."""

    reference: str
    redirect_url: str


@dataclass(frozen=True)
class ProviderEventData:
    """A verified provider event: its id and type, and our Payment it concerns."""

    event_id: str
    event_type: str
    payment_id: int
    payload: dict


@dataclass(frozen=True)
class PaymentStatus:
    state: PaymentState
    failure_reason: str = ""


@dataclass(frozen=True)
class RefundResult:
    reference: str
    succeeded: bool


class InvalidEvent(Exception):
    """The event's signature or body cannot be trusted or parsed: the webhook answers 400."""


class ProviderUnavailable(Exception):
    """The provider could not be asked (down, timed out, erring): the webhook answers 503, so the
    provider delivers the event again later."""


def stripe_shaped_event(*, payload: bytes, signature: str, secret: str,
                        handled_types: frozenset[str] | None = None) -> ProviderEventData | None:
    """Verifies a body signed with Stripe's webhook scheme and reads the event from it.

    Raises InvalidEvent for a bad signature or a body that is not an event (not a JSON object,
    no string id and type). A well-formed event we do not handle — another type, no `data`, no
    or a non-numeric payment id in its metadata — is None: the webhook answers 200 "ignored".
    """
    import stripe  # the signature scheme only; no network

    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8") if isinstance(payload, bytes) else payload, signature, secret,
            stripe.Webhook.DEFAULT_TOLERANCE)
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError) as exc:
        raise InvalidEvent(str(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) \
            or not isinstance(data.get("type"), str):
        raise InvalidEvent("not an event object")
    if handled_types is not None and data["type"] not in handled_types:
        return None
    obj = data.get("data", {}).get("object") if isinstance(data.get("data"), dict) else None
    metadata = obj.get("metadata") if isinstance(obj, dict) else None
    payment_id = metadata.get("payment_id") if isinstance(metadata, dict) else None
    if not isinstance(payment_id, str | int) or not str(payment_id).isdigit() or len(str(payment_id)) > 18:
        logger.warning("ignored %s event %s: no payment of ours in it", data["type"], data["id"][:100])
        return None
    return ProviderEventData(event_id=data["id"][:255], event_type=data["type"][:100],
                             payment_id=int(payment_id), payload=data)


def to_minor_units(amount: Decimal) -> int:
    """Money is Decimal everywhere; integer cents only at the provider boundary."""
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


class PaymentProvider(ABC):
    name: str
    # The shortest a checkout may stay open: the stock hold is never shorter (see payment_start).
    min_checkout_lifetime = timedelta(0)

    @abstractmethod
    def checkout_create(self, *, payment, success_url: str, cancel_url: str) -> Checkout:
        """Creates the provider-side payment for `payment` (idempotent on the payment's id)."""

    @abstractmethod
    def event_verify(self, *, payload: bytes, signature: str) -> ProviderEventData | None:
        """Verifies and parses a raw event body; None for event types that concern no payment.

        Raises InvalidEvent when the signature or the body is wrong.
        """

    @abstractmethod
    def payment_status(self, *, payment, event: ProviderEventData) -> PaymentStatus:
        """The payment's current state. Stripe re-reads the object so late or out-of-order
        events cannot move a payment backwards."""

    @abstractmethod
    def checkout_cancel(self, *, payment) -> None:
        """Stops the provider from taking this payment (an order released before it was paid)."""

    @abstractmethod
    def refund(self, *, payment, amount: Decimal, idempotency_key: str) -> RefundResult:
        """Refunds `amount` of a succeeded payment; the same key never refunds twice."""
