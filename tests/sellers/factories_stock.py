"""Helpers for stock-sync tests: CSV files in the import format and API keys."""
import csv
import io

from sellers.api_auth import api_key_create
from sellers.stock_sync import COLUMNS

# The first seven columns, which listing_row fills (the device columns are optional).
BASE_COLUMNS = COLUMNS[:7]


def csv_bytes(rows, *, columns=BASE_COLUMNS, delimiter=",", bom=False, encoding="utf-8") -> bytes:
    """A CSV file with a header and the given rows (tuples or dicts keyed by column)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(name, "") for name in columns] if isinstance(row, dict) else row)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def listing_row(product, sku, *, grade="good", price="399.00", quantity=5, warranty=12, active="yes"):
    return (sku, product.reference, grade, price, str(quantity), str(warranty), active)


def api_key_for(seller, name="ERP") -> str:
    _key, raw = api_key_create(seller=seller, name=name)
    return raw


def bearer(raw_key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}
