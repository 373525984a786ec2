"""Stock imports in batches: side by side on their own connections, each counted once, with races."""
import importlib
import threading
import time
from decimal import Decimal
from typing import NamedTuple

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, connections, transaction

import sellers.stock_sync.worker as imports
from catalog.models import Grade
from sellers import tasks
from sellers.models import Listing, Seller, StockImport
from sellers.stock_sync import (
    listings_apply_bulk,
    parse_stock_rows,
    stock_file_check,
    stock_import_apply,
    stock_import_create,
)
from tests.factories import ListingFactory, ProductFactory, SellerFactory
from tests.sellers.factories_stock import csv_bytes, listing_row

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 10  # seconds any thread of these tests waits for another before the test fails


@pytest.fixture
def enqueued(monkeypatch):
    """The imports queued for the worker; the test applies them itself (as the worker would)."""
    pks = []
    monkeypatch.setattr(tasks.apply_stock_import, "delay", pks.append)
    return pks


@pytest.fixture
def products():
    return ProductFactory.create_batch(3)


def create_import(seller, data, enqueued) -> StockImport:
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="stock.csv", data=data)
    assert enqueued[-1] == stock_import.pk
    return stock_import


def listing_values(seller) -> dict:
    return {sku: rest for sku, *rest in Listing.objects.filter(seller=seller).values_list(
        "sku", "product_id", "grade", "price", "quantity", "allocated", "warranty_months", "is_active")}


class BatchCall(NamedTuple):
    number: int
    done: bool
    thread: int
    backend: int  # the PostgreSQL process of the connection it ran on
    started: float
    ended: float


def recording(monkeypatch, after=None) -> list[BatchCall]:
    """Records each real `_apply_batch` call without changing what it does; `after(number)` runs
    once the call has returned."""
    calls = []
    real = imports._apply_batch

    def apply_batch(number, batch, **kwargs):
        started = time.monotonic()
        done = real(number, batch, **kwargs)
        calls.append(BatchCall(number, done, threading.get_ident(), connection.connection.info.backend_pid,
                               started, time.monotonic()))
        if after:
            after(number)
        return done

    monkeypatch.setattr(imports, "_apply_batch", apply_batch)
    return calls


# --- Side by side --------------------------------------------------------------------------------
# 40 rows (lines 2 to 41), 8 batches of 5, with the bad rows spread over them.
BAD_PRICE, DUPLICATE_1, UNKNOWN_PRODUCT, BELOW_ALLOCATED = 3, 7, 12, 18
UPDATE, DUPLICATE_2, UNCHANGED = 22, 31, 36


def mixed_file(seller, products) -> tuple[bytes, dict]:
    """The seller's three listings and a file touching them; returns it with the listings expected."""
    ListingFactory(seller=seller, product=products[0], grade=Grade.GOOD, sku="E-1", price=Decimal("500.00"),
                   quantity=2, warranty_months=12, is_active=True)
    ListingFactory(seller=seller, product=products[1], grade=Grade.GOOD, sku="E-2", price=Decimal("350.00"),
                   quantity=5, allocated=3, warranty_months=12, is_active=True)
    ListingFactory(seller=seller, product=products[2], grade=Grade.GOOD, sku="E-3", price=Decimal("300.00"),
                   quantity=4, warranty_months=12, is_active=True)
    expected = listing_values(seller)
    rows = []
    for index in range(40):
        product = products[index % 3]
        if index == BAD_PRICE:
            rows.append(listing_row(product, f"N-{index:02d}", price="12,34.5"))
        elif index in (DUPLICATE_1, DUPLICATE_2):
            rows.append(listing_row(product, "DUP"))
        elif index == UNKNOWN_PRODUCT:
            rows.append(("N-12", "NO-SUCH-REF", "good", "399.00", "5", "12", "yes"))
        elif index == BELOW_ALLOCATED:
            rows.append(listing_row(products[1], "E-2", price="350.00", quantity=1))
        elif index == UPDATE:
            rows.append(listing_row(products[0], "E-1", price="450.00", quantity=7))
            expected["E-1"] = [products[0].pk, "good", Decimal("450.00"), 7, 0, 12, True]
        elif index == UNCHANGED:
            rows.append(listing_row(products[2], "E-3", price="300.00", quantity=4))
        else:
            warranty, active = 12 + index % 4 * 6, index % 5 != 0
            rows.append(listing_row(product, f"N-{index:02d}", price=f"{300 + index}.00", quantity=index % 7,
                                    warranty=warranty, active="yes" if active else "no"))
            expected[f"N-{index:02d}"] = [product.pk, "good", Decimal(f"{300 + index}.00"), index % 7, 0,
                                          warranty, active]
    return csv_bytes(rows), expected


