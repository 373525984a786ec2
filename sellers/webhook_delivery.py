"""Sending webhook deliveries: signed POSTs, in order per endpoint, retried for 72 hours.

A worker drains one endpoint's queue at a time (a lease on the endpoint, so two workers never
send the same endpoint's events side by side), oldest event first, and stops at the first failure:
a later event never overtakes an earlier one that is waiting for its retry. Each POST carries
`Refurb-Event-Id`, `Refurb-Event-Type` and `Refurb-Signature: t=<unix time>,v1=<hex HMAC-SHA256
of "t.body">` (two `v1=` during a secret rotation's grace period), times out after 5 seconds and
never follows a redirect, over one kept-alive connection per endpoint. In production a target
resolving to a private, loopback or link-local address is refused, and each connection checks the
address it actually reached before sending (DNS rebinding); no proxy from the environment is used.
No row lock is held during a POST; its outcome is recorded after it (a run of successes together,
in one commit).

At least once: a worker that dies after the POST but before recording it sends it again, with
the same event id. A failed delivery is retried with exponential back-off (30 s, 1 min, 2 min …
at most 6 h apart) until 72 hours after its event; an endpoint whose attempts have all failed for
72 hours is switched off and its seller told by e-mail.

Verifying on the receiver's side (accept any `v1=`):

    parts = [part.split("=", 1) for part in header.split(",")]
    t = next(value for key, value in parts if key == "t")
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    ok = any(hmac.compare_digest(expected, value) for key, value in parts if key == "v1") \
        and abs(time.time() - int(t)) < 300
"""
import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from marketplace.db import values_sql

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .webhooks import block_private_targets, event_body, private_address, private_target, signing_secrets

TIMEOUT_SECONDS = 5
RETRY_FOR = timedelta(hours=72)  # a delivery is retried this long after its event
DISABLE_AFTER = timedelta(hours=72)  # an endpoint failing this long is switched off
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 6 * 3600
LEASE = timedelta(seconds=60)
BATCH = 200
RECORD_EVERY = 50  # successes stored together: one commit for many deliveries
_DELIVERED_SQL = (
    "UPDATE sellers_webhookdelivery AS d SET status = 'delivered', attempts = d.attempts + 1, "
    "delivered_at = v.at, last_status_code = v.code, last_response = v.answer "
    "FROM (VALUES {values}) AS v(id, at, code, answer) WHERE d.id = v.id")

Clock = Callable[[], datetime]


def webhook_signature(*, secrets: list[str] | str, timestamp: int, body: bytes) -> str:
    """`t=<timestamp>,v1=<hmac>` with one v1 per secret (the new one first)."""
    if isinstance(secrets, str):
        secrets = [secrets]
    signed = f"{timestamp}.".encode() + body
    digests = [hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest() for secret in secrets]
    return ",".join([f"t={timestamp}"] + [f"v1={digest}" for digest in digests])


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), MAX_RETRY_SECONDS))


class _PublicPeerOnly:
    """A connection that checks the address it actually reached, before anything is sent: a host
    whose DNS answered a public address for the check and a private one for the connect (DNS
    rebinding) is refused all the same."""

    def _new_conn(self):
        sock = super()._new_conn()
        if private_address(sock.getpeername()[0]):
            sock.close()
            raise NewConnectionError(self, "refused: the host resolves to a private, loopback or link-local "
                                           "address")
        return sock


class _PublicHTTPConnection(_PublicPeerOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicPeerOnly, HTTPSConnection):
    pass


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}


def _session() -> requests.Session:
    """The HTTP session of a run of deliveries; in production its connections reach public
    addresses only."""
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the address checked is the one reached
    if block_private_targets():
        session.mount("http://", _PublicOnlyAdapter())
        session.mount("https://", _PublicOnlyAdapter())
    return session


