"""A real Celery worker process on Redis builds a large stock export while its page shows the rows
written, and the seller downloads the file it wrote to the private storage."""
import csv
import io
import re
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Grade
from sellers import tasks
from sellers.listing_filters import listings_filtered
from sellers.models import Listing, ListingExport
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory
from tests.workers import worker_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
WRITTEN = re.compile(r"([\d,]+) of ([\d,]+) rows written")


@pytest.fixture
def export_worker(monkeypatch):
    """A prefork worker (one child) building the exports sent, on the test database."""
    with worker_for(tasks.build_listing_export, monkeypatch) as process:
        yield process


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
