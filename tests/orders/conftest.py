"""Fixtures for the orders tests: carts, placed orders, and Stripe stubbed at its HTTP client."""
import itertools
import json
from decimal import Decimal
from urllib.parse import parse_qsl, urlparse

import pytest
import stripe

from orders import services
from orders.models import Cart
from tests.factories import ListingFactory, SellerFactory

ADDRESS = services.ShippingAddress(full_name="Alex Martin", line1="3 rue des Lilas",
                                   postal_code="75011", city="Paris", country="FR")


def make_cart(*, user=None, lines=()) -> Cart:
    """A cart holding (listing, quantity) pairs, filled through the cart service."""
    cart = services.cart_get_or_create(user=user) if user else Cart.objects.create(
        session_key=f"s{next(_session_numbers)}")
    for listing, quantity in lines:
        services.cart_add(cart=cart, listing_id=listing.pk, quantity=quantity)
    return cart


_session_numbers = itertools.count(1)


@pytest.fixture
def seller(db):
    return SellerFactory(shipping_fee=Decimal("4.90"), commission_rate=Decimal("0.1200"))


@pytest.fixture
def listing(seller):
    return ListingFactory(seller=seller, price=Decimal("399.00"), quantity=3)


class FakeStripeHTTP(stripe.HTTPClient):
    """Stripe's API at the network edge: stripe-python builds and parses real requests and
    responses; only the bytes on the wire are answered here."""

    name = "fake-stripe"

    def __init__(self):
        super().__init__()
        self.requests: list[dict] = []
        self.sessions: dict[str, dict] = {}
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self._ids = itertools.count(1)
        self.down = False  # True: every call answers 503, as Stripe does in an outage

    # --- what the tests do on "Stripe's side"
    def pay(self, session_id: str) -> dict:
        session = self.sessions[session_id]
        intent = self._intent(session)
        intent.update(status="succeeded", last_payment_error=None)
        session.update(status="complete", payment_status="paid")
        return session

    def decline(self, session_id: str) -> dict:
        session = self.sessions[session_id]
        intent = self._intent(session)
        intent.update(status="requires_payment_method",
                      last_payment_error={"message": "Your card was declined.", "code": "card_declined"})
        return intent

    def expire(self, session_id: str) -> dict:
        self.sessions[session_id].update(status="expired")
        return self.sessions[session_id]

    def _intent(self, session: dict) -> dict:
        if session["payment_intent"] is None:
            intent_id = f"pi_test_{next(self._ids)}"
            self.intents[intent_id] = {"id": intent_id, "object": "payment_intent",
                                       "amount": session["amount_total"], "status": "requires_payment_method",
                                       "last_payment_error": None, "metadata": session["metadata"]}
            session["payment_intent"] = intent_id
        return self.intents[session["payment_intent"]]

    # --- the HTTP edge
    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parsed = urlparse(url)
        params = dict(parse_qsl(post_data or parsed.query or ""))
        self.requests.append({"method": method, "path": parsed.path, "headers": dict(headers or {}),
                              "params": params})
        path = parsed.path
        if self.down:
            return json.dumps({"error": {"message": "Service unavailable", "type": "api_error"}}), 503, {}
        if method == "post" and path == "/v1/checkout/sessions":
            session_id = f"cs_test_{next(self._ids)}"
            metadata = {k[len("metadata["):-1]: v for k, v in params.items() if k.startswith("metadata[")}
            self.sessions[session_id] = {
                "id": session_id, "object": "checkout.session", "status": "open",
                "payment_status": "unpaid", "payment_intent": None, "metadata": metadata,
                "amount_total": int(params["line_items[0][price_data][unit_amount]"]),
                "currency": params["line_items[0][price_data][currency]"],
                "url": f"https://checkout.stripe.test/pay/{session_id}",
            }
            return self._ok(self.sessions[session_id])
        if path.startswith("/v1/checkout/sessions/") and path.endswith("/expire"):
            session_id = path.split("/")[4]
            if self.sessions[session_id]["status"] != "open":  # Stripe refuses, as here
                return json.dumps({"error": {"type": "invalid_request_error", "message":
                                             "Only Checkout Sessions with a status of open can be expired."}}
                                  ), 400, {}
            return self._ok(self.expire(session_id))
        if method == "get" and path.startswith("/v1/checkout/sessions/"):
            session = dict(self.sessions[path.split("/")[4]])
            if "payment_intent" in params.get("expand[0]", "") and session["payment_intent"]:
                session["payment_intent"] = self.intents[session["payment_intent"]]
            return self._ok(session)
        if method == "post" and path == "/v1/refunds":
            refund_id = f"re_test_{next(self._ids)}"
            self.refunds[refund_id] = {"id": refund_id, "object": "refund", "status": "succeeded",
                                       "amount": int(params["amount"]),
                                       "payment_intent": params["payment_intent"]}
            return self._ok(self.refunds[refund_id])
        return json.dumps({"error": {"message": f"no stub for {method} {path}"}}), 404, {}

    @staticmethod
    def _ok(obj: dict):
        return json.dumps(obj), 200, {"request-id": "req_test"}

    def close(self):
        return None


@pytest.fixture
def fake_stripe(settings, monkeypatch):
    settings.STRIPE_SECRET_KEY = "sk_test_refurb"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_refurb_test"
    settings.PAYMENT_PROVIDER = "stripe"
    fake = FakeStripeHTTP()
    monkeypatch.setattr(stripe, "default_http_client", fake)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    return fake


def signed_event(*, event_type: str, obj: dict, secret: str, event_id: str | None = None) -> tuple[str, str]:
    """A webhook body and its Stripe-Signature header, signed with Stripe's own scheme."""
    payload = json.dumps({"id": event_id or f"evt_{next(_session_numbers)}", "object": "event",
                          "type": event_type, "data": {"object": obj}})
    return payload, stripe.WebhookSignature.generate_signature_header(payload, secret)
