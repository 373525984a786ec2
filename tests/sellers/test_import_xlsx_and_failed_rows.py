"""The failed-rows file a seller fixes and uploads again, XLSX uploads and the XLSX export."""
import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from sellers.models import Listing, StockImport
from sellers.stock_sync import stock_file_check, stock_import_apply, stock_import_create
from sellers.stock_sync.failed_rows import failed_rows_file
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory

pytestmark = pytest.mark.django_db


def run_import(seller, data, name="stock.csv", sheet=""):
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name=name, data=data, sheet=sheet)
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()
    return stock_import


def workbook(rows, *, sheets=("Stock",), target=0) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for index, title in enumerate(sheets):
        sheet = book.create_sheet(title)
        for row in (rows if index == target else [("other",), ("x",)]):
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def seller():
    return SellerFactory()


@pytest.fixture
def products():
    # Price new 300: the files' cheap prices pass the guard on mistaken prices (a quarter of it).
    return ProductFactory.create_batch(3, model__reference_price_new=Decimal("300.00"))


# --- 7. The failed rows, as uploaded ---------------------------------------------------------------
def test_failed_rows_come_back_as_uploaded_in_cp1252_with_semicolons_plus_line_and_reason(seller, products):
    text = ("SKU;EAN;État;Prix;Quantité;Remarque\r\n"
            f"OK-1;{products[0].reference};Très bon état;249,90;3;à revoir\r\n"
            f"BAD-é;{products[1].reference};Très bon état;abc;3;prix à corriger\r\n"
            "NEW-2;NO-SUCH;Bon état;10,00;1;\r\n")
    stock_import = run_import(seller, text.encode("cp1252"))
    assert stock_import.failed_count == 2
    content, content_type, filename = failed_rows_file(stock_import=stock_import)
    assert content_type == "text/csv; charset=windows-1252" and filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(content.decode("cp1252")), delimiter=";"))
    assert rows[0] == ["SKU", "EAN", "État", "Prix", "Quantité", "Remarque", "line", "reason"]
    assert rows[1][:6] == ["BAD-é", products[1].reference, "Très bon état", "abc", "3", "prix à corriger"]
    assert rows[1][6] == "3" and "“abc” is not a number" in rows[1][7]
    assert rows[2][0] == "NEW-2" and rows[2][6] == "4" and "NO-SUCH" in rows[2][7]
    assert len(rows) == 3


def test_the_failed_rows_file_fixed_and_uploaded_again_imports(seller, products):
    text = f"sku\tproduct_reference\tgrade\tprice\tquantity\nT-1\t{products[0].reference}\tgood\t-1\t2\n"
    first = run_import(seller, text.encode("utf-16"))
    content, _type, _name = failed_rows_file(stock_import=first)
    assert content[:2] == b"\xff\xfe"  # UTF-16 again, with its byte order mark
    fixed = content.decode("utf-16").replace("'-1", "99,00")  # the export quoted the formula-like -1
    again = run_import(seller, fixed.encode("utf-16"))
    assert again.created_count == 1, again.errors
    assert again.notices == ["Columns ignored (not ours): line, reason."]
    assert Listing.objects.get(seller=seller, sku="T-1").price == Decimal("99.00")


def test_the_failed_rows_download_of_a_workbook_is_a_workbook(seller, products):
    data = workbook([("sku", "product_reference", "grade", "price", "quantity"),
                     ("X-1", products[0].reference, "good", "-5", 2)])
    stock_import = run_import(seller, data, name="stock.xlsx")
    content, content_type, filename = failed_rows_file(stock_import=stock_import)
    assert filename.endswith(".xlsx") and "spreadsheetml" in content_type
    rows = list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("sku", "product_reference", "grade", "price", "quantity", "line", "reason")
    assert rows[1][:5] == ("X-1", products[0].reference, "good", "'-5", "2") and rows[1][5] == "2"


def test_the_failed_rows_page_link_is_the_sellers_own(client, seller, products):
    member = SellerMemberFactory(seller=seller)
    client.force_login(member.user)
    data = f"sku;product_reference;grade;price;quantity\nA;{products[0].reference};good;x;1\n".encode()
    stock_import = run_import(seller, data)
    response = client.get(reverse("sellers:stock_import_errors", args=[stock_import.pk]))
    assert response.status_code == 200 and b"A;" in response.content
    other = run_import(SellerFactory(), b"sku;quantity\nB;1\n")
    assert client.get(reverse("sellers:stock_import_errors", args=[other.pk])).status_code == 404


# --- 8. XLSX upload and export ------------------------------------------------------------------------
def test_an_xlsx_workbooks_first_sheet_imports_with_numbers_as_cells(seller, products):
    data = workbook([("SKU", "EAN", "Grade", "Price", "Qty"),
                     ("W-1", products[0].reference, "Excellent", 249.9, 3),
                     (None, None, None, None, None),
                     ("W-2", products[1].reference, "good", "199,00", 1.0)])
    stock_import = run_import(seller, data, name="stock.xlsx")
    assert stock_import.encoding == "xlsx"
    assert stock_import.created_count == 2, stock_import.errors
    assert Listing.objects.get(sku="W-1").price == Decimal("249.90")
    assert Listing.objects.get(sku="W-2").quantity == 1


