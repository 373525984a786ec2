"""Payment providers: one interface (base.py), Stripe in production, a built-in test provider otherwise."""
from django.conf import settings

from .base import PaymentProvider


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider named (as stored on a Payment), or the one settings.PAYMENT_PROVIDER chooses."""
    name = name or settings.PAYMENT_PROVIDER
    if name == "stripe":
        from .stripe_provider import StripeProvider

        return StripeProvider()
    if name == "test":
        from .test_provider import TestProvider

        return TestProvider()
    raise LookupError(f"Unknown payment provider {name!r}")
