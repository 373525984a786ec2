"""CSV stock imports: checking files, per-row validation, set-based apply, idempotency, pages."""
import os
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from catalog.models import Grade
from sellers.models import Listing, StockImport
from sellers.selectors import buy_boxes
from sellers.stock_sync import BATCH_SIZE, stock_file_check, stock_import_apply, stock_import_create
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory
from tests.sellers.factories_stock import csv_bytes, listing_row

pytestmark = pytest.mark.django_db


def run_import(seller, data, name="stock.csv"):
    """Creates an import and applies it as the worker would (its on-commit enqueue never fires here)."""
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name=name, data=data)
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()
    return stock_import


@pytest.fixture
def seller():
    return SellerFactory()


@pytest.fixture
def products():
    return ProductFactory.create_batch(3)


# --- Clean files ---------------------------------------------------------------------------------
def test_clean_file_creates_and_updates_listings(seller, products):
    existing = ListingFactory(seller=seller, product=products[0], grade=Grade.GOOD, sku="A-1",
                              price=Decimal("500.00"), quantity=1)
    data = csv_bytes([
        listing_row(products[0], "A-1", price="450.00", quantity=3),
        listing_row(products[1], "B-1", grade="excellent", price="600.50", quantity=2, warranty=24),
        listing_row(products[2], "C-1", grade="fair", price="299.99", quantity=0, active="no"),
    ])
    stock_import = run_import(seller, data)
    assert stock_import.status == StockImport.Status.DONE
    assert (stock_import.created_count, stock_import.updated_count, stock_import.unchanged_count,
            stock_import.failed_count) == (2, 1, 0, 0)
    assert stock_import.processed_rows == stock_import.total_rows == 3
    existing.refresh_from_db()
    assert (existing.price, existing.quantity) == (Decimal("450.00"), 3)
    created = Listing.objects.get(seller=seller, sku="B-1")
    assert (created.grade, created.price, created.quantity, created.warranty_months) == (
        "excellent", Decimal("600.50"), 2, 24)
    assert Listing.objects.get(seller=seller, sku="C-1").is_active is False


def test_semicolon_file_with_bom_and_decimal_commas_is_accepted(seller, products):
    data = csv_bytes([listing_row(products[0], "S-1", price="249,90")], delimiter=";", bom=True)
    stock_import = run_import(seller, data)
    assert stock_import.created_count == 1
    assert Listing.objects.get(sku="S-1").price == Decimal("249.90")


def test_optional_columns_may_be_left_out_and_keep_current_values(seller, products):
    listing = ListingFactory(seller=seller, product=products[0], sku="K", warranty_months=24, is_active=False)
    columns = ("SKU", "Product reference", "grade", "price", "quantity")
    data = csv_bytes([("K", products[0].reference, "good", "400.00", "9")], columns=columns)
    stock_import = run_import(seller, data)
    assert stock_import.updated_count == 1
    listing.refresh_from_db()
    assert (listing.quantity, listing.warranty_months, listing.is_active) == (9, 24, False)


def test_reuploading_the_same_file_changes_nothing(seller, products):
    data = csv_bytes([listing_row(product, f"R-{i}") for i, product in enumerate(products)])
    first = run_import(seller, data)
    assert first.created_count == 3
    before = dict(Listing.objects.values_list("sku", "updated_at"))
    second = run_import(seller, data)
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 3)
    assert dict(Listing.objects.values_list("sku", "updated_at")) == before


def test_running_the_task_twice_applies_the_import_once(seller, products):
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="x.csv",
                                       data=csv_bytes([listing_row(products[0], "T-1")]))
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()
    assert (stock_import.created_count, stock_import.processed_rows) == (1, 1)
    assert Listing.objects.filter(sku="T-1").count() == 1