def test_a_named_sheet_is_read_and_a_missing_one_is_refused_naming_the_sheets(seller, products):
    data = workbook([("sku", "quantity"), ("N-1", 4)], sheets=("Notes", "Stock"), target=1)
    ListingFactory(seller=seller, product=products[0], sku="N-1", quantity=1)
    stock_import = run_import(seller, data, name="stock.xlsx", sheet="Stock")
    assert stock_import.updated_count == 1 and stock_import.sheet_name == "Stock"
    with pytest.raises(ValidationError, match="Notes, Stock"):
        stock_file_check(data, sheet="Prices")


def test_an_xlsx_over_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr("sellers.stock_sync.file_check.MAX_ROWS", 3)
    data = workbook([("sku", "quantity"), *[(f"R-{n}", 1) for n in range(5)]])
    with pytest.raises(ValidationError, match="more than 3 rows"):
        stock_file_check(data)


def test_the_upload_page_offers_csv_xlsx_and_ods(client, seller):
    client.force_login(SellerMemberFactory(seller=seller).user)
    page = client.get(reverse("sellers:stock_imports")).content.decode()
    assert ".xlsx,.xls,.ods" in page and "spreadsheets (.ods) are read as they are" in page
    assert f'action="{reverse("sellers:listing_exports")}"' in page and 'value="xlsx"' in page
    assert 'name="sheet"' in page


def test_an_uploaded_workbook_downloads_again_as_a_workbook(client, seller, products):
    client.force_login(SellerMemberFactory(seller=seller).user)
    stock_import = run_import(seller, workbook([("sku", "quantity"), ("W", 1)]), name="mine.xlsx")
    response = client.get(reverse("sellers:stock_import_file", args=[stock_import.pk]))
    assert "spreadsheetml" in response["Content-Type"]
    assert b"".join(response.streaming_content)[:4] == b"PK\x03\x04"


def test_the_xlsx_export_is_text_cells_and_formula_safe(client, seller, products):
    member = SellerMemberFactory(seller=seller)
    client.force_login(member.user)
    ListingFactory(seller=seller, product=products[0], sku="=HYPERLINK(\"x\")", quantity=2)
    response = client.get(reverse("sellers:stock_export_xlsx"))
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("sku", "product_reference", "grade")
    assert rows[1][0] == "'=HYPERLINK(\"x\")" and rows[1][1] == products[0].reference
    # Every cell written is text; the device details the seller has not stated are left empty.
    assert all(isinstance(cell, str) for cell in rows[1] if cell is not None)
    assert rows[1][:7] == tuple(str(cell) for cell in rows[1][:7])
    assert StockImport.objects.count() == 0


# --- ODS and XLS workbooks, control characters in cells ---------------------------------------------
def test_an_ods_spreadsheet_imports_and_its_failed_rows_come_back_as_a_workbook(client, seller, products):
    from tests.sellers.files.make_files import ods_bytes

    data = ods_bytes([("sku", "product_reference", "grade", "price", "quantity"),
                      ("OD-1", products[0].reference, "Très bon état", 249.9, 3),
                      ("OD-2", products[1].reference, "good", "abc", 1)], sheet="Feuille1")
    stock_import = run_import(seller, data, name="stock.ods")
    assert (stock_import.encoding, stock_import.created_count, stock_import.failed_count) == ("ods", 1, 1)
    assert Listing.objects.get(seller=seller, sku="OD-1").price == Decimal("249.90")
    content, content_type, filename = failed_rows_file(stock_import=stock_import)
    assert "spreadsheetml" in content_type and filename.endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[1][:5] == ("OD-2", products[1].reference, "good", "abc", "1") and rows[1][5] == "3"
    client.force_login(SellerMemberFactory(seller=seller).user)
    page = client.get(reverse("sellers:stock_import", args=[stock_import.pk])).content.decode()
    assert "Read as an OpenDocument spreadsheet (.ods)" in page


def test_a_workbook_cell_with_a_control_character_fails_its_row_with_its_line(seller, products):
    data = workbook([("sku", "product_reference", "grade", "price", "quantity"),
                     ("W-1", products[0].reference, "good", 100, 1),
                     # How a workbook stores a control character (here U+0002): as Excel's _x0002_.
                     ("W-_x0002_", products[0].reference, "good", 100, 1)])
    stock_import = run_import(seller, data, name="stock.xlsx")
    assert (stock_import.created_count, stock_import.failed_count) == (1, 1)
    assert stock_import.errors[0]["line"] == 3 and "control character" in stock_import.errors[0]["reason"]


def test_an_unreadable_old_excel_file_says_how_to_save_it():
    with pytest.raises(ValidationError, match="old Excel file"):
        stock_file_check(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
