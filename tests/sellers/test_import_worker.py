"""A real Celery worker process on Redis applies stock imports, and survives losing its child."""
import os
import signal
import time
from pathlib import Path

import pytest

from catalog.models import Grade
from sellers import tasks
from sellers.models import Listing, StockImport
from sellers.stock_sync import stock_import_create
from tests.factories import ProductFactory, SellerFactory
from tests.sellers.factories_stock import csv_bytes, listing_row
from tests.workers import worker_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_queue(monkeypatch):
    """A prefork worker (one child) running the stock imports sent, on the test database."""
    with worker_for(tasks.apply_stock_import, monkeypatch) as process:
        yield process


def _wait_until_finished(stock_import, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stock_import.refresh_from_db()
        if stock_import.status in (StockImport.Status.DONE, StockImport.Status.FAILED):
            return stock_import
        time.sleep(0.2)
    raise AssertionError(f"import not finished: {stock_import.status} {stock_import.processed_rows}")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def test_a_real_worker_applies_an_uploaded_import(worker_queue):
    seller = SellerFactory()
    products = ProductFactory.create_batch(2)
    data = csv_bytes([listing_row(products[0], "W-1", quantity=4),
                      listing_row(products[1], "W-2", price="nope")])
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="w.csv", data=data)
    stock_import = _wait_until_finished(stock_import)
    assert stock_import.status == StockImport.Status.DONE
    assert (stock_import.created_count, stock_import.failed_count, stock_import.processed_rows) == (1, 1, 2)
    assert Listing.objects.get(seller=seller, sku="W-1").quantity == 4


def test_a_worker_child_killed_mid_import_leaves_the_result_of_one_run(worker_queue):
    seller = SellerFactory()
    products = ProductFactory.create_batch(10)
    grades = list(Grade.values)
    rows = [listing_row(products[i % 10], f"K-{i:05d}", grade=grades[(i // 10) % 4], quantity=i % 7)
            for i in range(40_000)]
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="k.csv", data=csv_bytes(rows))
    deadline = time.monotonic() + 60
    killed = False
    while time.monotonic() < deadline and not killed:
        stock_import.refresh_from_db()
        if 0 < stock_import.processed_rows < stock_import.total_rows:
            for child in _children(worker_queue.pid):
                os.kill(child, signal.SIGKILL)
                killed = True
        elif stock_import.status == StockImport.Status.DONE:
            break
        time.sleep(0.02)
    assert killed, "the import finished before the worker could be killed; make the file larger"
    stock_import = _wait_until_finished(stock_import, timeout=120)
    assert stock_import.status == StockImport.Status.DONE
    assert (stock_import.processed_rows, stock_import.created_count, stock_import.updated_count,
            stock_import.unchanged_count, stock_import.failed_count) == (40_000, 40_000, 0, 0, 0)
    assert Listing.objects.filter(seller=seller).count() == 40_000
