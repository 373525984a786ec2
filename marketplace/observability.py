"""Observability: a request id on every log line (and every answer), JSON logs in production,
optional error reporting (Sentry, when SENTRY_DSN is set) and Prometheus metrics at /metrics
(for staff, or a scraper holding METRICS_TOKEN): request latency, the Celery queues' depth, stock
import rows per second and webhook failures."""
import contextvars
import hmac
import logging
import os
import re
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Puts the current request's (or task's) id on each record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


# --- Requests: their id and their latency -----------------------------------------------------------
def _histogram():
    from prometheus_client import Histogram

    return Histogram("marketplace_http_request_duration_seconds", "Time to answer a request, by view.",
                     ["method", "view", "status"],
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))


_REQUEST_SECONDS = None


class RequestIdMiddleware:
    """The id a proxy sent (X-Request-ID, if it looks like one) or a new one, for the log lines of
    this request and its answer's X-Request-ID header; and the request's latency, by view."""

    def __init__(self, get_response):
        global _REQUEST_SECONDS
        self.get_response = get_response
        if _REQUEST_SECONDS is None:
            _REQUEST_SECONDS = _histogram()

    def __call__(self, request):
        # From META: request.headers would be built for this alone (a dict of every header).
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _INCOMING_ID.match(incoming) else os.urandom(16).hex()
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            match = getattr(request, "resolver_match", None)
            view = match.view_name if match and match.view_name else "unmatched"
            seconds = time.perf_counter() - started
            _request_seconds(request.method, view, response.status_code).observe(seconds)
            return response
        finally:
            _request_id.reset(token)


_request_children: dict[tuple[str, str, int], Any] = {}


def _request_seconds(method: str, view: str, status: int):
    """The histogram's child for these labels, looked up once per process (`labels()` checks and
    locks on every call). Methods, view names and statuses are few: the dict stays small."""
    child = _request_children.get((method, view, status))
    if child is None:
        child = _request_children[(method, view, status)] = _REQUEST_SECONDS.labels(method, view, str(status))
    return child


_task_tokens: dict[str, contextvars.Token] = {}


def task_started(task_id=None, **kwargs) -> None:
    """Celery's task_prerun: a task's log lines carry its id."""
    if task_id:
        _task_tokens[task_id] = _request_id.set(f"task-{task_id}")


def task_ended(task_id=None, **kwargs) -> None:
    """Celery's task_postrun: the id before the task again (a task run eagerly inside a request
    hands the request its own id back)."""
    token = _task_tokens.pop(task_id, None) if task_id else None
    if token is not None:
        _request_id.reset(token)


# --- Error reporting --------------------------------------------------------------------------------
def sentry_init(dsn: str, *, environment: str, traces_sample_rate: float) -> bool:
    """Sentry with the Django and Celery integrations, no personal data; False without a DSN."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(dsn=dsn, environment=environment, traces_sample_rate=traces_sample_rate,
                    send_default_pii=False, integrations=[DjangoIntegration(), CeleryIntegration()])
    return True


# --- Metrics ----------------------------------------------------------------------------------------
class MarketplaceCollector:
    """The figures read when Prometheus scrapes: the Celery queues' depth (from the broker), stock
    import rows per second over the last hour, webhook deliveries failed."""

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        from sellers.models import StockImport, WebhookDelivery

        from .queues import KINDS, queue_name

        depth = GaugeMetricFamily("marketplace_celery_queue_depth", "Tasks waiting in each Celery queue.",
                                  labels=["queue"])
        for kind, length in _queue_lengths([queue_name(kind) for kind in KINDS]).items():
            depth.add_metric([kind], length)
        yield depth

        since = timezone.now() - timedelta(hours=1)
        rows = seconds = 0.0
        for total, started, finished in StockImport.objects.filter(
                status=StockImport.Status.DONE, finished_at__gte=since, started_at__isnull=False).values_list(
                "total_rows", "started_at", "finished_at"):
            rows += total
            seconds += max((finished - started).total_seconds(), 0.001)
        rate = GaugeMetricFamily("marketplace_stock_import_rows_per_second",
                                 "Rows per second of the stock imports finished in the last hour.")
        rate.add_metric([], rows / seconds if seconds else 0.0)
        yield rate

        failed = CounterMetricFamily("marketplace_webhook_deliveries_failed",
                                     "Webhook deliveries given up after their retries.")
        failed.add_metric([], WebhookDelivery.objects.filter(status=WebhookDelivery.Status.FAILED).count())
        yield failed


def _queue_lengths(names: list[str]) -> dict[str, int]:
    """Each queue's length on a Redis broker (its list), 0 when the broker is not Redis."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis"):
        return {name.removeprefix(settings.CELERY_QUEUE_PREFIX): 0 for name in names}
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        pipe = client.pipeline()
        for name in names:
            pipe.llen(name)
        values = pipe.execute()
    finally:
        client.close()
    prefix = settings.CELERY_QUEUE_PREFIX
    return {name.removeprefix(prefix): value for name, value in zip(names, values, strict=True)}


def _exposition() -> bytes:
    """This process's metrics (or, under several gunicorn processes, all of theirs, summed from
    PROMETHEUS_MULTIPROC_DIR) followed by the marketplace's own."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

    if settings.PROMETHEUS_MULTIPROC_DIR:
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    ours = CollectorRegistry()
    ours.register(MarketplaceCollector())
    return generate_latest(processes) + generate_latest(ours)


def metrics(request):
    """Prometheus' text format, for staff or `Authorization: Bearer <METRICS_TOKEN>`; a 404 to
    anyone else (the endpoint is not advertised)."""
    from prometheus_client import CONTENT_TYPE_LATEST

    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    allowed = (request.user.is_authenticated and request.user.is_staff) or (
        token and sent and hmac.compare_digest(sent.encode(), token.encode()))
    if not allowed:
        raise Http404
    return HttpResponse(_exposition(), content_type=CONTENT_TYPE_LATEST)

