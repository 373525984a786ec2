"""The stock export in real Chromium with a real worker: a seller exports the list's filter (20,000 rows),
watches the rows written on the export's page, then downloads the file."""
import csv
import io

import pytest

from tests.factories import SellerMemberFactory
from tests.helpers import assert_accessible, browser_login, screenshot
from tests.sellers.test_listing_export_worker import export_worker, stock  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_seller_exports_the_list_sees_the_progress_and_downloads_the_file(page, live_server, export_worker):  # noqa: F811
    member = SellerMemberFactory(seller__name="Green Phone Lab")
    stock(member.seller, 20_000)
    browser_login(page, live_server, member.user.email)
    page.goto(f"{live_server.url}/seller/listings/?q=W-")
    export = page.get_by_role("form", name="Export these listings")
    assert "Export these 20,000 listings:" in export.inner_text()
    screenshot(page, "listing-list-export-desktop")
    export.get_by_role("button", name="CSV").click()
    page.get_by_role("heading", name="Export of your listings (CSV)").wait_for()
    bar = page.get_by_role("progressbar", name="Rows written")
    assert "Search: W-" in page.content()
    page.get_by_text("of 20,000 rows written").wait_for()
    screenshot(page, "listing-export-queued-desktop")
    assert_accessible(page)
    # The poll moves the bar as the worker writes (every 2,000 rows): caught part-way most runs.
    page.wait_for_function("() => document.querySelector('[role=progressbar]').ariaValueNow > 0",
                           timeout=90_000)
    screenshot(page, "listing-export-progress-desktop")
    download_link = page.get_by_role("link", name="Download the file (CSV)")
    download_link.wait_for(timeout=90_000)
    assert bar.get_attribute("aria-valuenow") == "100" and "20,000 of 20,000 rows written" in page.content()
    screenshot(page, "listing-export-done-desktop")
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.startswith("listings-")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) == 20_000 and all(row["sku"].startswith("W-") for row in rows)
    page.goto(f"{live_server.url}/seller/stock/exports/")
    assert page.get_by_role("link", name="Download").count() == 1
    screenshot(page, "listing-exports-list-desktop")
