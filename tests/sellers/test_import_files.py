"""Each file of tests/sellers/files (written the way Excel, Google Sheets, LibreOffice and openpyxl
write them; see its README) imports as expected."""
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.models import Grade
from sellers.models import Listing
from sellers.stock_sync import stock_import_apply, stock_import_create
from tests.factories import ProductFactory, SellerFactory

pytestmark = pytest.mark.django_db

FILES = Path(__file__).resolve().parent / "files"
REFERENCES = ("3700000000013", "3700000000020", "0700000000016")


@pytest.fixture
def products():
    # Price new 300: the file's cheap prices pass the guard on mistaken prices (a quarter of it).
    return [ProductFactory(reference=reference, model__reference_price_new=Decimal("300.00"))
            for reference in REFERENCES]


@pytest.mark.parametrize(("name", "prefix", "encoding", "grades"), [
    ("excel_fr.csv", "FR", "cp1252", (Grade.EXCELLENT, Grade.GOOD, Grade.PREMIUM)),
    ("excel_unicode_text.txt", "FR", "utf-16", (Grade.EXCELLENT, Grade.GOOD, Grade.PREMIUM)),
    ("excel_csv_utf8.csv", "EN", "utf-8-sig", (Grade.EXCELLENT, Grade.GOOD, Grade.PREMIUM)),
    ("google_sheets.csv", "EN", "utf-8", (Grade.EXCELLENT, Grade.GOOD, Grade.PREMIUM)),
    ("libreoffice.csv", "ES", "utf-8", (Grade.EXCELLENT, Grade.GOOD, Grade.PREMIUM)),
    ("openpyxl.xlsx", "XL", "xlsx", (Grade.EXCELLENT, Grade.GOOD, Grade.PREMIUM)),
    ("libreoffice.ods", "OD", "ods", (Grade.EXCELLENT, Grade.GOOD, Grade.PREMIUM)),
])
def test_each_real_world_file_imports_as_expected(products, name, prefix, encoding, grades):
    seller = SellerFactory()
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name=name,
                                       data=(FILES / name).read_bytes())
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()
    assert stock_import.encoding == encoding
    assert (stock_import.created_count, stock_import.failed_count) == (3, 0), stock_import.errors
    listings = {listing.sku: listing for listing in Listing.objects.filter(seller=seller)}
    expected = [(f"{prefix}-1", products[0], grades[0], Decimal("1049.00"), 2, 12, True),
                (f"{prefix}-2", products[1], grades[1], Decimal("547.00"), 5, 24, False),
                (f"{prefix}-3", products[2], grades[2], Decimal("89.90"), 1, 12, True)]
    assert [(sku, listings[sku].product, listings[sku].grade, listings[sku].price, listings[sku].quantity,
             listings[sku].warranty_months, listings[sku].is_active) for sku, *_rest in expected] == expected
    if prefix == "FR":  # the comment column is ignored, the EAN that lost its zero is found
        assert stock_import.notices[0] == "Columns ignored (not ours): Commentaire."
        assert "leading zero" in stock_import.notices[1]
