"""A real Celery worker process on Redis applies stock imports, and survives losing its child."""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from catalog.models import Grade
from marketplace.celery import app
from sellers import tasks
from sellers.models import Listing, StockImport
from sellers.stock_sync import stock_import_create
from tests.factories import ProductFactory, SellerFactory
from tests.sellers.factories_stock import csv_bytes, listing_row

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue(monkeypatch):
    """Starts a prefork worker (one child) on its own queue, on the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CELERY_BROKER_URL": settings.REDIS_URL, "REDIS_URL": settings.REDIS_URL,
           "CELERY_TASK_ALWAYS_EAGER": "false", "DJANGO_SETTINGS_MODULE": "tests.settings",
           "DATABASE_URL": _database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "marketplace", "worker", "-P", "prefork", "-c", "1",
         "-Q", queue, "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    monkeypatch.setattr(tasks.apply_stock_import, "delay",
                        lambda pk: tasks.apply_stock_import.apply_async(args=[pk], queue=queue))
    yield process
    app.conf.task_always_eager = eager
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


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