def line(index: int) -> int:
    return index + 2  # the header is line 1


EXPECTED_ERRORS = [
    {"line": line(BAD_PRICE), "sku": "N-03", "column": "price", "reason": "“12,34.5” mixes its separators."},
    {"line": line(DUPLICATE_1), "sku": "DUP", "column": "sku",
     "reason": f"The SKU DUP appears on several lines ({line(DUPLICATE_1)}, {line(DUPLICATE_2)}); keep one."},
    {"line": line(UNKNOWN_PRODUCT), "sku": "N-12", "column": "product_reference",
     "reason": "The reference NO-SUCH-REF is not in the catalog — propose it: "
              f"{settings.SITE_URL}/seller/catalog/proposals/new/?reference=NO-SUCH-REF"},
    {"line": line(BELOW_ALLOCATED), "sku": "E-2", "column": "quantity",
     "reason": "3 units are already sold and waiting to ship; the quantity cannot be lower."},
    {"line": line(DUPLICATE_2), "sku": "DUP", "column": "sku",
     "reason": f"The SKU DUP appears on several lines ({line(DUPLICATE_1)}, {line(DUPLICATE_2)}); keep one."},
]


def summary(stock_import: StockImport) -> tuple:
    return (stock_import.status, stock_import.processed_rows, stock_import.total_rows,
            sorted(stock_import.batches_done), stock_import.created_count, stock_import.updated_count,
            stock_import.unchanged_count, stock_import.failed_count, stock_import.errors)


def test_batches_side_by_side_apply_the_file_as_one_connection_would(products, enqueued, monkeypatch,
                                                                       settings):
    """A file applied on two connections at once ends exactly as if applied batch after batch."""
    monkeypatch.setattr(imports, "BATCH_SIZE", 5)
    calls = recording(monkeypatch)
    seller = SellerFactory()
    data, expected = mixed_file(seller, products)

    stock_import = create_import(seller, data, enqueued)
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()

    assert summary(stock_import) == (StockImport.Status.DONE, 40, 40, list(range(8)), 33, 1, 1, 5,
                                     EXPECTED_ERRORS)
    assert stock_import.finished_at is not None
    assert listing_values(seller) == expected
    assert sorted(call.number for call in calls) == list(range(8)) and all(call.done for call in calls)
    # Two threads of the pool, on connections other than the test's (each batch opens one and
    # closes it), with two batches in progress at the same moment.
    threads, backends = {call.thread for call in calls}, {call.backend for call in calls}
    connection.ensure_connection()
    assert len(threads) == 2 and threading.get_ident() not in threads
    assert len(backends) >= 2 and connection.connection.info.backend_pid not in backends
    assert any(one.started < other.ended and other.started < one.ended
               for one in calls for other in calls if one.thread != other.thread)

    settings.STOCK_IMPORT_THREADS = 1
    calls.clear()
    other_seller = SellerFactory()
    data, _expected = mixed_file(other_seller, products)
    sequential = create_import(other_seller, data, enqueued)
    stock_import_apply(stock_import_id=sequential.pk)
    sequential.refresh_from_db()

    assert {call.thread for call in calls} == {threading.get_ident()}
    assert summary(sequential) == summary(stock_import)
    assert listing_values(other_seller) == listing_values(seller)


