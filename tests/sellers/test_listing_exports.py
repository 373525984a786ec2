"""The stock export: a small one downloads at once, a large one is a job with its progress, its private
file downloaded by its seller only, reused on a double click, kept for a while; the file is the filter."""
import csv
import io
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sellers import listing_exports
from sellers.listing_exports import listing_export_build, listing_export_request, listing_exports_purge
from sellers.listing_filters import listings_filtered
from sellers.models import Listing, ListingExport
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def owner(client):
    member = SellerMemberFactory(seller__quality_score=D("70.00"))
    client.force_login(member.user)
    return member


def market(seller, count: int) -> None:
    """`count` listings of the seller: winning, losing a little, losing a lot, alone, out of stock,
    each fifth paused or archived in turn; a rival's offers in most boxes."""
    rival = SellerFactory(quality_score=D("70.00"))
    for i in range(count):
        product = ProductFactory()
        kind = i % 5
        ListingFactory(seller=seller, product=product, grade="good", sku=f"M-{i:03d}", price=D("100.00"),
                       quantity=0 if kind == 4 else 2 + i % 3, is_active=i % 7 != 3,
                       archived_at=timezone.now() if i % 11 == 5 else None)
        if kind in (0, 1, 2, 4):
            ListingFactory(seller=rival, product=product, grade="good", sku=f"R-{i}", quantity=5,
                           price={0: D("120.00"), 1: D("98.00"), 2: D("80.00"), 4: D("150.00")}[kind])


