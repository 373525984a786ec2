"""Stock sync speed: a 100,000-row CSV import and a 10,000-item bulk API call against raw COPY.

Run it with the project's venv against PostgreSQL (it creates, then deletes, its own seller,
catalog rows and listings, all prefixed "bench-import-"; other data is left alone):

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python benchmarks/import_bench.py
    .venv/bin/python benchmarks/import_bench.py --rows 20000 --bulk 5000     # a quicker look

`make benchmark` runs it too (benchmarks/run.py). In one run it times:
1. the CSV import of --rows rows creating listings (file check, parse and per-row validation with
   the services' rules, set-based apply: sellers.imports.stock_import_create + stock_import_apply,
   called in-process as the worker would),
2. the same file again (every row unchanged),
3. the same file with every price changed (every row updated),
4. one bulk API call of --bulk {sku, quantity, price} items through the whole HTTP stack
   (Django test client, API key auth, ninja validation, per-item results),
5. PostgreSQL COPY of the same rows into a bare unlogged table with the same columns and no
   index or constraint: the floor no import can beat.
It writes the timings and ratios to benchmarks/results/import.md, prints a JSON summary as the
last line (and writes it to $BENCH_RESULT_JSON when set).
"""
import argparse
import csv
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django  # noqa: E402

django.setup()

from decimal import Decimal  # noqa: E402

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from catalog.models import Brand, Category, Grade, Product, ProductModel  # noqa: E402
from sellers import tasks  # noqa: E402
from sellers.api_auth import api_key_create  # noqa: E402
from sellers.imports import COLUMNS, stock_import_apply, stock_import_create  # noqa: E402
from sellers.models import ApiKey, Listing, Seller, StockImport  # noqa: E402

PREFIX = "bench-import-"
RESULTS = ROOT / "benchmarks" / "results" / "import.md"


def cleanup() -> None:
    sellers = Seller.objects.filter(slug__startswith=PREFIX)
    Listing.objects.filter(seller__in=sellers).delete()
    StockImport.objects.filter(seller__in=sellers).delete()
    ApiKey.objects.filter(seller__in=sellers).delete()
    sellers.delete()
    Product.objects.filter(slug__startswith=PREFIX).delete()
    ProductModel.objects.filter(slug__startswith=PREFIX).delete()
    Brand.objects.filter(slug__startswith=PREFIX).delete()
    Category.objects.filter(slug__startswith=PREFIX).delete()


def setup(product_count: int) -> tuple[Seller, list[Product]]:
    category = Category.objects.create(name="Bench import", slug=f"{PREFIX}category")
    brand = Brand.objects.create(name="Bench import", slug=f"{PREFIX}brand")
    model = ProductModel.objects.create(brand=brand, category=category, name="Bench phone",
                                        slug=f"{PREFIX}model", release_year=2022,
                                        reference_price_new=Decimal("800.00"))
    products = Product.objects.bulk_create([
        Product(model=model, slug=f"{PREFIX}product-{i}", reference=f"BENCHIMP{i:06d}", storage_gb=128,
                colour="Black") for i in range(product_count)])
    seller = Seller.objects.create(
        name="Bench import seller", slug=f"{PREFIX}seller", status=Seller.Status.APPROVED,
        vat_number="FR00000000000", contact_name="Bench", contact_email="bench-import@bench.test",
        business_address="1 rue du Banc", return_address="1 rue du Banc")
    return seller, products