# --- A batch applied by another run ---------------------------------------------------------------
def test_a_batch_another_run_committed_is_neither_applied_nor_counted_again(products, enqueued, monkeypatch):
    """A resumed import skips the batch already done: its rows are not applied or counted twice.

    The other run is simulated by its record only (batch 1 in batches_done, its 5 rows counted as
    created): the listings of batch 1 therefore stay absent, which shows this run did not touch them.
    """
    monkeypatch.setattr(imports, "BATCH_SIZE", 5)
    seller = SellerFactory()
    skus = [f"P-{index:02d}" for index in range(15)]
    data = csv_bytes([listing_row(products[index % 3], sku) for index, sku in enumerate(skus)])
    stock_import = create_import(seller, data, enqueued)
    StockImport.objects.filter(pk=stock_import.pk).update(
        status=StockImport.Status.RUNNING, batches_done=[1], processed_rows=5, created_count=5)

    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()

    assert summary(stock_import) == (StockImport.Status.DONE, 15, 15, [0, 1, 2], 15, 0, 0, 0, [])
    assert sorted(Listing.objects.filter(seller=seller).values_list("sku", flat=True)) == skus[:5] + skus[10:]


def test_two_runs_of_one_import_at_once_count_each_batch_once(products, enqueued, monkeypatch):
    """The worker's task delivered twice and run at once: every row is applied and counted once."""
    monkeypatch.setattr(imports, "BATCH_SIZE", 4)
    seller = SellerFactory()
    existing = ListingFactory(seller=seller, product=products[0], grade=Grade.GOOD, sku="T-00",
                              price=Decimal("500.00"), quantity=1)
    rows = [listing_row(products[index % 3], f"T-{index:02d}", quantity=index) for index in range(16)]
    stock_import = create_import(seller, csv_bytes(rows), enqueued)
    # Both runs' first batch starts at the same moment, so both really apply it side by side.
    first_batch_together = threading.Barrier(2, timeout=WAIT)
    real = imports._apply_batch
    outcomes = []

    def apply_batch(number, batch, **kwargs):
        if number == 0:
            first_batch_together.wait()
        done = real(number, batch, **kwargs)
        outcomes.append((number, done))
        return done

    monkeypatch.setattr(imports, "_apply_batch", apply_batch)
    failures = []

    def run():
        try:
            stock_import_apply(stock_import_id=stock_import.pk)
        except Exception as exc:  # re-raised in the test's thread
            failures.append(exc)
        finally:
            connections.close_all()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=3 * WAIT)
    assert not any(thread.is_alive() for thread in runs)
    assert failures == []

    stock_import.refresh_from_db()
    assert summary(stock_import) == (StockImport.Status.DONE, 16, 16, [0, 1, 2, 3], 15, 1, 0, 0, [])
    assert len(stock_import.batches_done) == 4
    # Both runs applied batch 0; the one that committed second was undone, and went on.
    assert [done for number, done in outcomes if number == 0] == [True, True]
    existing.refresh_from_db()
    assert (existing.price, existing.quantity) == (Decimal("399.00"), 0)
    assert Listing.objects.filter(seller=seller).count() == 16


