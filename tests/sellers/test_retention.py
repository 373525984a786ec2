"""The nightly purge (sellers.retention) on PostgreSQL: old events with their deliveries and
attempts, old webhook attempts, expired exports and finished imports' files go, in batches of a
fixed number of statements; an event still being delivered, an unfinished import and the stock
ledger's movements stay."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.celery import app
from marketplace.storage import private_storage
from sellers import retention
from sellers.models import (
    Event,
    ListingExport,
    StockImport,
    StockMovement,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from sellers.tasks import purge_old_records
from tests.factories import ProductFactory, SellerMemberFactory
from tests.sellers.factories_stock import csv_bytes, listing_row
from tests.sellers.test_private_files import member_client, upload

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def member():
    return SellerMemberFactory(seller__status="approved")


@pytest.fixture
def endpoint(member):
    return WebhookEndpoint.objects.create(
        seller=member.seller, url="https://hooks.example/in", event_types=["seller_order.paid"], secret="s"
    )


def event(endpoint, *, days_ago: float, status=WebhookDelivery.Status.DELIVERED, attempts=2) -> Event:
    """An event of `days_ago` days, its delivery to `endpoint` and `attempts` attempts as old."""
    when = NOW - timedelta(days=days_ago)
    made = Event.objects.create(seller=endpoint.seller, type="seller_order.paid", payload={"n": 1})
    Event.objects.filter(pk=made.pk).update(created_at=when)
    delivery = WebhookDelivery.objects.create(
        event=made, endpoint=endpoint, status=status, attempts=attempts, next_attempt_at=when
    )
    WebhookAttempt.objects.bulk_create(
        [WebhookAttempt(delivery=delivery, attempted_at=when, status_code=200) for _ in range(attempts)]
    )
    return made


def test_old_events_go_with_their_deliveries_and_attempts_recent_and_retried_ones_stay(endpoint):
    for _ in range(5):
        event(endpoint, days_ago=91)
    still_retried = event(endpoint, days_ago=91, status=WebhookDelivery.Status.PENDING)
    recent = event(endpoint, days_ago=89)
    purged = retention.records_purge(now=NOW, batch_size=2)
    # 10 attempts with their events, and the 4 of the kept events, older than 30 days too.
    assert (purged.events, purged.deliveries, purged.attempts) == (5, 5, 14)
    assert set(Event.objects.values_list("pk", flat=True)) == {still_retried.pk, recent.pk}
    assert set(WebhookDelivery.objects.values_list("event_id", flat=True)) == {still_retried.pk, recent.pk}
    assert not WebhookAttempt.objects.exists()
    assert retention.records_purge(now=NOW, batch_size=2) == retention.Purged()  # nothing left to do


def test_attempts_older_than_their_retention_go_and_the_delivery_keeps_its_last_answer(endpoint):
    kept_event = event(endpoint, days_ago=40, attempts=3)  # the event is within its 90 days
    fresh = event(endpoint, days_ago=1, attempts=1)
    assert retention.records_purge(now=NOW).attempts == 3
    delivery = WebhookDelivery.objects.get(event=kept_event)
    assert delivery.attempts == 3 and not delivery.attempt_rows.exists()
    assert WebhookAttempt.objects.filter(delivery__event=fresh).count() == 1


def _queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured)


def test_each_batch_is_a_fixed_number_of_statements_whatever_its_rows(endpoint):
    for _ in range(3):
        event(endpoint, days_ago=100, attempts=1)
    small = _queries(lambda: retention.events_purge(before=NOW - timedelta(days=90), batch_size=3))
    for _ in range(30):
        event(endpoint, days_ago=100, attempts=4)
    large = _queries(lambda: retention.events_purge(before=NOW - timedelta(days=90), batch_size=30))
    assert large == small  # one batch each: 3 events with 3 attempts, 30 with 120
    for _ in range(6):
        event(endpoint, days_ago=100)
    batches_of_two = _queries(lambda: retention.events_purge(before=NOW - timedelta(days=90), batch_size=2))
    per_batch = small - 1  # the last, empty look-up is the one statement outside a batch
    assert batches_of_two == 3 * per_batch + 1


def _export(
    member, *, expired_days_ago: float, status=ListingExport.Status.EXPIRED, name=""
) -> ListingExport:
    export = ListingExport.objects.create(
        seller=member.seller,
        filters_key="k",
        status=status,
        expires_at=NOW - timedelta(days=expired_days_ago),
    )
    if name:
        export.file.save(name, ContentFile(b"sku,price\n"), save=True)
    return export


def test_exports_expired_past_their_retention_go_with_any_file_left(
    member, django_capture_on_commit_callbacks
):
    gone = _export(member, expired_days_ago=8)
    failed_with_file = _export(member, expired_days_ago=8, status=ListingExport.Status.DONE, name="x.csv")
    kept = _export(member, expired_days_ago=6)
    running = _export(member, expired_days_ago=30, status=ListingExport.Status.RUNNING)
    file_name = failed_with_file.file.name
    assert private_storage().exists(file_name)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.records_purge(now=NOW, batch_size=1).exports == 2
    assert set(ListingExport.objects.values_list("pk", flat=True)) == {kept.pk, running.pk}
    assert not ListingExport.objects.filter(pk=gone.pk).exists()
    assert not private_storage().exists(file_name)


def test_finished_imports_lose_their_file_keep_their_report_and_the_ledger_is_untouched(
    member, django_capture_on_commit_callbacks
):
    client = member_client(member)
    product = ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, csv_bytes([listing_row(product, "SKU-OLD")]))
    old = StockImport.objects.get()
    assert old.status == StockImport.Status.DONE and old.created_count == 1
    StockImport.objects.filter(pk=old.pk).update(finished_at=NOW - timedelta(days=91))
    unfinished = StockImport.objects.create(
        seller=member.seller, original_name="late.csv", sha256="0" * 64, status=StockImport.Status.QUEUED
    )
    unfinished.file.save("upload.csv", ContentFile(b"sku\n"), save=True)
    StockImport.objects.filter(pk=unfinished.pk).update(created_at=NOW - timedelta(days=200))
    movements = list(StockMovement.objects.filter(stock_import=old).values_list("pk", "quantity_delta"))
    assert movements  # the import's stock is in the ledger
    old_file = old.file.name

    with django_capture_on_commit_callbacks(execute=True):
        assert retention.records_purge(now=NOW, batch_size=1).stock_files == 1

    old.refresh_from_db()
    assert old.file.name == "" and old.created_count == 1  # the report stays
    assert not private_storage().exists(old_file)
    assert (
        list(StockMovement.objects.filter(stock_import=old).values_list("pk", "quantity_delta")) == movements
    )
    unfinished.refresh_from_db()
    assert unfinished.file.name and private_storage().exists(unfinished.file.name)
    # The seller's pages say the file is gone; asking for it anyway is a 404, not a 500.
    page = client.get(reverse("sellers:stock_imports")).content.decode()
    assert "File deleted" in page and reverse("sellers:stock_import_file", args=[old.pk]) not in page
    detail = client.get(reverse("sellers:stock_import", args=[old.pk]))
    assert detail.status_code == 200 and "deleted after its retention period" in detail.content.decode()
    assert client.get(reverse("sellers:stock_import_file", args=[old.pk])).status_code == 404
    assert client.get(reverse("sellers:stock_import_errors", args=[old.pk])).status_code == 200


def test_the_purge_is_a_nightly_timed_job_and_runs_as_a_task(endpoint):
    entry = app.conf.beat_schedule["purge-old-records"]
    assert entry["task"] == purge_old_records.name and entry["task"] in app.tasks
    # The hourly job that takes an expired export's file away (its row goes with the nightly one).
    assert app.conf.beat_schedule["purge-listing-exports"]["task"] == "sellers.tasks.purge_listing_exports"
    assert "sellers.tasks.purge_listing_exports" in app.tasks
    event(endpoint, days_ago=365)
    assert purge_old_records.delay().get(timeout=10)["events"] == 1
    assert not Event.objects.exists()