def make_rows(products: list[Product], count: int, price_shift: int = 0) -> list[tuple]:
    grades = list(Grade.values)
    rows = []
    for i in range(count):
        product = products[i % len(products)]
        rows.append((f"BENCH-{i:07d}", product.reference, grades[(i // len(products)) % len(grades)],
                     f"{100 + (i + price_shift) % 900}.{i % 100:02d}", str(i % 50), "12", "yes"))
    return rows


def csv_bytes(rows: list[tuple]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def timed_import(seller: Seller, data: bytes) -> tuple[float, StockImport]:
    started = time.perf_counter()
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="bench.csv", data=data)
    stock_import_apply(stock_import_id=stock_import.pk)
    elapsed = time.perf_counter() - started
    stock_import.refresh_from_db()
    assert stock_import.status == StockImport.Status.DONE and stock_import.failed_count == 0, (
        stock_import.status, stock_import.errors[:3])
    return elapsed, stock_import


def timed_copy(data: bytes, table: str) -> float:
    """COPY of the same CSV into a bare unlogged table (no index, no constraint), committed."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE UNLOGGED TABLE {table} (sku varchar(64), product_reference varchar(40), "
                       "grade varchar(10), price numeric(10, 2), quantity integer, "
                       "warranty_months smallint, active varchar(5))")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)", io.BytesIO(data))
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=250)
    args = parser.parse_args()

    # The import is applied in-process here, as the worker would: nothing goes to the broker.
    tasks.apply_stock_import.delay = lambda stock_import_id: None
    cleanup()
    seller, products = setup(args.products)
    try:
        rows = make_rows(products, args.rows)
        data = csv_bytes(rows)
        copy_seconds = timed_copy(data, "bench_import_copy")
        create_seconds, created = timed_import(seller, data)
        assert created.created_count == args.rows
        unchanged_seconds, unchanged = timed_import(seller, data)
        assert unchanged.unchanged_count == args.rows
        update_data = csv_bytes(make_rows(products, args.rows, price_shift=7))
        update_seconds, updated = timed_import(seller, update_data)
        assert updated.updated_count == args.rows

        _key, raw_key = api_key_create(seller=seller, name="bench")
        items = [{"sku": sku, "quantity": (int(quantity) + 3) % 50, "price": price}
                 for sku, _ref, _grade, price, quantity, _w, _a in rows[:args.bulk]]
        body = json.dumps({"items": items})
        bulk_copy_seconds = timed_copy(csv_bytes(rows[:args.bulk]), "bench_import_bulk_copy")
        client = Client()
        started = time.perf_counter()
        response = client.post("/api/v1/listings/bulk", body, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        bulk_seconds = time.perf_counter() - started
        assert response.status_code == 200, response.content[:500]
        result = response.json()
        assert result["failed"] == 0, result["items"][:3]
    finally:
        cleanup()

    summary = {
        "rows": args.rows,
        "copy_seconds": round(copy_seconds, 3),
        "import_create_seconds": round(create_seconds, 3),
        "import_unchanged_seconds": round(unchanged_seconds, 3),
        "import_update_seconds": round(update_seconds, 3),
        "import_rows_per_s": round(args.rows / create_seconds),
        "copy_rows_per_s": round(args.rows / copy_seconds),
        "import_vs_copy_ratio": round(create_seconds / copy_seconds, 1),
        "bulk_items": args.bulk,
        "bulk_seconds": round(bulk_seconds, 3),
        "bulk_items_per_s": round(args.bulk / bulk_seconds),
        "bulk_copy_seconds": round(bulk_copy_seconds, 3),
        "bulk_vs_copy_ratio": round(bulk_seconds / bulk_copy_seconds, 1),
    }
    write_report(summary)
    line = json.dumps(summary)
    if os.environ.get("BENCH_RESULT_JSON"):
        Path(os.environ["BENCH_RESULT_JSON"]).write_text(line)
    print(line)
    return 0


def write_report(s: dict) -> None:
    def row(label: str, rows: int, seconds: float, copy_seconds: float) -> str:
        return (f"| {label} | {rows:,} | {seconds} | {round(rows / seconds):,} "
                f"| {round(seconds / copy_seconds, 1)} |")

    lines = [
        "# Stock import and bulk API against raw COPY",
        "",
        "Written by `benchmarks/import_bench.py` (run: `.venv/bin/python benchmarks/import_bench.py`), all",
        "measured in the same run on the same database. COPY loads the same CSV into a bare unlogged table",
        "with no index, constraint or validation: the floor, not a fair competitor.",
        "",
        "| what | rows | seconds | rows/s | × COPY |",
        "|---|---:|---:|---:|---:|",
        row("PostgreSQL COPY, bare table", s["rows"], s["copy_seconds"], s["copy_seconds"]),
        row("CSV import, all rows new (created)", s["rows"], s["import_create_seconds"], s["copy_seconds"]),
        row("CSV import, same file again (unchanged)", s["rows"], s["import_unchanged_seconds"],
            s["copy_seconds"]),
        row("CSV import, every price changed (updated)", s["rows"], s["import_update_seconds"],
            s["copy_seconds"]),
        row("PostgreSQL COPY, bare table", s["bulk_items"], s["bulk_copy_seconds"], s["bulk_copy_seconds"]),
        row("Bulk API call (HTTP stack, auth, per-item results)", s["bulk_items"], s["bulk_seconds"],
            s["bulk_copy_seconds"]),
        "",
        "The CSV import times include the upload check (size, encoding, header), parsing, validation of",
        "every row with the services' rules, the product lookup, the locking read, the set-based writes",
        "and the progress saved per batch of 10,000 rows.",
        "",
    ]
    RESULTS.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