# --- A listing created by someone else meanwhile --------------------------------------------------
def test_a_sku_created_by_a_concurrent_writer_is_reported_and_left_alone(products):
    """A SKU another transaction creates while the import inserts it: the seller is told to upload
    again, the other listing stays as it was, and the rest of the rows are created."""
    seller = SellerFactory()
    good, failed = parse_stock_rows(stock_file_check(csv_bytes([
        listing_row(products[1], "RACE-1", price="399.00", quantity=5),
        listing_row(products[2], "RACE-2", price="299.00", quantity=3),
    ])))
    assert failed == []
    connection.ensure_connection()
    importer_backend = connection.connection.info.backend_pid
    inserted, other = threading.Event(), {}

    def other_writer():
        """Creates RACE-1 and commits only once the importer's INSERT is waiting for it."""
        try:
            with transaction.atomic():
                listing = ListingFactory(seller=seller, product=products[0], grade=Grade.EXCELLENT,
                                         sku="RACE-1", price=Decimal("777.00"), quantity=9)
                other["listing"] = listing
                inserted.set()
                deadline = time.monotonic() + WAIT
                with connection.cursor() as cursor:
                    while time.monotonic() < deadline and not other.get("blocked"):
                        cursor.execute("SELECT pg_backend_pid() = ANY(pg_blocking_pids(%s))",
                                       [importer_backend])
                        other["blocked"] = cursor.fetchone()[0]
                        time.sleep(0.05)
        except Exception as exc:  # re-raised in the test's thread
            other["error"] = exc
        finally:
            inserted.set()
            connections.close_all()

    writer = threading.Thread(target=other_writer)
    writer.start()
    assert inserted.wait(WAIT)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '20s'")  # the test fails rather than hangs
        results = listings_apply_bulk(seller=seller, rows=good, allow_create=True)
    writer.join(timeout=WAIT)
    assert not writer.is_alive()
    assert "error" not in other
    assert other["blocked"], "the importer's INSERT never waited for the other transaction"

    race_1, race_2 = results
    assert (race_1.key, race_1.sku, race_1.status, race_1.listing_id) == (2, "RACE-1", "failed", None)
    assert race_1.errors == {"sku": ["A listing with the SKU RACE-1 was created meanwhile; upload again."]}
    created = Listing.objects.get(seller=seller, sku="RACE-2")
    assert (race_2.key, race_2.status, race_2.listing_id) == (3, "created", created.pk)
    assert (created.product_id, created.price, created.quantity) == (products[2].pk, Decimal("299.00"), 3)
    theirs = Listing.objects.get(seller=seller, sku="RACE-1")
    assert theirs.pk == other["listing"].pk
    assert (theirs.product_id, theirs.grade, theirs.price, theirs.quantity) == (
        products[0].pk, "excellent", Decimal("777.00"), 9)


# --- The seller suspended during an import --------------------------------------------------------
def test_a_seller_suspended_mid_import_stops_it_after_the_batch_in_progress(products, enqueued, monkeypatch,
                                                                             settings):
    """Suspension stops an import: the batches done stay, no later row is published."""
    monkeypatch.setattr(imports, "BATCH_SIZE", 3)
    settings.STOCK_IMPORT_THREADS = 1
    seller = SellerFactory()
    skus = [f"S-{index}" for index in range(9)]
    data = csv_bytes([listing_row(products[index % 3], sku) for index, sku in enumerate(skus)])
    stock_import = create_import(seller, data, enqueued)

    def suspend_after_first_batch(number):
        if number == 0:
            Seller.objects.filter(pk=seller.pk).update(status=Seller.Status.SUSPENDED)

    calls = recording(monkeypatch, after=suspend_after_first_batch)
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()

    assert stock_import.status == StockImport.Status.FAILED
    assert stock_import.error_message == "Only approved sellers can publish listings."
    assert stock_import.finished_at is not None
    assert (stock_import.batches_done, stock_import.processed_rows, stock_import.created_count) == ([0], 3, 3)
    assert [(call.number, call.done) for call in calls] == [(0, True), (1, False)]
    assert sorted(Listing.objects.filter(seller=seller).values_list("sku", flat=True)) == skus[:3]


# --- The upgrade -----------------------------------------------------------------------------------
def test_an_import_running_during_the_upgrade_resumes_after_its_committed_batches():
    """Migration 0008: a running import's offset becomes its batches done; other imports are untouched."""
    migration = importlib.import_module("sellers.migrations.0008_stock_import_batches_done")
    seller = SellerFactory()

    def stock_import(status, processed_rows):
        return StockImport.objects.create(seller=seller, file="stock-imports/old.csv",
                                          original_name="old.csv", sha256="0" * 64, status=status,
                                          total_rows=70_000, processed_rows=processed_rows)

    running = stock_import(StockImport.Status.RUNNING, 60_000)
    just_started = stock_import(StockImport.Status.RUNNING, 0)
    queued = stock_import(StockImport.Status.QUEUED, 0)

    migration.batches_done_from_offset(apps, None)

    running.refresh_from_db()
    just_started.refresh_from_db()
    queued.refresh_from_db()
    assert (running.batches_done, running.processed_rows) == ([0, 1], 60_000)
    assert just_started.batches_done == []
    assert (queued.batches_done, queued.status) == ([], StockImport.Status.QUEUED)
