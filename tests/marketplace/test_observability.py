"""Observability: request ids on answers and log lines, JSON logs, Sentry when configured, and the
Prometheus metrics endpoint (staff or token only) with latency, queue depth, import speed and
webhook failures."""
import json
import logging
import uuid
from datetime import timedelta

import pytest
import redis
from django.test import RequestFactory
from django.utils import timezone

from marketplace.observability import RequestIdFilter, RequestIdMiddleware, current_request_id, sentry_init
from sellers.models import StockImport
from tests.factories import SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_each_answer_carries_a_request_id_and_a_proxys_id_is_kept(client):
    fresh = client.get("/healthz")
    assert len(fresh["X-Request-ID"]) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="edge-1234abcd")["X-Request-ID"] == "edge-1234abcd"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith lines")["X-Request-ID"]
    assert forged != "bad id\nwith lines" and len(forged) == 32


def test_every_log_line_of_a_request_names_the_request(caplog):
    seen = {}

    def view(request):
        logging.getLogger("marketplace.test").warning("working on it")
        seen["id"] = current_request_id()
        from django.http import HttpResponse
        return HttpResponse("ok")

    handler_filter = RequestIdFilter()
    caplog.handler.addFilter(handler_filter)
    try:
        response = RequestIdMiddleware(view)(RequestFactory().get("/"))
    finally:
        caplog.handler.removeFilter(handler_filter)
    [record] = [r for r in caplog.records if r.name == "marketplace.test"]
    assert record.request_id == seen["id"] == response["X-Request-ID"]
    assert current_request_id() == "-"  # not leaked to what runs next


def test_a_task_run_eagerly_in_a_request_logs_with_its_id_then_gives_the_request_its_id_back():
    from marketplace.celery import app

    seen = {}

    @app.task(name="tests.observability.probe")
    def probe():
        seen["task"] = current_request_id()

    def view(request):
        probe.delay()
        seen["after"] = current_request_id()
        from django.http import HttpResponse
        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(RequestFactory().get("/"))
    assert seen["task"].startswith("task-")
    assert seen["after"] == response["X-Request-ID"]
    assert current_request_id() == "-"


def test_production_logs_are_one_json_object_per_line_with_the_request_id():
    from logging.config import dictConfig

    from django.conf import settings

    config = {**settings.LOGGING, "handlers": {"console": {**settings.LOGGING["handlers"]["console"],
                                                           "formatter": "json"}}}
    dictConfig(config)
    try:
        handler = logging.getLogger().handlers[0]
        record = logging.LogRecord("orders", logging.ERROR, __file__, 1, "refund %s failed", ("R-9",), None)
        RequestIdFilter().filter(record)
        line = json.loads(handler.format(record))
        assert (line["level"], line["logger"], line["message"], line["request_id"]) == (
            "ERROR", "orders", "refund R-9 failed", "-")
        assert "time" in line
    finally:
        dictConfig(settings.LOGGING)


def test_sentry_is_on_only_with_a_dsn():
    import sentry_sdk

    assert sentry_init("", environment="test", traces_sample_rate=0.0) is False
    try:
        assert sentry_init("https://public@sentry.example.invalid/1", environment="test",
                           traces_sample_rate=0.0) is True
        assert sentry_sdk.get_client().is_active()
        assert sentry_sdk.get_client().options["send_default_pii"] is False
    finally:
        sentry_sdk.init(dsn=None)


def test_metrics_are_for_staff_or_the_scrapers_token_only(client, settings):
    settings.METRICS_TOKEN = "scrape-" + uuid.uuid4().hex
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    client.force_login(UserFactory())
    assert client.get("/metrics").status_code == 404
    client.logout()
    scraped = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}")
    assert scraped.status_code == 200 and scraped["Content-Type"].startswith("text/plain")
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/metrics").status_code == 200


def test_metrics_show_latency_queue_depth_import_speed_and_webhook_failures(client, settings):
    settings.CELERY_QUEUE_PREFIX = prefix = f"m{uuid.uuid4().hex[:8]}-"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.rpush(f"{prefix}imports", "a", "b")
    now = timezone.now()
    StockImport.objects.create(seller=SellerFactory(), original_name="s.csv", status=StockImport.Status.DONE,
                               total_rows=50_000, started_at=now - timedelta(seconds=10), finished_at=now)
    client.get("/healthz")
    client.force_login(UserFactory(is_staff=True))
    try:
        text = client.get("/metrics").content.decode()
    finally:
        broker.delete(f"{prefix}imports")
    assert 'marketplace_http_request_duration_seconds_count{method="GET",status="200",view="healthz"}' in text
    assert 'marketplace_celery_queue_depth{queue="imports"} 2.0' in text
    assert 'marketplace_celery_queue_depth{queue="emails"} 0.0' in text
    assert "marketplace_stock_import_rows_per_second 5000.0" in text
    assert "marketplace_webhook_deliveries_failed_total 0.0" in text
