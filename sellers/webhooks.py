"""Events and webhook endpoints: an outbox of facts about a seller's data, and the URLs they go to.

`event_record` writes an Event row, and one WebhookDelivery per subscribed endpoint, in the
caller's transaction; the worker is asked to send them only after commit (nothing is sent from
inside a transaction). Sending, signing, retries and switching a failing endpoint off are
sellers.webhook_delivery. Every door (back office, API) manages endpoints through the
`webhook_endpoint_*` services here.

The event types are EVENT_TYPES, the one list: the back office's checkboxes, the API's schema and
the docs read it. Other modules record events by calling `event_record` with one of these names,
in the transaction of the change (orders.states for seller orders, orders.fulfilment for returns
and payouts, sellers.stock_sync for imports, sellers.services for low stock, the repricing and
buy-box code for `buy_box.*` and `listing.price_changed`).
"""
import ipaddress
import json
import secrets
import socket
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Event, Seller, WebhookDelivery, WebhookEndpoint

# type → what it means, for the seller choosing what to subscribe to.
EVENT_TYPES: dict[str, str] = {
    "seller_order.paid": gettext_lazy("A seller order is paid and waits for you to accept it"),
    "seller_order.cancelled": gettext_lazy("A paid seller order is cancelled (refused, or by staff)"),
    "seller_order.auto_cancelled": gettext_lazy("A paid seller order was not accepted in time and is "
                                                "cancelled"),
    "return.requested": gettext_lazy("A shopper asks to return an item"),
    "buy_box.lost": gettext_lazy("One of your listings loses the buy box"),
    "buy_box.won": gettext_lazy("One of your listings wins the buy box"),
    "listing.price_changed": gettext_lazy("A repricing rule changed a listing's price"),
    "stock_import.finished": gettext_lazy("A stock import finished (done or failed)"),
    "listing.low_stock": gettext_lazy("Listings are low on stock (once a day)"),
    "payout.recorded": gettext_lazy("A payout to you is recorded"),
}
# Sent only when the seller asks for it, to one endpoint; no endpoint subscribes to it.
TEST_EVENT = "webhook.test"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
MAX_ENDPOINTS = 20


def _kick_on_commit(endpoint_ids) -> None:
    """After commit, ask the worker to send these endpoints' queues (in order)."""
    from .tasks import drain_webhook_endpoint

    ids = sorted(set(endpoint_ids))
    if ids:
        transaction.on_commit(lambda: [drain_webhook_endpoint.delay(pk) for pk in ids])


def event_record(*, seller_id: int, type: str, payload: dict) -> Event:  # noqa: A002 - the event's type
    """The event, and its deliveries, in the caller's transaction; sent after commit."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}: add it to sellers.webhooks.EVENT_TYPES")
    with transaction.atomic():  # the caller's, when it has one (it should)
        event = Event.objects.create(seller_id=seller_id, type=type,
                                     payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)))
        now = timezone.now()
        deliveries = WebhookDelivery.objects.bulk_create([
            WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now)
            for endpoint in WebhookEndpoint.objects.filter(seller_id=seller_id, is_active=True)
            .only("pk", "event_types") if type in endpoint.event_types])
        _kick_on_commit(delivery.endpoint_id for delivery in deliveries)
    return event


def event_body(event: Event) -> bytes:
    """The JSON posted for an event: the same bytes on every attempt (the signature covers them)."""
    return json.dumps({"id": str(event.uid), "type": event.type, "created_at": event.created_at.isoformat(),
                       "data": event.payload}, separators=(",", ":")).encode()


# --- Endpoints ---------------------------------------------------------------------------------------
def private_address(address: str) -> bool:
    """True for a private, loopback, link-local, reserved, multicast or unspecified IP address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified)


