"""Stock files as sellers make them: encodings, separators, partial files and headers in four
languages, numbers in the seller's locale, grade and yes/no words, identifiers spreadsheets mangle."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.models import Grade
from marketplace.numbers import NumberError, parse_decimal
from sellers.models import Listing
from sellers.stock_sync import stock_file_check, stock_import_apply, stock_import_create
from sellers.stock_sync.rows import ean13_valid
from tests.factories import ListingFactory, ProductFactory, SellerFactory
from tests.sellers.factories_stock import csv_bytes, listing_row

pytestmark = pytest.mark.django_db


def run_import(seller, data, name="stock.csv", sheet=""):
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name=name, data=data, sheet=sheet)
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()
    return stock_import


def errors_by_line(stock_import):
    found = {}
    for error in stock_import.errors:
        found.setdefault(error["line"], []).append(error["reason"])
    return found


@pytest.fixture
def seller():
    return SellerFactory()


@pytest.fixture
def products():
    # Price new 4.00: the files' cheap prices (1.05, 89.90) pass the guard on mistaken prices.
    return ProductFactory.create_batch(3, model__reference_price_new=Decimal("4.00"))


# --- 1. Encodings ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("encoding", "bom", "read_as"), [
    ("utf-8", False, "utf-8"), ("utf-8", True, "utf-8-sig"), ("cp1252", False, "cp1252"),
    ("utf-16", False, "utf-16"),  # Python's utf-16 codec writes the BOM, as Excel does
])
def test_each_encoding_is_detected_per_file_and_named_in_the_report(seller, products, encoding, bom, read_as):
    data = csv_bytes([listing_row(products[0], "ÉTÉ-€-1")], encoding=encoding, bom=bom,
                     delimiter="\t" if encoding == "utf-16" else ",")
    stock_import = run_import(seller, data)
    assert stock_import.encoding == read_as
    assert stock_import.created_count == 1, stock_import.errors
    assert Listing.objects.get(seller=seller).sku == "ÉTÉ-€-1"


def test_one_nul_or_control_character_fails_its_row_with_its_line_not_the_file(seller, products):
    rows = [listing_row(products[0], f"N-{index}") for index in range(50)]
    rows[10] = listing_row(products[0], "N-\x0010")
    rows[20] = listing_row(products[0], "N-\x0720")
    stock_import = run_import(seller, csv_bytes(rows))
    assert stock_import.created_count == 48
    lines = errors_by_line(stock_import)
    assert set(lines) == {12, 22}
    assert "control character" in lines[12][0] and "code 0" in lines[12][0]


def test_an_undecodable_byte_fails_its_row_and_the_rest_of_the_utf8_file_imports(seller, products):
    rows = [listing_row(products[0], f"U-{index}-é") for index in range(30)]
    data = csv_bytes(rows).replace(b"U-7-\xc3\xa9", b"U-7-\xe9")  # one CP1252 byte in a UTF-8 file
    stock_import = run_import(seller, data)
    assert stock_import.encoding == "utf-8"
    assert stock_import.created_count == 29
    assert list(errors_by_line(stock_import)) == [9]
    assert "not text in utf-8" in stock_import.errors[0]["reason"]


# --- 2. Dialects -----------------------------------------------------------------------------------
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_comma_semicolon_and_tab_are_sniffed_with_crlf_and_quoted_newlines(seller, products, delimiter):
    data = csv_bytes([listing_row(products[0], "D-1"), listing_row(products[1], "D-2")],
                     delimiter=delimiter).replace(b"\n", b"\r\n")
    data = data.replace(b"D-2", b'"D-2' + b'"')  # a quoted field
    checked = stock_file_check(data)
    assert checked.delimiter == delimiter
    stock_import = run_import(seller, data)
    assert stock_import.created_count == 2, stock_import.errors


def test_a_quoted_field_with_a_line_break_is_one_row_and_the_next_row_keeps_its_line(seller, products):
    data = (b'sku;grade;price;quantity;product_reference;extra\r\n'
            b'Q-1;good;10,00;1;' + products[0].reference.encode() + b';"two\r\nlines"\r\n'
            b'Q-2;good;10,00;1;NO-SUCH;x\r\n')
    stock_import = run_import(seller, data)
    assert stock_import.created_count == 1
    assert list(errors_by_line(stock_import)) == [4]


# --- 3. Partial files and headers --------------------------------------------------------------------
def test_a_stock_only_file_changes_only_quantities(seller, products):
    listing = ListingFactory(seller=seller, product=products[0], sku="S-1",
                             price=Decimal("100.00"), quantity=1)
    stock_import = run_import(seller, b"sku;quantity\r\nS-1;7\r\n")
    listing.refresh_from_db()
    assert stock_import.updated_count == 1
    assert (listing.price, listing.quantity) == (Decimal("100.00"), 7)


def test_a_price_only_file_changes_only_prices(seller, products):
    listing = ListingFactory(seller=seller, product=products[0], sku="P-1",
                             price=Decimal("100.00"), quantity=4)
    stock_import = run_import(seller, "Référence vendeur;Prix\nP-1;89,90 €\n".encode("cp1252"))
    listing.refresh_from_db()
    assert stock_import.updated_count == 1, stock_import.errors
    assert (listing.price, listing.quantity) == (Decimal("89.90"), 4)


def test_a_new_sku_in_a_partial_file_is_a_row_error_naming_what_it_needs(seller, products):
    stock_import = run_import(seller, b"sku,quantity\nNEW-1,3\n")
    assert stock_import.failed_count == 1 and not Listing.objects.filter(seller=seller).exists()
    assert "product_reference, grade, price" in stock_import.errors[0]["reason"]


def test_a_blank_product_reference_on_an_existing_sku_is_fine(seller, products):
    listing = ListingFactory(seller=seller, product=products[0], grade=Grade.GOOD, sku="B-1", quantity=1)
    data = csv_bytes([("B-1", "", "good", "399.00", "6", "12", "yes")])
    stock_import = run_import(seller, data)
    assert stock_import.failed_count == 0, stock_import.errors
    listing.refresh_from_db()
    assert listing.quantity == 6


def test_another_grade_without_a_reference_on_an_existing_sku_is_refused_not_ignored(seller, products):
    listing = ListingFactory(seller=seller, product=products[0], grade=Grade.GOOD, sku="G-1", quantity=1)
    stock_import = run_import(seller, "sku;état;quantité\nG-1;Très bon état;6\nG-1b;;1\n".encode())
    assert (stock_import.updated_count, stock_import.failed_count) == (0, 2)
    assert "product and grade of a listing cannot change" in errors_by_line(stock_import)[2][0]
    listing.refresh_from_db()
    assert (listing.grade, listing.quantity) == (Grade.GOOD, 1)
    same = run_import(seller, b"sku,grade,quantity\nG-1,good,6\n")  # the same grade: a stock change
    listing.refresh_from_db()
    assert same.updated_count == 1 and listing.quantity == 6


def test_headers_in_other_languages_and_cases_with_unknown_columns_listed_once(seller, products):
    header = "SKU;EAN;État;Prix;Quantité;Garantie;Actif;Couleur;Notes"
    body = f"H-1;{products[0].reference};Très bon état;249,90;3;24;oui;noir;x\n" \
           f"H-2;{products[1].reference};Bon état;199,00;1;12;non;blanc;y\n"
    stock_import = run_import(seller, (header + "\n" + body).encode("cp1252"))
    assert stock_import.created_count == 2, stock_import.errors
    assert stock_import.notices == ["Columns ignored (not ours): Couleur, Notes."]
    first = Listing.objects.get(seller=seller, sku="H-1")
    assert (first.grade, first.price, first.warranty_months, first.is_active) == (
        "excellent", Decimal("249.90"), 24, True)
    assert Listing.objects.get(seller=seller, sku="H-2").is_active is False


@pytest.mark.parametrize("header", ["gtin,stock,precio,estado,sku", "Reference,QTY,Price,Grade,Sku",
                                    "ean,menge,preis,zustand,sku"])
def test_header_synonyms_map_to_the_documented_columns(header):
    checked = stock_file_check(f"{header}\n1,2,3,good,A\n".encode())
    assert checked.columns == ("product_reference", "quantity", "price", "grade", "sku")


# --- 4. Numbers in the seller's locale --------------------------------------------------------------
@pytest.mark.parametrize(("text", "value"), [
    ("599,00", "599.00"), ("599.00", "599.00"), ("1 049,00", "1049.00"), ("1\u00a0049,00", "1049.00"),
    ("1\u202f049,00", "1049.00"), ("1.049,00", "1049.00"), ("1,049.00", "1049.00"), ("1'049.00", "1049.00"),
    ("547,00 €", "547.00"), ("€547.00", "547.00"), ("EUR 12,5", "12.5"), ("12.5 EUR", "12.5"),
    ("0,500", "0.500"), ("1.049.000", "1049000"), ("7", "7"),
])
def test_numbers_are_read_in_any_western_european_locale(text, value):
    assert parse_decimal(text) == Decimal(value)


def test_an_ambiguous_number_is_refused_saying_why_unless_the_file_tells():
    with pytest.raises(NumberError, match="ambiguous: 1049 or 1.049"):
        parse_decimal("1,049")
    assert parse_decimal("1,049", decimal_mark=",") == Decimal("1.049")
    assert parse_decimal("1,049", decimal_mark=".") == Decimal("1049")
    with pytest.raises(NumberError):
        parse_decimal("12,34.5")


@pytest.mark.parametrize(("values", "mark"), [
    ({"20,50", "1,049"}, ","), ({"20.50", "1,049\u00a0€"}, "."), ({"1.049", "3,5"}, ","),
    ({"1 0 49", "2,5"}, None),  # no single separator before three digits: nothing ambiguous
    ({"20.50", "7", "1 049,00"}, None),  # nothing is ambiguous: the mark is never needed
    ({"1,049", "2.5", "3,25"}, None),  # the file disagrees with itself
])
def test_the_files_decimal_mark_is_read_only_where_a_value_needs_it(values, mark):
    from marketplace.numbers import file_decimal_mark

    assert file_decimal_mark(values) == mark


def test_an_ambiguous_price_is_a_row_error_in_a_file_without_other_hints(seller, products):
    data = csv_bytes([listing_row(products[0], "A-1", price="1,049"),
                      listing_row(products[1], "A-2", price="20")])
    stock_import = run_import(seller, data)
    assert stock_import.created_count == 1
    assert "ambiguous" in errors_by_line(stock_import)[2][0]


def test_an_ambiguous_price_is_read_by_the_files_other_prices(seller, products):
    data = csv_bytes([listing_row(products[0], "A-1", price="1,049"),
                      listing_row(products[1], "A-2", price="20,50")], delimiter=";")
    stock_import = run_import(seller, data)
    assert stock_import.created_count == 2, stock_import.errors
    assert Listing.objects.get(sku="A-1").price == Decimal("1.05")


# --- 5. Words ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("word", "grade"), [
    ("Excellent", "excellent"), ("Très bon état", "excellent"), ("Excelente", "excellent"),
    ("Sehr gut", "excellent"), ("Comme neuf", "premium"), ("Bon état", "good"), ("Bueno", "good"),
    ("Gut", "good"), ("Correct", "fair"), ("FAIR", "fair"),
])
def test_grade_names_in_four_languages_are_read(seller, products, word, grade):
    stock_import = run_import(seller, csv_bytes([listing_row(products[0], "G-1", grade=word)]))
    assert stock_import.created_count == 1, stock_import.errors
    assert Listing.objects.get(sku="G-1").grade == grade


@pytest.mark.parametrize(("word", "active"), [
    ("oui", True), ("sí", True), ("Ja", True), ("yes", True), ("true", True), ("1", True),
    ("non", False), ("no", False), ("nein", False), ("0", False),
])
def test_yes_and_no_in_four_languages_are_read(seller, products, word, active):
    stock_import = run_import(seller, csv_bytes([listing_row(products[0], "B-1", active=word)]))
    assert stock_import.created_count == 1, stock_import.errors
    assert Listing.objects.get(sku="B-1").is_active is active


# --- 6. Identifiers spreadsheets mangle ----------------------------------------------------------------
def test_an_ean_in_scientific_notation_is_a_row_error_saying_how_to_fix_it_in_excel(seller, products):
    data = csv_bytes([listing_row(products[0], "E-1")], delimiter=";").replace(products[0].reference.encode(),
                                                                               b"3,5901E+12")
    stock_import = run_import(seller, data)
    assert stock_import.failed_count == 1
    reason = stock_import.errors[0]["reason"]
    assert "scientific notation" in reason and "Format Cells › Text" in reason


def test_a_twelve_digit_code_is_read_as_its_ean13_with_the_leading_zero_and_the_report_says_so(seller):
    code = next(f"0{body:011d}{digit}" for body in range(12345678901, 12345679901) for digit in range(10)
                if ean13_valid(f"0{body:011d}{digit}"))
    product = ProductFactory(reference=code)
    stock_import = run_import(seller, csv_bytes([listing_row(product, "Z-1")]).replace(code.encode(),
                                                                                       code[1:].encode()))
    assert stock_import.created_count == 1, stock_import.errors
    assert Listing.objects.get(sku="Z-1").product == product
    assert any("leading zero" in notice and code[1:] in notice for notice in stock_import.notices)


def test_a_twelve_digit_code_whose_check_digit_is_wrong_is_not_padded(seller):
    code = next(f"0{body:011d}{digit}" for body in range(12345678901, 12345679901) for digit in range(10)
                if ean13_valid(f"0{body:011d}{digit}"))
    ProductFactory(reference=code)
    wrong = code[1:-1] + str((int(code[-1]) + 1) % 10)
    stock_import = run_import(seller, csv_bytes([("Z-1", wrong, "good", "10", "1", "12", "yes")]))
    assert stock_import.failed_count == 1 and stock_import.notices == []


def test_an_old_xls_file_is_refused_with_a_way_out():
    with pytest.raises(ValidationError, match="xlsx"):
        stock_file_check(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)