def _post(url: str, body: bytes, headers: dict, session=None) -> tuple[int | None, str]:
    """The receiver's status and the start of its answer; a 3xx is the answer, never followed.
    In production (WEBHOOKS_BLOCK_PRIVATE_TARGETS) a host resolving to a private address is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        return None, "unsupported scheme"
    if block_private_targets() and private_target(parts.hostname or ""):
        return None, "refused: the host resolves to a private, loopback or link-local address"
    try:
        if session is None:
            with _session() as own:
                response = own.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS,
                                    allow_redirects=False)
        else:
            response = session.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS,
                                    allow_redirects=False)
    except requests.RequestException as exc:
        return None, str(exc)[:500]
    return response.status_code, response.text[:500]


def _send(delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: datetime,
          session=None) -> tuple[int | None, str, int]:
    body = event_body(delivery.event)
    headers = {"Content-Type": "application/json", "User-Agent": "Refurb-Webhooks/1",
               "Refurb-Event-Id": str(delivery.event.uid), "Refurb-Event-Type": delivery.event.type,
               "Refurb-Signature": webhook_signature(secrets=signing_secrets(endpoint, now),
                                                     timestamp=int(now.timestamp()), body=body)}
    started = time.perf_counter()
    status, excerpt = _post(endpoint.url, body, headers, session)
    return status, excerpt, int((time.perf_counter() - started) * 1000)


def _record(delivery: WebhookDelivery, endpoint: WebhookEndpoint, *, status, excerpt, duration_ms,
            now: datetime, manual: bool) -> bool:
    """Stores one attempt's outcome; a queued failure schedules the retry and may switch the
    endpoint off. True if delivered."""
    ok = status is not None and 200 <= status < 300
    with transaction.atomic():
        WebhookAttempt.objects.create(delivery=delivery, attempted_at=now, status_code=status, succeeded=ok,
                                      response_excerpt=excerpt[:500], duration_ms=duration_ms, manual=manual)
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_response = status, excerpt[:500]
        fields = ["attempts", "last_status_code", "last_response"]
        if ok:
            delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, now
            fields += ["status", "delivered_at"]
        elif delivery.status == WebhookDelivery.Status.PENDING:
            if now - delivery.event.created_at >= RETRY_FOR:
                delivery.status = WebhookDelivery.Status.FAILED
                fields.append("status")
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                fields.append("next_attempt_at")
        # Guarded: a delivery another worker recorded as delivered meanwhile stays delivered.
        WebhookDelivery.objects.filter(pk=delivery.pk).exclude(status=WebhookDelivery.Status.DELIVERED).update(
            **{name: getattr(delivery, name) for name in fields})
        if ok or not manual:  # a success shows the receiver works; a failure on request is not counted
            _endpoint_health(endpoint, ok=ok, now=now)
    return ok


def _endpoint_health(endpoint: WebhookEndpoint, *, ok: bool, now: datetime) -> None:
    if ok:
        if endpoint.failing_since is not None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
            endpoint.failing_since = None
        return
    if endpoint.failing_since is None:
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
        endpoint.failing_since = now
    elif now - endpoint.failing_since >= DISABLE_AFTER and endpoint.is_active:
        with translation.override(settings.LANGUAGE_CODE):  # a worker's words, in the site's language
            reason = translation.gettext("Switched off: every delivery failed for 3 days.")
        switched_off = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_at=now, disabled_reason=reason)
        endpoint.is_active = False
        if switched_off:
            from .tasks import send_webhook_disabled_email

            transaction.on_commit(lambda: send_webhook_disabled_email.delay(endpoint.pk))


def webhook_endpoint_drain(*, endpoint_id: int, now: datetime | None = None, limit: int = 10_000) -> int:
    """Sends the endpoint's due deliveries oldest event first, stopping at the first failure (or
    when another worker holds the endpoint). Returns how many were delivered."""
    clock: Clock = (lambda: now) if now else timezone.now
    started = clock()
    claimed = (WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True)
               .filter(Q(draining_until__isnull=True) | Q(draining_until__lt=started))
               .update(draining_until=started + LEASE))
    if not claimed:
        return 0
    delivered, done, endpoint = 0, [], None
    try:
        with _session() as session:  # one connection kept alive for the endpoint's queue
            while delivered < limit:
                endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
                if not endpoint.is_active:
                    break
                queue = list(WebhookDelivery.objects
                             .filter(endpoint_id=endpoint_id, status=WebhookDelivery.Status.PENDING)
                             .select_related("event").order_by("event_id", "id")[:BATCH])
                if not queue:
                    break
                for delivery in queue:
                    moment = clock()
                    if delivery.next_attempt_at > moment:  # the oldest waits for its retry: the rest too
                        return delivered
                    status, excerpt, duration_ms = _send(delivery, endpoint, moment, session)
                    if status is not None and 200 <= status < 300:
                        done.append((delivery, status, excerpt, duration_ms, clock()))
                        delivered += 1
                        if len(done) >= RECORD_EVERY:
                            _record_delivered(done, endpoint)
                        continue
                    _record_delivered(done, endpoint)  # the successes before it first, in order
                    _record(delivery, endpoint, status=status, excerpt=excerpt, duration_ms=duration_ms,
                            now=clock(), manual=False)
                    return delivered
                _record_delivered(done, endpoint)
                WebhookEndpoint.objects.filter(pk=endpoint_id).update(draining_until=clock() + LEASE)
    finally:
        _record_delivered(done, endpoint)
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(draining_until=None)
    return delivered


def _record_delivered(done: list, endpoint: WebhookEndpoint) -> None:
    """Stores a run of successful attempts in one transaction (and empties `done`). A worker that
    dies before this sends them again: at least once, with the same event ids."""
    if not done:
        return
    with transaction.atomic():
        WebhookAttempt.objects.bulk_create([
            WebhookAttempt(delivery=delivery, attempted_at=moment, status_code=status, succeeded=True,
                           response_excerpt=excerpt[:500], duration_ms=duration_ms)
            for delivery, status, excerpt, duration_ms, moment in done])
        rows = [(delivery.pk, moment, status, excerpt[:500])
                for delivery, status, excerpt, _ms, moment in done]
        if connection.vendor == "postgresql":
            # One UPDATE … FROM (VALUES …): Django's bulk_update (a CASE per field) took 0.3 s a run.
            values, params = values_sql("(%s, %s::timestamptz, %s::integer, %s)", rows)
            with connection.cursor() as cursor:
                cursor.execute(_DELIVERED_SQL.format(values=values), params)
        else:
            for delivery_id, moment, status, answer in rows:
                WebhookDelivery.objects.filter(pk=delivery_id).update(
                    status=WebhookDelivery.Status.DELIVERED, attempts=F("attempts") + 1, delivered_at=moment,
                    last_status_code=status, last_response=answer)
        _endpoint_health(endpoint, ok=True, now=done[-1][4])
    done.clear()


def webhook_delivery_send_now(*, delivery_id: int, now: datetime | None = None) -> bool:
    """One attempt of one delivery at once, out of the queue's order: a resend or a test event the
    seller asked for. Its failure never counts towards switching the endpoint off."""
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return False
    moment = now or timezone.now()
    status, excerpt, duration_ms = _send(delivery, delivery.endpoint, moment)
    return _record(delivery, delivery.endpoint, status=status, excerpt=excerpt, duration_ms=duration_ms,
                   now=now or timezone.now(), manual=True)


def webhook_endpoints_due(*, now: datetime | None = None) -> list[int]:
    """The active endpoints with a pending delivery due, for the timed job."""
    return list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING,
                                               next_attempt_at__lte=now or timezone.now(),
                                               endpoint__is_active=True)
                .order_by("endpoint_id").values_list("endpoint_id", flat=True).distinct())


def webhook_deliveries_drain_due(*, now: datetime | None = None) -> int:
    """Every due endpoint's queue, in order; returns the deliveries delivered."""
    return sum(webhook_endpoint_drain(endpoint_id=pk, now=now) for pk in webhook_endpoints_due(now=now))

