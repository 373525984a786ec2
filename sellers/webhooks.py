"""Events and webhooks: an outbox of facts about a seller's data, pushed to the seller's endpoints.

`event_record` writes an Event row, and one WebhookDelivery per subscribed endpoint, in the
caller's transaction; the first attempt is queued only after commit (nothing is sent from inside
a transaction). A delivery POSTs the event as JSON with the headers `Refurb-Event-Id`,
`Refurb-Event-Type` and `Refurb-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`,
times out after 5 seconds, never follows a redirect, and is retried with exponential back-off
(beat job `sellers.tasks.deliver_due_webhooks`) until delivered or 72 hours old. At least once:
a retried delivery carries the same event id.

Verifying on the receiver's side:

    t, v1 = (part.split("=", 1)[1] for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, v1) and abs(time.time() - int(t)) < 300
"""
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Event, Seller, WebhookDelivery, WebhookEndpoint

EVENT_TYPES = ("seller_order.paid", "seller_order.cancelled")
TIMEOUT_SECONDS = 5
RETRY_FOR = timedelta(hours=72)
FIRST_RETRY_SECONDS = 30
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def webhook_endpoint_create(*, seller: Seller, url: str, event_types) -> tuple[WebhookEndpoint, str]:
    """A new endpoint; returns it and its secret (shown once). HTTPS only, but http to localhost
    outside production."""
    parts = urlsplit(url or "")
    local_http = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS and not settings.PRODUCTION
    if not parts.hostname or not (parts.scheme == "https" or local_http):
        raise ValidationError({"url": _("Enter an https:// URL.")})
    unknown = set(event_types) - set(EVENT_TYPES)
    if not event_types or unknown:
        raise ValidationError({"event_types": _("Choose among: %(types)s.")
                               % {"types": ", ".join(EVENT_TYPES)}})
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(seller=seller, url=url, event_types=sorted(set(event_types)),
                                              secret=secret)
    return endpoint, secret


def event_record(*, seller_id: int, type: str, payload: dict) -> Event:  # noqa: A002 - the event's type
    """The event, and its deliveries, in the caller's transaction; sent after commit."""
    assert type in EVENT_TYPES, type
    with transaction.atomic():  # the caller's, when it has one (it should)
        event = Event.objects.create(seller_id=seller_id, type=type,
                                     payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)))
        now = timezone.now()
        deliveries = WebhookDelivery.objects.bulk_create([
            WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now)
            for endpoint in WebhookEndpoint.objects.filter(seller_id=seller_id, is_active=True)
            if type in endpoint.event_types])
    if deliveries:
        from .tasks import deliver_webhook

        ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: [deliver_webhook.delay(pk) for pk in ids])
    return event


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_body(event: Event) -> bytes:
    return json.dumps({"id": str(event.uid), "type": event.type, "created_at": event.created_at.isoformat(),
                       "data": event.payload}, separators=(",", ":")).encode()


def _private_target(hostname: str) -> bool:
    """True if the host resolves to any private, loopback, link-local or reserved address (SSRF)."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(hostname, None)}
    except (OSError, UnicodeError):
        return True
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
                or ip.is_unspecified):
            return True
    return False


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """The receiver's status and the start of its answer; a 3xx is the answer, never followed.
    In production (WEBHOOKS_BLOCK_PRIVATE_TARGETS) a host resolving to a private address is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        return None, "unsupported scheme"
    if getattr(settings, "WEBHOOKS_BLOCK_PRIVATE_TARGETS", settings.PRODUCTION) and _private_target(
            parts.hostname or ""):
        return None, "refused: the host resolves to a private, loopback or link-local address"
    try:
        response = requests.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS,
                                 allow_redirects=False)
    except requests.RequestException as exc:
        return None, str(exc)[:500]
    return response.status_code, response.text[:500]


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), 6 * 3600))


def webhook_delivery_attempt(*, delivery_id: int) -> bool:
    """One attempt of a pending delivery (locked, so two workers never send it at once); True if
    delivered. A failure is retried later with back-off, until 72 hours after the event."""
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(skip_locked=True)
                    .select_related("event", "endpoint").filter(pk=delivery_id,
                                                                status=WebhookDelivery.Status.PENDING).first())
        if delivery is None:
            return False
        body = event_body(delivery.event)
        headers = {"Content-Type": "application/json", "User-Agent": "Refurb-Webhooks/1",
                   "Refurb-Event-Id": str(delivery.event.uid), "Refurb-Event-Type": delivery.event.type,
                   "Refurb-Signature": webhook_signature(secret=delivery.endpoint.secret,
                                                         timestamp=int(time.time()), body=body)}
        status, excerpt = _post(delivery.endpoint.url, body, headers)
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_response = status, excerpt[:500]
        if status is not None and 200 <= status < 300:
            delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, now
        elif now - delivery.event.created_at >= RETRY_FOR:
            delivery.status = WebhookDelivery.Status.FAILED
            # Failing for 72 hours: the endpoint is switched off until its seller turns it on again.
            WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(is_active=False)
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        delivery.save()
        return delivery.status == WebhookDelivery.Status.DELIVERED


def webhook_deliveries_due(*, now=None) -> list[int]:
    """The pending deliveries whose next attempt is due, oldest event first (per seller order)."""
    return list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING,
                                               next_attempt_at__lte=now or timezone.now())
                .order_by("event_id", "id").values_list("pk", flat=True)[:1000])