def test_an_interrupted_import_resumes_after_its_last_committed_batch(seller, products, monkeypatch):
    """A worker killed mid-import: the committed batches stay, the rest applies on the re-run."""
    import sellers.stock_sync.worker as imports

    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    rows = [listing_row(products[i % 3], f"I-{i}", grade=["good", "fair", "premium", "excellent",
                                                            "good"][i]) for i in range(5)]
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="x.csv", data=csv_bytes(rows))
    real_apply = imports.listings_apply_bulk
    calls = {"n": 0}

    def dying_apply(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            real_apply(**kwargs)  # writes happen, then the worker dies before the commit
            raise SystemExit("worker lost")
        return real_apply(**kwargs)

    monkeypatch.setattr(imports, "listings_apply_bulk", dying_apply)
    with pytest.raises(SystemExit):
        stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()
    assert stock_import.processed_rows == 2
    assert Listing.objects.filter(seller=seller).count() == 2  # the half batch was rolled back

    monkeypatch.setattr(imports, "listings_apply_bulk", real_apply)
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()
    assert stock_import.status == StockImport.Status.DONE
    assert (stock_import.processed_rows, stock_import.created_count, stock_import.failed_count) == (5, 5, 0)
    assert Listing.objects.filter(seller=seller).count() == 5


# --- Mixed files: bad rows are reported, good rows apply ----------------------------------------
def test_mixed_file_reports_each_bad_row_with_line_column_and_reason(seller, products):
    sold = ListingFactory(seller=seller, product=products[0], grade=Grade.GOOD, sku="SOLD",
                          quantity=5, allocated=4)
    data = csv_bytes([
        listing_row(products[1], "OK-1"),                                   # line 2
        ("BAD-PRODUCT", "NO-SUCH-EAN", "good", "10.00", "1", "12", "yes"),   # line 3
        listing_row(products[1], "BAD-GRADE", grade="shiny"),               # line 4
        listing_row(products[1], "NEG", price="-5"),                        # line 5
        listing_row(products[1], "NAN", quantity="lots"),                   # line 6
        listing_row(products[2], "DUP"),                                    # line 7
        listing_row(products[2], "DUP", grade="fair"),                      # line 8
        listing_row(products[0], "SOLD", quantity=2),                       # line 9: below allocated
        listing_row(products[1], "SHORT-WARRANTY", warranty=6),             # line 10
        ("TOO", "FEW"),                                                     # line 11
        listing_row(products[2], "SOLD", grade="premium"),                  # line 12 dup again
    ])
    stock_import = run_import(seller, data)
    assert stock_import.status == StockImport.Status.DONE
    assert stock_import.created_count == 1
    assert stock_import.failed_count == 10
    reported = {(error["line"], error["column"]) for error in stock_import.errors}
    assert {(3, "product_reference"), (4, "grade"), (5, "price"), (6, "quantity"), (7, "sku"),
            (8, "sku"), (9, "sku"), (10, "warranty_months"), (11, "row"), (12, "sku")} <= reported
    reasons = {error["line"]: error["reason"] for error in stock_import.errors}
    assert "NO-SUCH-EAN" in reasons[3]
    assert "more than zero" in reasons[5]
    assert Listing.objects.filter(seller=seller, sku="OK-1").exists()
    sold.refresh_from_db()
    assert sold.quantity == 5


def test_rows_without_a_sku_are_told_to_give_one_not_that_it_repeats(seller, products):
    data = csv_bytes([listing_row(products[0], "  "), listing_row(products[1], ""),
                      listing_row(products[2], "KEPT")])
    stock_import = run_import(seller, data)
    assert (stock_import.created_count, stock_import.failed_count) == (1, 2)
    assert [(error["line"], error["column"], error["reason"]) for error in stock_import.errors] == [
        (2, "sku", "Enter your SKU for this offer."), (3, "sku", "Enter your SKU for this offer.")]


def test_quantity_below_allocated_fails_that_row_only(seller, products):
    sold = ListingFactory(seller=seller, product=products[0], sku="SOLD", quantity=5, allocated=4)
    other = ListingFactory(seller=seller, product=products[1], sku="FREE", quantity=5)
    data = csv_bytes([listing_row(products[0], "SOLD", quantity=3),
                      listing_row(products[1], "FREE", quantity=1)])
    stock_import = run_import(seller, data)
    assert (stock_import.updated_count, stock_import.failed_count) == (1, 1)
    assert stock_import.errors[0]["column"] == "quantity"
    assert "4 units" in stock_import.errors[0]["reason"]
    sold.refresh_from_db()
    other.refresh_from_db()
    assert (sold.quantity, other.quantity) == (5, 1)


def test_product_and_grade_of_an_existing_sku_cannot_change(seller, products):
    ListingFactory(seller=seller, product=products[0], grade=Grade.GOOD, sku="FIXED")
    stock_import = run_import(seller, csv_bytes([listing_row(products[0], "FIXED", grade="premium")]))
    assert stock_import.failed_count == 1
    assert Listing.objects.get(sku="FIXED").grade == Grade.GOOD


def test_inactive_product_cannot_get_a_new_listing(seller, products):
    products[0].is_active = False
    products[0].save()
    stock_import = run_import(seller, csv_bytes([listing_row(products[0], "OFF")]))
    assert stock_import.failed_count == 1
    assert stock_import.errors[0]["column"] == "product_reference"


def test_another_sellers_identical_sku_is_untouched(seller, products):
    theirs = ListingFactory(product=products[0], sku="SAME", quantity=7)
    stock_import = run_import(seller, csv_bytes([listing_row(products[0], "SAME", quantity=1)]))
    assert stock_import.created_count == 1
    theirs.refresh_from_db()
    assert theirs.quantity == 7


def test_formula_cells_are_stored_as_text_and_never_as_prices(seller, products):
    data = csv_bytes([
        ("=HYPERLINK(\"http://evil\")", products[0].reference, "good", "300.00", "1", "12", "yes"),
        ("F-2", products[1].reference, "good", "=1+1", "1", "12", "yes"),
        ("F-3", products[2].reference, "good", "100.00", "@SUM(A1)", "12", "yes"),
    ])
    stock_import = run_import(seller, data)
    assert stock_import.created_count == 1
    assert Listing.objects.get(seller=seller).sku == '=HYPERLINK("http://evil")'
    assert {error["column"] for error in stock_import.errors} == {"price", "quantity"}


# --- Hostile files are refused at once --------------------------------------------------------------
@pytest.mark.parametrize(("data", "message"), [
    (b"PK\x03\x04" + os.urandom(2000), "not a readable spreadsheet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2000), "old Excel file"),
    (b"\x00\x01\x02binary" * 100, "binary"),
    (b"", "empty"),
    (b"grade,price\ngood,1\n", "missing: sku"),
    (b"A-1,EAN1,good,10,1\n", "Wrong header"),
    (b"sku,product_reference,stock,quantity\nA,E,1,1\n", "repeated: quantity"),
    (b"sku,product_reference,grade,price,quantity\n", "no rows"),
    (b"\n\n", "empty"),
])
def test_hostile_files_are_refused_with_a_clear_message(seller, data, message):
    with pytest.raises(ValidationError) as excinfo:
        stock_import_create(seller=seller, uploaded_by=None, name="x.csv", data=data)
    assert message in excinfo.value.message_dict["file"][0]
    assert not StockImport.objects.exists()


def test_ten_megabytes_of_junk_is_refused_quickly(seller):
    junk = os.urandom(10 * 1024 * 1024)
    started = time.monotonic()
    with pytest.raises(ValidationError):
        stock_import_create(seller=seller, uploaded_by=None, name="junk.csv", data=junk)
    assert time.monotonic() - started < 5
    assert not StockImport.objects.exists()


def test_a_file_with_too_many_rows_is_refused_but_blank_rows_do_not_count(monkeypatch):
    import sellers.stock_sync.file_check as imports

    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    three = csv_bytes([("A", "E", "good", "1", "1", "12", "yes")] * 3)
    assert stock_file_check(three + b" , ,\n,,,,,,\n").row_count == 3
    with pytest.raises(ValidationError) as excinfo:
        stock_file_check(three + b"D,E,good,1,1,12,yes\n")
    assert "more than 3 rows" in excinfo.value.message_dict["file"][0]


def test_a_file_over_the_size_limit_is_refused(seller):
    data = csv_bytes([]) + b"x" * (20 * 1024 * 1024)
    with pytest.raises(ValidationError) as excinfo:
        stock_file_check(data)
    assert "larger than 20 MB" in excinfo.value.message_dict["file"][0]


# --- Scale ---------------------------------------------------------------------------------------
def test_a_100000_row_file_applies_in_bulk_with_few_queries(seller, django_assert_max_num_queries):
    products = ProductFactory.create_batch(25)
    grades = list(Grade.values)
    rows = [listing_row(products[i % 25], f"BIG-{i:06d}", grade=grades[(i // 25) % 4],
                        price=f"{400 + i % 300}.{i % 100:02d}", quantity=i % 50) for i in range(100_000)]
    data = csv_bytes(rows)
    started = time.monotonic()
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="big.csv", data=data)
    batches = 100_000 // BATCH_SIZE
    # Per batch: its state, its products, seller, staging table, COPY, match, insert, constraint
    # checks, the import's lock and progress, savepoints (this test runs inside a transaction), and
    # the guard on mistaken prices (the rows' listings and their products' bounds); once, the
    # `stock_import.finished` event.
    with django_assert_max_num_queries(14 + batches * 15):
        stock_import_apply(stock_import_id=stock_import.pk)
    elapsed = time.monotonic() - started
    stock_import.refresh_from_db()
    assert (stock_import.created_count, stock_import.failed_count) == (100_000, 0)
    assert Listing.objects.filter(seller=seller).count() == 100_000
    assert elapsed < 60, elapsed

    again = stock_import_create(seller=seller, uploaded_by=None, name="big.csv", data=data)
    stock_import_apply(stock_import_id=again.pk)
    again.refresh_from_db()
    assert (again.unchanged_count, again.updated_count, again.created_count) == (100_000, 0, 0)


# --- Visible to shoppers on the next request --------------------------------------------------------
def test_a_csv_price_change_wins_the_buy_box_on_the_next_request(seller, products):
    rival = ListingFactory(product=products[0], grade=Grade.GOOD, price=Decimal("300.00"))
    mine = ListingFactory(seller=seller, product=products[0], grade=Grade.GOOD, sku="MINE",
                          price=Decimal("350.00"))
    assert buy_boxes(product_ids=[products[0].pk])[(products[0].pk, "good")] == rival
    run_import(seller, csv_bytes([listing_row(products[0], "MINE", price="299.00")]))
    assert buy_boxes(product_ids=[products[0].pk])[(products[0].pk, "good")] == mine
    run_import(seller, csv_bytes([listing_row(products[0], "MINE", price="299.00", quantity=0)]))
    assert buy_boxes(product_ids=[products[0].pk])[(products[0].pk, "good")] == rival


# --- Pages ---------------------------------------------------------------------------------------
@pytest.fixture
def seller_client(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    client.seller = member.seller
    return client


def test_upload_page_applies_a_file_and_shows_the_report(seller_client, products,
                                                         django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = csv_bytes([listing_row(products[0], "P-1"), listing_row(products[1], "P-2", price="abc")])
    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(reverse("sellers:stock_imports"),
                                      {"file": SimpleUploadedFile("mine.csv", data, "text/csv")})
    stock_import = StockImport.objects.get(seller=seller_client.seller)
    assert response.status_code == 302
    assert response["Location"] == reverse("sellers:stock_import", args=[stock_import.pk])
    page = seller_client.get(response["Location"])
    content = page.content.decode()
    assert stock_import.status == StockImport.Status.DONE  # eager Celery applied it on commit
    assert "2 of 2 rows processed" in content
    assert "“abc” is not a number." in content
    assert 'hx-trigger="every 1s"' not in content  # finished: polling stops
    report = seller_client.get(reverse("sellers:stock_import_errors", args=[stock_import.pk]))
    text = report.content.decode("utf-8")
    assert text.splitlines()[1] == ",".join(listing_row(products[1], "P-2", price="abc")) + \
        ",3,price: “abc” is not a number."


def test_progress_counts_are_grouped_for_the_readers_language(seller_client):
    import re

    stock_import = StockImport.objects.create(
        seller=seller_client.seller, original_name="big.csv", sha256="z", status=StockImport.Status.DONE,
        total_rows=12_500, processed_rows=12_500, created_count=11_250, updated_count=1_250)
    url = reverse("sellers:stock_import", args=[stock_import.pk])
    english = seller_client.get(url).content.decode()
    assert "12,500 of 12,500 rows processed" in english and "11,250" in english
    french = seller_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert re.search(r"12[\s\u202f\xa0]500 lignes traitées sur 12[\s\u202f\xa0]500", french)


def test_upload_page_refuses_a_bad_file_with_its_reason(seller_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = seller_client.post(reverse("sellers:stock_imports"),
                                  {"file": SimpleUploadedFile("x.csv", b"hello,world\n1,2\n", "text/csv")})
    assert response.status_code == 200
    assert "Wrong header" in response.content.decode()
    assert not StockImport.objects.exists()


def test_progress_polls_while_queued(seller_client):
    stock_import = StockImport.objects.create(seller=seller_client.seller, original_name="q.csv",
                                              sha256="x", total_rows=10, processed_rows=4,
                                              status=StockImport.Status.RUNNING)
    response = seller_client.get(reverse("sellers:stock_import_progress", args=[stock_import.pk]))
    content = response.content.decode()
    assert 'hx-trigger="every 1s"' in content
    assert 'aria-valuenow="40"' in content


def test_another_sellers_import_is_a_404(seller_client):
    theirs = StockImport.objects.create(seller=SellerFactory(), original_name="t.csv", sha256="x")
    for name in ("sellers:stock_import", "sellers:stock_import_progress", "sellers:stock_import_errors"):
        assert seller_client.get(reverse(name, args=[theirs.pk])).status_code == 404


def test_export_round_trips_and_neutralises_formulas(seller_client, products):
    seller = seller_client.seller
    ListingFactory(seller=seller, product=products[0], sku="=cmd|' /C calc'!A0", price=Decimal("10.00"))
    ListingFactory(seller=seller, product=products[1], sku="+PLAIN", grade=Grade.FAIR)
    ListingFactory(product=products[2], sku="NOT-MINE")
    response = seller_client.get(reverse("sellers:stock_export"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == ("sku,product_reference,grade,price,quantity,warranty_months,active,"
                        "battery,charger,cable,original_box,unlocked,esim,buy_box,buy_box_price,"
                        "buy_box_effective_price,runner_up_price,max_winning_price,price_to_win,"
                        "competing_offers")
    assert any(line.startswith("'=cmd|' /C calc'!A0,") for line in lines)
    assert any(line.startswith("'+PLAIN,") for line in lines)
    assert "NOT-MINE" not in text
    stock_import = run_import(seller, text.encode("utf-8"))
    assert (stock_import.unchanged_count, stock_import.failed_count) == (2, 0)


def test_template_download_is_a_valid_import_file(seller_client):
    response = seller_client.get(reverse("sellers:stock_template"))
    data = b"".join(response.streaming_content)
    checked = stock_file_check(data)
    assert checked.row_count == 1


def test_recent_imports_list_has_a_fixed_query_count(seller_client, django_assert_max_num_queries):
    for count in (1, 30):
        StockImport.objects.bulk_create([StockImport(seller=seller_client.seller, original_name=f"{i}.csv",
                                                     sha256="x") for i in range(count)])
        with django_assert_max_num_queries(8):
            assert seller_client.get(reverse("sellers:stock_imports")).status_code == 200


def test_sql_uses_no_per_row_queries_for_a_batch(seller, products):
    from django.test.utils import CaptureQueriesContext

    data = csv_bytes([listing_row(products[i % 3], f"Q-{i}", grade=["good", "fair", "premium",
                                                                     "excellent"][i % 4], quantity=i)
                      for i in range(200)])
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="q.csv", data=data)
    with CaptureQueriesContext(connection) as queries:
        stock_import_apply(stock_import_id=stock_import.pk)
    assert len(queries) < 26  # 2 of them: the guard on mistaken prices; 4: the finished event


# --- The set-based apply: staging table, cache invalidation, the portable path ---------------------
def test_changed_products_are_invalidated_after_commit_and_unchanged_ones_are_not(
        seller, products, django_capture_on_commit_callbacks):
    from catalog.cache import product_versions

    ListingFactory(seller=seller, product=products[0], grade=Grade.GOOD, sku="SAME", price=Decimal("399.00"),
                   quantity=5)
    ListingFactory(seller=seller, product=products[1], grade=Grade.GOOD, sku="CHANGED",
                   price=Decimal("500.00"), quantity=5)
    ids = [product.pk for product in products]
    before = product_versions(ids)
    data = csv_bytes([listing_row(products[0], "SAME"), listing_row(products[1], "CHANGED", price="450.00"),
                      listing_row(products[2], "NEW")])
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="c.csv", data=data)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stock_import_apply(stock_import_id=stock_import.pk)
    assert callbacks  # invalidation waits for the batch's commit
    after = product_versions(ids)
    assert after[products[0].pk] == before[products[0].pk]
    assert after[products[1].pk] != before[products[1].pk]
    assert after[products[2].pk] != before[products[2].pk]


def test_a_failed_row_invalidates_nothing(seller, products, django_capture_on_commit_callbacks):
    ListingFactory(seller=seller, product=products[0], sku="SOLD", quantity=5, allocated=4)
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="c.csv",
                                       data=csv_bytes([listing_row(products[0], "SOLD", quantity=1)]))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stock_import_apply(stock_import_id=stock_import.pk)
    assert callbacks == []


def test_bulk_rows_without_a_price_keep_the_listing_price(seller, products):
    from django.db import transaction

    from sellers.stock_sync import RowInput, listings_apply_bulk

    listing = ListingFactory(seller=seller, product=products[0], sku="API-1", price=Decimal("300.00"),
                             quantity=2, warranty_months=24, is_active=False)
    before = Listing.objects.get(pk=listing.pk).updated_at
    with transaction.atomic():
        results = listings_apply_bulk(seller=seller, allow_create=False, rows=[
            RowInput(key=0, sku="API-1", quantity=7), RowInput(key=1, sku="NOPE", quantity=1),
            RowInput(key=2, sku="API-1-TWIN", price=Decimal("1.00")), RowInput(key=3, sku="", quantity=1)])
    assert [(r.key, r.status, r.listing_id) for r in results] == [
        (0, "updated", listing.pk), (1, "failed", None), (2, "failed", None), (3, "failed", None)]
    assert "no listing with the SKU NOPE" in results[1].errors["sku"][0]
    listing.refresh_from_db()
    assert (listing.price, listing.quantity, listing.warranty_months, listing.is_active) == (
        Decimal("300.00"), 7, 24, False)
    assert listing.updated_at > before
    assert not Listing.objects.filter(sku__in=["NOPE", "API-1-TWIN"]).exists()


def test_the_planner_settings_of_a_batch_do_not_outlive_it(seller, products):
    run_import(seller, csv_bytes([listing_row(products[0], "PLAN")]))
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_nestloop")
        assert cursor.fetchone()[0] == "on"


def _mixed_scenario(seller, products):
    """Every outcome at once; returns the import and the seller's listings as plain tuples."""
    ListingFactory(seller=seller, product=products[0], grade=Grade.GOOD, sku="KEEP", price=Decimal("399.00"),
                   quantity=5)
    ListingFactory(seller=seller, product=products[0], grade=Grade.FAIR, sku="MOVE", price=Decimal("300.00"),
                   quantity=5)
    ListingFactory(seller=seller, product=products[1], grade=Grade.GOOD, sku="HELD", price=Decimal("400.00"),
                   quantity=5, allocated=3)
    ListingFactory(seller=seller, product=products[1], grade=Grade.FAIR, sku="OTHER-GRADE",
                   price=Decimal("250.00"), quantity=1)
    products[2].is_active = False
    products[2].save()
    data = csv_bytes([
        listing_row(products[0], "KEEP"),                                  # unchanged
        listing_row(products[0], "MOVE", grade="fair", price="290.00", warranty=24, active="no"),  # updated
        listing_row(products[1], "HELD", quantity=2),                      # below allocated
        listing_row(products[1], "HELD-OK", quantity=2),                   # created
        listing_row(products[1], "OTHER-GRADE", grade="premium"),          # grade cannot change
        listing_row(products[2], "OFF-SALE"),                              # inactive product
        ("BAD", products[0].reference, "good", "0", "1", "12", "yes"),     # invalid price
    ])
    stock_import = run_import(seller, data)
    listings = sorted(Listing.objects.filter(seller=seller).values_list(
        "sku", "product_id", "grade", "price", "quantity", "allocated", "warranty_months", "is_active"))
    return stock_import, listings


@pytest.mark.parametrize("path", ["postgresql", "portable"])
def test_every_outcome_of_a_mixed_file_on_both_paths(seller, products, path, monkeypatch):
    """The portable path (SQLite under `make run`) and the COPY path agree on every outcome."""
    from sellers.ledger import bulk

    if path == "portable":
        monkeypatch.setattr(bulk, "_apply_postgresql", bulk._apply_portable)
    stock_import, listings = _mixed_scenario(seller, products)
    assert (stock_import.created_count, stock_import.updated_count, stock_import.unchanged_count,
            stock_import.failed_count) == (1, 1, 1, 4)
    assert sorted((error["line"], error["column"]) for error in stock_import.errors) == [
        (4, "quantity"), (6, "sku"), (7, "product_reference"), (8, "price")]
    assert listings == sorted([
        ("KEEP", products[0].pk, "good", Decimal("399.00"), 5, 0, 12, True),
        ("MOVE", products[0].pk, "fair", Decimal("290.00"), 5, 0, 24, False),
        ("HELD", products[1].pk, "good", Decimal("400.00"), 5, 3, 12, True),
        ("HELD-OK", products[1].pk, "good", Decimal("399.00"), 2, 0, 12, True),
        ("OTHER-GRADE", products[1].pk, "fair", Decimal("250.00"), 1, 0, 12, True),
    ])
    again = run_import(seller, csv_bytes([listing_row(products[0], "KEEP"), listing_row(
        products[0], "MOVE", grade="fair", price="290.00", warranty=24, active="no")]))
    assert (again.unchanged_count, again.updated_count, again.created_count) == (2, 0, 0)
