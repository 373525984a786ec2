"""A real Celery worker process on Redis builds a large stock export while its page shows the rows
written, and the seller downloads the file it wrote to the private storage."""
import csv
import io
import os
import re
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from catalog.models import Grade
from marketplace.celery import app
from sellers import tasks
from sellers.listing_filters import listings_filtered
from sellers.models import Listing, ListingExport
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory
from tests.sellers.test_import_worker import _database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
WRITTEN = re.compile(r"([\d,]+) of ([\d,]+) rows written")


@pytest.fixture
def export_worker(monkeypatch):
    """A prefork worker (one child) on a queue of this test's own, on the test database."""
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
    monkeypatch.setattr(tasks.build_listing_export, "delay",
                        lambda pk: tasks.build_listing_export.apply_async(args=[pk], queue=queue))
    yield process
    app.conf.task_always_eager = eager
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def stock(seller, count: int) -> None:
    """`count` listings of the seller over 50 products and every grade, a rival in some boxes."""
    products = ProductFactory.create_batch(50)
    grades = list(Grade.values)
    Listing.objects.bulk_create(
        Listing(seller=seller, product=products[i % 50], grade=grades[(i // 50) % 4], sku=f"W-{i:05d}",
                price=Decimal("100.00") + i % 40, quantity=0, warranty_months=12) for i in range(count))
    rival = SellerFactory()
    for product in products[:10]:
        ListingFactory(seller=rival, product=product, grade=grades[0], price=Decimal("90.00"))
        ListingFactory(seller=seller, product=product, grade=grades[0], price=Decimal("95.00"),
                       sku=f"L-{product.pk}")


def test_a_real_worker_builds_the_export_while_its_page_shows_the_rows_written(client, export_worker):
    member = SellerMemberFactory()
    stock(member.seller, 20_000)
    client.force_login(member.user)
    response = client.post(reverse("sellers:listing_exports"), {"status": "all", "file_format": "csv"})
    assert response.status_code == 302
    export = ListingExport.objects.get(seller=member.seller)
    progress = reverse("sellers:listing_export_progress", args=[export.pk])
    seen, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline:
        block = client.get(progress).content.decode()
        done, total = (int(n.replace(",", "")) for n in WRITTEN.search(block).groups())
        seen.append(done)
        if "Download the file" in block:
            break
        time.sleep(0.02)
    else:
        status = ListingExport.objects.get(pk=export.pk).status
        raise AssertionError(f"export not finished: {status}, {seen[-5:]}")
    assert total == done == 20_010
    assert any(0 < n < total for n in seen), seen  # the page saw the file half written
    assert seen == sorted(seen)
    export.refresh_from_db()
    assert export.status == ListingExport.Status.DONE and export.seconds > 0
    download = client.get(reverse("sellers:listing_export_download", args=[export.pk]))
    body = b"".join(download.streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row["sku"] for row in rows] == sorted(
        listings_filtered(seller=member.seller, filters={"status": "all"}).values_list("sku", flat=True))
    losing = [row for row in rows if row["sku"].startswith("L-")]
    assert len(losing) == 10 and {(row["buy_box"], row["buy_box_price"]) for row in losing} == {
        ("losing", "90.00")}