def private_target(hostname: str) -> bool:
    """True if the host resolves to any private, loopback, link-local or reserved address (SSRF)."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(hostname, None)}
    except (OSError, UnicodeError):
        return True
    return any(private_address(address) for address in addresses)


def block_private_targets() -> bool:
    return getattr(settings, "WEBHOOKS_BLOCK_PRIVATE_TARGETS", settings.PRODUCTION)


def _checked_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    local_http = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS and not settings.PRODUCTION
    if len(url) > 500 or not parts.hostname or not (parts.scheme == "https" or local_http) or parts.username:
        raise ValidationError({"url": _("Enter an https:// URL (http:// only for localhost in "
                                        "development).")})
    if block_private_targets() and private_target(parts.hostname):
        raise ValidationError({"url": _("This address leads to a private network; use a public one.")})
    return url


def _checked_types(event_types) -> list[str]:
    chosen = set(event_types or ())
    if not chosen or chosen - set(EVENT_TYPES):
        raise ValidationError({"event_types": _("Choose among: %(types)s.")
                               % {"types": ", ".join(EVENT_TYPES)}})
    return [name for name in EVENT_TYPES if name in chosen]


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def webhook_endpoint_create(*, seller: Seller, url: str, event_types) -> tuple[WebhookEndpoint, str]:
    """A new endpoint; returns it and its secret (shown once). HTTPS only, but http to localhost
    outside production."""
    url, event_types = _checked_url(url), _checked_types(event_types)
    if WebhookEndpoint.objects.filter(seller=seller).count() >= MAX_ENDPOINTS:
        raise ValidationError({"url": _("At most %(count)s endpoints per seller.")
                               % {"count": MAX_ENDPOINTS}})
    secret = _new_secret()
    endpoint = WebhookEndpoint.objects.create(seller=seller, url=url, event_types=event_types, secret=secret)
    return endpoint, secret


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, event_types=None,
                            url: str | None = None) -> WebhookEndpoint:
    """Changes what an endpoint receives (new events only) or where."""
    fields = ["updated_at"]
    if event_types is not None:
        endpoint.event_types = _checked_types(event_types)
        fields.append("event_types")
    if url is not None:
        endpoint.url = _checked_url(url)
        fields.append("url")
    endpoint.save(update_fields=fields)
    return endpoint


def webhook_endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool, reason: str = "",
                                now: datetime | None = None) -> WebhookEndpoint:
    """Switches an endpoint off (no new deliveries, the pending ones wait) or on again (its
    failure clock restarts and the waiting deliveries are sent)."""
    now = now or timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if active:
            endpoint.is_active, endpoint.failing_since, endpoint.disabled_at = True, None, None
            endpoint.disabled_reason = ""
            # Waiting deliveries are due now, not at the end of a long back-off.
            endpoint.deliveries.filter(status=WebhookDelivery.Status.PENDING).update(next_attempt_at=now)
            _kick_on_commit([endpoint.pk])
        else:
            endpoint.is_active, endpoint.disabled_at = False, now
            endpoint.disabled_reason = (reason or _("Switched off by the seller."))[:200]
        endpoint.save(update_fields=["is_active", "failing_since", "disabled_at", "disabled_reason",
                                     "updated_at"])
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Removes the endpoint with its deliveries and their attempts (the events stay)."""
    endpoint.delete()


def webhook_secret_rotate(*, endpoint: WebhookEndpoint, now: datetime | None = None) -> str:
    """A new secret (returned, shown once); the current one keeps signing too for the grace
    period (WEBHOOK_SECRET_GRACE_HOURS), so the receiver can switch without losing a delivery."""
    now = now or timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        secret = _new_secret()
        endpoint.previous_secret, endpoint.secret = endpoint.secret, secret
        endpoint.previous_secret_until = now + timedelta(hours=settings.WEBHOOK_SECRET_GRACE_HOURS)
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    return secret


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous during its grace."""
    if endpoint.previous_secret and endpoint.previous_secret_until and now < endpoint.previous_secret_until:
        return [endpoint.secret, endpoint.previous_secret]
    return [endpoint.secret]


def webhook_test_send(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `webhook.test` event for this endpoint only, sent at once (even if switched off)."""
    from .tasks import send_webhook_delivery

    with transaction.atomic():
        event = Event.objects.create(seller_id=endpoint.seller_id, type=TEST_EVENT,
                                     payload={"endpoint_id": endpoint.pk, "message": "It works."})
        delivery = WebhookDelivery.objects.create(event=event, endpoint=endpoint,
                                                  next_attempt_at=timezone.now())
        transaction.on_commit(lambda: send_webhook_delivery.delay(delivery.pk))
    return delivery


def webhook_delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Sends one delivery again at once, with the same event id, whatever its state."""
    from .tasks import send_webhook_delivery

    transaction.on_commit(lambda: send_webhook_delivery.delay(delivery.pk))
    return delivery
