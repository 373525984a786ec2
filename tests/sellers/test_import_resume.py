"""A stock import whose whole worker died (SIGKILL on the main process, a lost machine) does not
stay "running" for the broker's hour: the timed job resumes it, once, to the result of one run."""
import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from catalog.models import Grade
from sellers import tasks
from sellers.models import Listing, StockImport
from sellers.stock_sync import stock_import_create, stock_imports_resume_stalled
from tests.factories import ProductFactory, SellerFactory
from tests.sellers.factories_stock import csv_bytes, listing_row
from tests.sellers.test_import_worker import _wait_until_finished
from tests.workers import task_on_own_queue, worker_start, worker_stop

STALLED = timedelta(minutes=settings.STOCK_IMPORT_STALL_MINUTES + 1)


@pytest.fixture
def queue(monkeypatch):
    with task_on_own_queue(tasks.apply_stock_import, monkeypatch) as name:
        yield name


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_import_whose_whole_worker_was_killed_is_resumed_to_the_result_of_one_run(queue):
    seller = SellerFactory()
    products = ProductFactory.create_batch(10)
    grades = list(Grade.values)
    rows = [listing_row(products[i % 10], f"Z-{i:05d}", grade=grades[(i // 10) % 4], quantity=i % 7)
            for i in range(40_000)]
    first = worker_start(queue, stderr=subprocess.DEVNULL)
    try:
        stock_import = stock_import_create(seller=seller, uploaded_by=None, name="z.csv",
                                           data=csv_bytes(rows))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            stock_import.refresh_from_db()
            if 0 < stock_import.processed_rows < stock_import.total_rows:
                os.killpg(first.pid, signal.SIGKILL)  # the main process and its child, at once
                break
            assert stock_import.status != StockImport.Status.DONE, "finished before the kill: enlarge it"
            time.sleep(0.02)
        first.wait(timeout=10)
    finally:
        worker_stop(first)
    time.sleep(1)
    stock_import.refresh_from_db()
    assert stock_import.status == StockImport.Status.RUNNING  # stranded: its message waits an hour

    # Not stalled long enough yet: left alone.
    assert stock_imports_resume_stalled() == []
    second = worker_start(queue, stderr=subprocess.DEVNULL)
    try:
        assert stock_imports_resume_stalled(now=timezone.now() + STALLED) == [stock_import.pk]
        stock_import = _wait_until_finished(stock_import, timeout=120)
    finally:
        worker_stop(second)
    assert stock_import.status == StockImport.Status.DONE
    assert (stock_import.processed_rows, stock_import.created_count, stock_import.updated_count,
            stock_import.unchanged_count, stock_import.failed_count) == (40_000, 40_000, 0, 0, 0)
    assert Listing.objects.filter(seller=seller).count() == 40_000


@pytest.mark.django_db
def test_two_runs_of_the_timed_job_resume_a_stalled_import_once(monkeypatch,
                                                                django_capture_on_commit_callbacks):
    seller = SellerFactory()
    product = ProductFactory()
    queued = []
    monkeypatch.setattr(tasks.apply_stock_import, "delay", queued.append)
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="s.csv",
                                       data=csv_bytes([listing_row(product, "S-1")]))
    StockImport.objects.filter(pk=stock_import.pk).update(status=StockImport.Status.RUNNING,
                                                          progressed_at=timezone.now())
    queued.clear()
    later = timezone.now() + STALLED
    with django_capture_on_commit_callbacks(execute=True):
        assert stock_imports_resume_stalled(now=later) == [stock_import.pk]
        assert stock_imports_resume_stalled(now=later) == []
    assert queued == [stock_import.pk]
    # A finished import is never resumed.
    StockImport.objects.filter(pk=stock_import.pk).update(status=StockImport.Status.DONE)
    assert stock_imports_resume_stalled(now=later + STALLED) == []
