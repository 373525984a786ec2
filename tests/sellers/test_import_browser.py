"""Stock import and API key pages in real Chromium: upload, live progress, report, keys."""
import re

import pytest
from django.urls import reverse

from sellers.models import ApiKey, StockImport
from tests.factories import ProductFactory, SellerMemberFactory
from tests.helpers import browser_login, screenshot
from tests.sellers.factories_stock import csv_bytes, listing_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member():
    return SellerMemberFactory(seller__name="Green Phone Lab")


def _running_import(seller):
    return StockImport.objects.create(
        seller=seller, original_name="warehouse-stock.csv", sha256="x", status=StockImport.Status.RUNNING,
        total_rows=10_000, processed_rows=4_000, created_count=1_200, updated_count=2_500,
        unchanged_count=290, failed_count=10)


def _finish(stock_import):
    stock_import.status = StockImport.Status.DONE
    stock_import.processed_rows = 10_000
    stock_import.errors = [
        {"line": 17, "sku": "IP13-128-A", "column": "price", "reason": "The price must be more than zero."},
        {"line": 204, "sku": "S22-256-B", "column": "product_reference",
         "reason": "No product in the catalog has the reference 8806094000000."},
        {"line": 981, "sku": "PIX7-128", "column": "quantity",
         "reason": "3 units are already sold and waiting to ship; the quantity cannot be lower."},
    ]
    stock_import.save()


def test_upload_shows_the_report_of_bad_rows(page, live_server, member, tmp_path):
    products = ProductFactory.create_batch(2)
    path = tmp_path / "stock.csv"
    path.write_bytes(csv_bytes([listing_row(products[0], "OK-1"),
                                listing_row(products[1], "BAD-1", grade="shiny")]))
    browser_login(page, live_server, member.user.email)
    page.goto(f"{live_server.url}/seller/stock/")
    assert page.locator("h1").inner_text() == "Stock import & export"
    page.locator("input#id_file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and apply").click()
    page.get_by_role("heading", name="Rows that failed").wait_for()
    assert "2 of 2 rows processed" in page.content()
    assert page.get_by_role("cell", name="Choose one of: premium, excellent, good, fair.").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the failed rows to fix and upload again").click()
    assert "BAD-1" in download.value.path().read_text(encoding="utf-8")


