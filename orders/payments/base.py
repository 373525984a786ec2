"""The payment provider interface: what checkout, the event processor and refunds rely on."""
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


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
    """The event's signature or body cannot be trusted: the webhook answers 400."""


def to_minor_units(amount: Decimal) -> int:
    """Money is Decimal everywhere; integer cents only at the provider boundary."""
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


class PaymentProvider(ABC):
    name: str

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