def rows_of(text: str) -> dict[str, dict]:
    return {row["sku"]: row for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))}


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def downloaded(client, export) -> bytes:
    response = client.get(reverse("sellers:listing_export_download", args=[export.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.fixture
def large(settings):
    """Every export of more than 3 rows is a job."""
    settings.LISTING_EXPORT_STREAM_MAX_ROWS = 3


def test_a_small_export_downloads_at_once_and_holds_the_filtered_listings_only(client, owner):
    market(owner.seller, 10)
    ListingFactory(sku="NOT-MINE")
    response = client.post(reverse("sellers:listing_exports"), {"buy_box": "losing", "file_format": "csv"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="listings.csv"'
    rows = rows_of(streamed(response))
    expected = set(listings_filtered(seller=owner.seller, filters={"buy_box": "losing"})
                   .values_list("sku", flat=True))
    assert set(rows) == expected and len(expected) >= 3
    assert {row["buy_box"] for row in rows.values()} == {"losing"}
    assert rows["M-001"]["price_to_win"] == "97.99" and rows["M-001"]["competing_offers"] == "1"
    assert not ListingExport.objects.exists()


def test_a_large_export_answers_at_once_and_a_worker_builds_it_after_commit(
        client, owner, large, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    market(owner.seller, 12)
    # The layout's session, user and membership; the count; the seller's lock, the reuse look-up, the
    # insert; nothing read row by row, and the file is not built in the request.
    with django_capture_on_commit_callbacks(execute=False) as callbacks, django_assert_max_num_queries(9):
        response = client.post(reverse("sellers:listing_exports"), {"status": "all", "file_format": "csv"})
    export = ListingExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sellers:listing_export",
                                                                            args=[export.pk])
    assert (export.status, export.total_rows, export.done_rows, export.filters) == (
        ListingExport.Status.QUEUED, 12, 0, {"status": "all"})
    assert len(callbacks) == 1
    page = client.get(response["Location"]).content.decode()
    assert "0 of 12 rows written" in page and "waiting for a worker" in page
    callbacks[0]()  # the task, eager in the tests
    export.refresh_from_db()
    assert (export.status, export.done_rows, export.total_rows) == (ListingExport.Status.DONE, 12, 12)
    assert export.file.name.startswith(f"listing-exports/{owner.seller.pk}/")
    assert export.expires_at > timezone.now() + timedelta(hours=23)
    assert set(rows_of(downloaded(client, export).decode("utf-8"))) == {f"M-{i:03d}" for i in range(12)}


@pytest.mark.parametrize("filters", [{"status": "all"}, {}, {"buy_box": "losing"}, {"stock": "out"},
                                     {"losing_within_percent": "5"}, {"status": "archived"},
                                     {"status": "paused", "q": "M-00"}, {"buy_box": "no_competitor"}])
def test_the_built_file_equals_the_filter_and_the_file_downloaded_at_once(
        client, owner, settings, filters, django_capture_on_commit_callbacks):
    """The two ways to the insight (a small file's, over its listings; a job's, merged with the seller's
    whole stream) write the same bytes, and hold exactly the list's listings of the filter."""
    market(owner.seller, 24)
    ListingFactory(sku="NOT-MINE")
    expected = set(listings_filtered(seller=owner.seller, filters=filters).values_list("sku", flat=True))
    settings.LISTING_EXPORT_STREAM_MAX_ROWS = 1000
    at_once = streamed(client.post(reverse("sellers:listing_exports"), {**filters, "file_format": "csv"}))
    settings.LISTING_EXPORT_STREAM_MAX_ROWS = 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sellers:listing_exports"), {**filters, "file_format": "csv"})
    export = ListingExport.objects.get()
    built = downloaded(client, export).decode("utf-8")
    assert built == at_once
    assert set(rows_of(built)) == expected
    assert list(rows_of(built)) == sorted(expected)  # in SKU order


def test_a_built_workbook_is_text_cells_and_formula_safe(client, owner, large,
                                                          django_capture_on_commit_callbacks):
    market(owner.seller, 5)
    ListingFactory(seller=owner.seller, sku='=HYPERLINK("x")')
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sellers:listing_exports"), {"status": "all", "file_format": "xlsx"})
    export = ListingExport.objects.get()
    response = client.get(reverse("sellers:listing_export_download", args=[export.pk]))
    assert "spreadsheetml" in response["Content-Type"]
    assert response["Content-Disposition"].startswith('attachment; filename="listings-')
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
                .iter_rows(values_only=True))
    assert rows[0][:3] == ("sku", "product_reference", "grade") and len(rows) == 7
    assert rows[1][0] == "'=HYPERLINK(\"x\")"
    assert all(isinstance(cell, str) for row in rows for cell in row if cell is not None)


def test_a_double_click_gets_the_export_already_running(client, owner, large,
                                                         django_capture_on_commit_callbacks):
    market(owner.seller, 6)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client.post(reverse("sellers:listing_exports"), {"stock": "in", "file_format": "csv"})
        second = client.post(reverse("sellers:listing_exports"), {"stock": "in", "file_format": "csv"})
    assert first["Location"] == second["Location"] and ListingExport.objects.count() == 1
    assert len(callbacks) == 1  # one job
    assert "This export was already asked for" in client.get(second["Location"]).content.decode()
    # Another filter or another format is another file.
    client.post(reverse("sellers:listing_exports"), {"stock": "in", "file_format": "xlsx"})
    client.post(reverse("sellers:listing_exports"), {"status": "all", "file_format": "csv"})
    assert ListingExport.objects.count() == 3


def test_a_finished_export_is_reused_for_a_minute_then_a_new_one_is_made(owner):
    def ask():
        return listing_export_request(seller=owner.seller, user=owner.user, filters={"stock": "low"},
                                      file_format="csv", total_rows=9000)

    first, new = ask()
    assert new
    ListingExport.objects.filter(pk=first.pk).update(status=ListingExport.Status.DONE,
                                                     finished_at=timezone.now())
    assert ask() == (first, False)
    ListingExport.objects.filter(pk=first.pk).update(finished_at=timezone.now() - timedelta(seconds=61))
    later, new = ask()
    assert new and later != first


def test_a_stalled_export_is_not_handed_out_again(owner):
    running, _ = listing_export_request(seller=owner.seller, user=owner.user, filters={}, file_format="csv",
                                        total_rows=9000)
    ListingExport.objects.filter(pk=running.pk).update(
        status=ListingExport.Status.RUNNING, progressed_at=timezone.now() - timedelta(minutes=11))
    fresh, new = listing_export_request(seller=owner.seller, user=owner.user, filters={}, file_format="csv",
                                        total_rows=9000)
    assert new and fresh != running


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_the_same_moment_make_one_export():
    member = SellerMemberFactory()
    barrier, results = threading.Barrier(2), []

    def request():
        try:
            barrier.wait()
            results.append(listing_export_request(seller=member.seller, user=member.user, filters={},
                                                  file_format="csv", total_rows=9000))
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ListingExport.objects.count() == 1
    assert sorted(new for _export, new in results) == [False, True]


def test_another_sellers_export_is_a_404_on_every_door(client, owner, large,
                                                        django_capture_on_commit_callbacks):
    theirs = SellerMemberFactory()
    market(theirs.seller, 5)
    with django_capture_on_commit_callbacks(execute=True):
        export, _ = listing_export_request(seller=theirs.seller, user=theirs.user, filters={},
                                           file_format="csv", total_rows=5)
    assert ListingExport.objects.get(pk=export.pk).status == ListingExport.Status.DONE
    for name in ("sellers:listing_export", "sellers:listing_export_progress",
                 "sellers:listing_export_download"):
        assert client.get(reverse(name, args=[export.pk])).status_code == 404
    assert reverse("sellers:listing_export", args=[export.pk]) not in client.get(
        reverse("sellers:listing_exports")).content.decode()


def test_the_progress_block_shows_rows_done_of_total_and_polls_until_done(client, owner):
    export = ListingExport.objects.create(
        seller=owner.seller, filters={"buy_box": "losing"}, filters_key="k",
        status=ListingExport.Status.RUNNING, total_rows=48_000, done_rows=12_000,
        expires_at=timezone.now() + timedelta(hours=24))
    url = reverse("sellers:listing_export_progress", args=[export.pk])
    block = client.get(url).content.decode()
    assert "12,000 of 48,000 rows written" in block and 'aria-valuenow="25"' in block
    assert f'hx-get="{url}"' in block and "Download the file" not in block
    page = client.get(reverse("sellers:listing_export", args=[export.pk])).content.decode()
    assert "Buy box: Losing" in page
    ListingExport.objects.filter(pk=export.pk).update(
        status=ListingExport.Status.DONE, done_rows=48_000, started_at=timezone.now() - timedelta(seconds=4),
        finished_at=timezone.now())
    block = client.get(url).content.decode()
    assert "48,000 of 48,000 rows written" in block and 'aria-valuenow="100"' in block
    assert "hx-get" not in block and "Download the file (CSV)" in block and "12,000 rows a second" in block


def test_a_build_that_fails_says_so_and_a_second_run_is_harmless(owner, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    market(owner.seller, 4)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(listing_exports, "export_rows", broken)
    export, _ = listing_export_request(seller=owner.seller, user=owner.user, filters={}, file_format="csv",
                                       total_rows=4)
    assert listing_export_build(export_id=export.pk).status == ListingExport.Status.FAILED
    monkeypatch.undo()
    assert listing_export_build(export_id=export.pk) is None  # failed: left alone
    export, _ = listing_export_request(seller=owner.seller, user=owner.user, filters={}, file_format="csv",
                                       total_rows=4)
    assert listing_export_build(export_id=export.pk).status == ListingExport.Status.DONE
    assert listing_export_build(export_id=export.pk) is None  # done: left alone


def test_an_export_past_its_time_is_deleted_and_no_longer_downloads(client, owner, large,
                                                                     django_capture_on_commit_callbacks):
    market(owner.seller, 5)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sellers:listing_exports"), {"file_format": "csv"})
    export = ListingExport.objects.get()
    storage, name = export.file.storage, export.file.name
    assert storage.exists(name) and listing_exports_purge() == 0
    ListingExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    assert client.get(reverse("sellers:listing_export_download", args=[export.pk])).status_code == 404
    assert listing_exports_purge() == 1 and not storage.exists(name)
    export.refresh_from_db()
    assert (export.status, export.file.name) == (ListingExport.Status.EXPIRED, "")
    page = client.get(reverse("sellers:listing_export", args=[export.pk])).content.decode()
    assert "deleted after its time" in page and "Ask for this file again" in page
    assert 'name="file_format" value="csv"' in page
    with django_capture_on_commit_callbacks(execute=True):  # what that button sends
        again = client.post(reverse("sellers:listing_exports"), {"file_format": "csv"})
    assert again["Location"] != reverse("sellers:listing_export", args=[export.pk])
    assert ListingExport.objects.filter(status=ListingExport.Status.DONE).count() == 1


def test_an_unfinished_export_does_not_download(client, owner):
    export = ListingExport.objects.create(seller=owner.seller, filters={}, filters_key="k",
                                          expires_at=timezone.now() + timedelta(hours=1))
    assert client.get(reverse("sellers:listing_export_download", args=[export.pk])).status_code == 404


@pytest.mark.parametrize("data", [{"file_format": "pdf"},
                                  {"file_format": "csv", "losing_within_percent": "lots"},
                                  {"file_format": "csv", "grade": "shiny"},
                                  {"file_format": "csv", "q": "a\x00b"}])
def test_bad_export_input_is_a_clear_400(client, owner, data):
    response = client.post(reverse("sellers:listing_exports"), data)
    assert response.status_code in (400, 404) and not ListingExport.objects.exists()


def test_the_old_export_url_of_a_large_stock_sends_to_the_exports_page_and_starts_nothing(
        client, owner, large):
    market(owner.seller, 5)
    response = client.get(reverse("sellers:stock_export"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("sellers:listing_exports"))
    page = client.get(response["Location"]).content.decode()
    assert "make a large file" in page and 'value="all" selected' in page
    assert not ListingExport.objects.exists()


def test_the_list_offers_to_export_its_filter(client, owner):
    market(owner.seller, 6)
    page = client.get(reverse("sellers:listing_list"), {"stock": "out", "sort": "price"}).content.decode()
    assert f'action="{reverse("sellers:listing_exports")}"' in page
    assert '<input type="hidden" name="stock" value="out">' in page and 'name="sort" value' not in page
    assert "Export this 1 listing:" in page


def test_every_role_may_export_and_a_warehouse_member_too(client, large, django_capture_on_commit_callbacks):
    member = SellerMemberFactory(role="warehouse")
    market(member.seller, 4)
    client.force_login(member.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sellers:listing_exports"), {"file_format": "csv"})
    assert response.status_code == 302
    assert len(rows_of(downloaded(client, ListingExport.objects.get()).decode())) == Listing.objects.filter(
        seller=member.seller, archived_at__isnull=True).count()


@pytest.mark.parametrize("count", [5, 40])
def test_the_exports_pages_take_the_same_queries_whatever_the_exports(client, owner, count,
                                                                       django_assert_num_queries):
    exports = [ListingExport.objects.create(
        seller=owner.seller, filters={"buy_box": "losing", "grade": "good"}, filters_key=f"k{i}",
        status=ListingExport.Status.DONE, total_rows=10, done_rows=10, finished_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=1)) for i in range(count)]
    client.get(reverse("sellers:listing_exports"))  # the layout's menus, cached
    with django_assert_num_queries(6):  # session, user, membership (twice), the cart; the exports
        page = client.get(reverse("sellers:listing_exports")).content.decode()
    assert page.count("Grade: Good, Buy box: Losing") == min(count, 20)  # the last 20
    # The page and the poll: session, user, membership; the export (the page's layout adds its own).
    with django_assert_num_queries(6):
        client.get(reverse("sellers:listing_export", args=[exports[0].pk]))
    with django_assert_num_queries(4):
        client.get(reverse("sellers:listing_export_progress", args=[exports[0].pk]))


def test_the_export_url_takes_the_lists_filter_in_its_query_and_is_the_whole_stock_without(client, owner):
    market(owner.seller, 12)
    out = rows_of(streamed(client.get(reverse("sellers:stock_export"), {"stock": "out"})))
    assert set(out) == set(listings_filtered(seller=owner.seller, filters={"stock": "out"})
                           .values_list("sku", flat=True)) and out
    everything = rows_of(streamed(client.get(reverse("sellers:stock_export"))))
    assert len(everything) == 12  # archived listings too
    assert client.get(reverse("sellers:stock_export"), {"grade": "shiny"}).status_code == 400