def test_refused_file_says_why(page, live_server, member, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    browser_login(page, live_server, member.user.email)
    page.goto(f"{live_server.url}/seller/stock/")
    page.locator("input#id_file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and apply").click()
    page.get_by_text("This is not a text CSV file").wait_for()
    screenshot(page, "stock-import-refused-desktop")


def test_progress_updates_live_until_the_report(page, mobile_page, live_server, member):
    stock_import = _running_import(member.seller)
    url = f"{live_server.url}/seller/stock/imports/{stock_import.pk}/"
    for current, name in ((page, "desktop"), (mobile_page, "mobile")):
        browser_login(current, live_server, member.user.email)
        current.goto(url)
        assert current.get_by_role("progressbar").get_attribute("aria-valuenow") == "40"
        screenshot(current, f"stock-import-progress-{name}")
    _finish(stock_import)
    for current, name in ((page, "desktop"), (mobile_page, "mobile")):
        current.get_by_role("heading", name="Rows that failed").wait_for(timeout=10_000)
        assert current.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
        assert "10,000 of 10,000 rows processed" in current.content()
        screenshot(current, f"stock-import-report-{name}")


def test_import_page_with_history(page, mobile_page, live_server, member):
    _finish(_running_import(member.seller))
    StockImport.objects.create(seller=member.seller, original_name="prices-monday.csv", sha256="y",
                               status=StockImport.Status.DONE, total_rows=120, processed_rows=120,
                               updated_count=120)
    for current, name in ((page, "desktop"), (mobile_page, "mobile")):
        browser_login(current, live_server, member.user.email)
        current.goto(f"{live_server.url}/seller/stock/")
        current.get_by_role("link", name="prices-monday.csv").wait_for()
        screenshot(current, f"stock-import-page-{name}")


def test_api_key_is_shown_once_then_revoked(page, mobile_page, live_server, member):
    browser_login(page, live_server, member.user.email)
    page.goto(f"{live_server.url}/seller/api-keys/")
    page.get_by_label("Key name").fill("Warehouse ERP")
    page.get_by_role("button", name="Create key").click()
    key_value = page.get_by_label("API key").input_value()
    api_key = ApiKey.objects.get(seller=member.seller)
    assert key_value.startswith(api_key.prefix + "_")
    screenshot(page, "api-keys-new-desktop")
    page.goto(f"{live_server.url}/seller/api-keys/")
    assert key_value not in page.content()
    page.get_by_role("button", name="Revoke Warehouse ERP").click()
    page.get_by_text("is revoked").wait_for()
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    screenshot(page, "api-keys-revoked-desktop")

    browser_login(mobile_page, live_server, member.user.email)
    mobile_page.goto(f"{live_server.url}/seller/api-keys/")
    mobile_page.get_by_label("Key name").fill("Shop sync")
    mobile_page.get_by_role("button", name="Create key").click()
    mobile_page.get_by_label("API key").wait_for()
    screenshot(mobile_page, "api-keys-new-mobile")


def test_an_excel_fr_file_uploads_and_its_report_names_encoding_notices_and_failed_rows(
        page, live_server, member, tmp_path):
    from pathlib import Path

    for reference in ("3700000000013", "3700000000020", "0700000000016"):
        ProductFactory(reference=reference)
    excel_fr = (Path(__file__).resolve().parent / "files" / "excel_fr.csv").read_bytes()
    path = tmp_path / "stock-excel-fr.csv"
    path.write_bytes(excel_fr + "FR-4;3700000000013;Très bon état;12 €;-1;12;oui;\r\n".encode("cp1252"))
    browser_login(page, live_server, member.user.email)
    page.goto(f"{live_server.url}/seller/stock/")
    page.locator("input#id_file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and apply").click()
    page.get_by_role("heading", name="Rows that failed").wait_for()
    content = page.content()
    assert "4 of 4 rows processed" in content
    assert "Read as Windows Latin-1 (CP1252) text." in content
    assert page.get_by_text("Columns ignored (not ours): Commentaire.").is_visible()
    assert page.get_by_text("leading zero").is_visible()
    assert page.get_by_role("cell", name="The quantity cannot be negative.").is_visible()
    screenshot(page, "stock-import-excel-fr-report-desktop")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the failed rows to fix and upload again").click()
    text = download.value.path().read_bytes().decode("cp1252")
    assert text.startswith("Réf vendeur;EAN;État;") and "FR-4;3700000000013;Très bon état;12 €;'-1" in text


def test_an_import_whose_file_the_purge_deleted_says_so_and_keeps_its_report(page, live_server, member):
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from sellers.retention import stock_files_purge

    stock_import = _running_import(member.seller)
    stock_import.file.save("upload.csv", ContentFile(b"sku,quantity\n"), save=True)
    _finish(stock_import)
    StockImport.objects.filter(pk=stock_import.pk).update(finished_at=timezone.now() - timedelta(days=120))
    assert stock_files_purge(before=timezone.now() - timedelta(days=90)) == 1
    browser_login(page, live_server, member.user.email)
    page.goto(live_server.url + reverse("sellers:stock_imports"))
    screenshot(page, "stock-imports-file-purged")
    row = page.get_by_role("row", name=re.compile("warehouse-stock.csv"))
    assert row.get_by_text("File deleted").is_visible()
    assert row.get_by_role("link", name="Download").count() == 0
    page.goto(live_server.url + reverse("sellers:stock_import", args=[stock_import.pk]))
    assert page.get_by_text("The uploaded file was deleted after its retention period.").is_visible()
    assert page.get_by_text("The price must be more than zero.").is_visible()  # the report stays
    screenshot(page, "stock-import-file-purged")
