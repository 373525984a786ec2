"""Stock sync speed: a 100,000-row CSV import and a 10,000-item bulk API call against raw COPY.

Run it with the project's venv against PostgreSQL (it creates, then deletes, its own seller,
catalog rows and listings, all prefixed "bench-import-"; other data is left alone):

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python benchmarks/import_bench.py
    .venv/bin/python benchmarks/import_bench.py --rows 20000 --bulk 5000 --repeat 1   # a quicker look

`make benchmark` runs it too (benchmarks/run.py). Each of --repeat rounds (default 5) times, on
an empty seller:
1. the CSV import of --rows rows creating listings: the upload (sellers.stock_sync.stock_import_create:
   the file check, the stored file, the import record) and the worker's job (stock_import_apply:
   the check again, per-row validation with the services' rules, set-based apply in batches on
   STOCK_IMPORT_THREADS connections side by side), called in-process as the web request and the
   worker would;
2. the same file again (every row unchanged);
3. the same file with every price changed (every row updated);
4. one bulk API call of --bulk {sku, quantity, price} items through the whole HTTP stack
   (Django test client, API key auth, ninja validation, per-item results);
and, as baselines in the same round:
5. PostgreSQL COPY of the same rows into a bare unlogged table with the same columns and no
   index or constraint: the floor no import can beat;
6. the database's own share: COPY of the same file into a staging table, then one
   INSERT ... SELECT into sellers_listing (its indexes, checks and foreign keys), committed, on
   one connection, and the same split in two halves on two connections side by side, with no
   parsing or validation at all.
Each import also reports the CPU seconds it cost: the Python process (all its threads) and the
PostgreSQL server's processes (read from /proc; the server must run on this machine).
The medians of the rounds go to benchmarks/results/import.md with the range; a JSON summary is
printed as the last line (and written to $BENCH_RESULT_JSON when set).
"""
import argparse
import csv
import io
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django  # noqa: E402

django.setup()

from decimal import Decimal  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db import connections as db_connections  # noqa: E402
from django.test import Client  # noqa: E402

from catalog import tasks as catalog_tasks  # noqa: E402
from catalog.models import Brand, Category, Grade, Product, ProductModel  # noqa: E402
from marketplace.db import copy_in  # noqa: E402
from sellers import stock_sync, tasks  # noqa: E402
from sellers.api_auth import api_key_create  # noqa: E402
from sellers.models import ApiKey, Seller, StockImport  # noqa: E402
from sellers.stock_sync import stock_import_apply, stock_import_create  # noqa: E402

PREFIX = "bench-import-"
RESULTS = ROOT / "benchmarks" / "results" / "import.md"
# The columns of the benchmark's files: a stock file as most sellers send it (the optional device
# and repricing columns left out).
COLUMNS = ("sku", "product_reference", "grade", "price", "quantity", "warranty_months", "active")


def delete_listings(where: str, params: list) -> None:
    """Deletes the benchmark's own listings and their stock movements. The ledger is append-only (a
    trigger refuses DELETE); these rows are the benchmark's own data, so its session skips
    triggers (session_replication_role) for this one statement pair."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"DELETE FROM sellers_stockmovement WHERE {where}", params)
        cursor.execute(f"DELETE FROM sellers_listing WHERE {where}", params)


def cleanup() -> None:
    sellers = Seller.objects.filter(slug__startswith=PREFIX)
    # One DELETE: the ORM's delete would load every listing and write an audit row for each.
    delete_listings("seller_id IN (SELECT id FROM sellers_seller WHERE slug LIKE %s)", [f"{PREFIX}%"])
    StockImport.objects.filter(seller__in=sellers).delete()
    ApiKey.objects.filter(seller__in=sellers).delete()
    sellers.delete()
    Product.objects.filter(slug__startswith=PREFIX).delete()
    ProductModel.objects.filter(slug__startswith=PREFIX).delete()
    Brand.objects.filter(slug__startswith=PREFIX).delete()
    Category.objects.filter(slug__startswith=PREFIX).delete()
    # Hundreds of thousands of listings written and deleted leave the listing indexes several
    # times their size, which steers the planner away from them in the page benchmarks after this
    # one: rebuilt, the table is as the generator left it.
    with connection.cursor() as cursor:
        cursor.execute("REINDEX TABLE sellers_listing")
        cursor.execute("VACUUM (ANALYZE) sellers_listing")


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
                     # Prices of 300-899 € for a device of 800 € new: none looks mistaken to the
                     # price guard (sellers.price_guard), so every row applies.
                     f"{300 + (i + price_shift) % 600}.{i % 100:02d}", str(i % 50), "12", "yes"))
    return rows


def csv_bytes(rows: list[tuple]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(rows: list[tuple]) -> bytes:
    """The same rows as an Excel workbook (one sheet), written as openpyxl writes a workbook."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Stock")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _pg_cpu_seconds() -> float | None:
    """CPU seconds used so far by the PostgreSQL server's processes (None if /proc cannot tell)."""
    total, found = 0, False
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        if name.startswith(("postgres", "postmaster")):
            found = True
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK") if found else None


class CpuMeter:
    """Wall seconds, and CPU seconds of this process (every thread) and of the PostgreSQL server."""

    def __enter__(self):
        self._wall, self._py, self._pg = time.perf_counter(), time.process_time(), _pg_cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._wall
        self.python = time.process_time() - self._py
        pg = _pg_cpu_seconds()
        self.postgres = pg - self._pg if pg is not None and self._pg is not None else None


FOLLOW_UPS: list[tuple] = []  # the follow-up tasks (task, args) a write asked for, run after it is timed


def follow_ups_run() -> float:
    """Runs the follow-up tasks asked for since the last call, as a worker would once the write has
    committed; returns their seconds."""
    started = time.perf_counter()
    while FOLLOW_UPS:
        task, args = FOLLOW_UPS.pop(0)
        task(*args)
    return time.perf_counter() - started


def timed_import(seller: Seller, data: bytes, name: str = "bench.csv") -> dict:
    """One stock import (CSV or XLSX), upload and worker, with its CPU cost."""
    with CpuMeter() as meter:
        started = time.perf_counter()
        stock_import = stock_import_create(seller=seller, uploaded_by=None, name=name, data=data)
        upload = time.perf_counter() - started
        stock_import_apply(stock_import_id=stock_import.pk)
    # The import's follow-up task (its products' buy boxes stored again and watched), which a
    # worker runs once the import has committed: timed apart, as it is not part of applying stock.
    follow_up = follow_ups_run()
    stock_import.refresh_from_db()
    assert stock_import.status == StockImport.Status.DONE and stock_import.failed_count == 0, (
        stock_import.status, stock_import.errors[:3])
    return {"seconds": meter.wall, "upload_seconds": upload, "worker_seconds": meter.wall - upload,
            "follow_up_seconds": follow_up,
            "python_cpu": meter.python, "postgres_cpu": meter.postgres, "import": stock_import}


_STAGE = ("CREATE TEMP TABLE bench_stage (sku varchar(64), product_reference varchar(40), "
          "grade varchar(10), price numeric(10, 2), quantity integer, warranty_months smallint, "
          "active varchar(5)) ON COMMIT DROP")
_STAGE_COPY = "COPY bench_stage FROM STDIN WITH (FORMAT csv, HEADER true)"
_FLOOR_INSERT = (
    "INSERT INTO sellers_listing (seller_id, product_id, grade, sku, price, quantity, allocated, "
    "warranty_months, is_active, created_at, updated_at) "
    "SELECT %s, p.id, s.grade, s.sku, s.price, s.quantity, 0, s.warranty_months, true, now(), now() "
    "FROM bench_stage s JOIN catalog_product p ON p.reference = s.product_reference")


def _floor_insert(seller: Seller, data: bytes) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_STAGE)
        copy_in(cursor, _STAGE_COPY, data)
        cursor.execute(_FLOOR_INSERT, [seller.pk])


def timed_sql_floor(seller: Seller, rows: list[tuple], connections_used: int) -> float:
    """The database alone: the file COPied into a staging table and INSERT ... SELECT into
    sellers_listing, committed, split over this many connections side by side. No parsing, no
    validation, no per-row results: what the table's indexes, checks and foreign keys cost."""
    parts = [csv_bytes(rows[part::connections_used]) for part in range(connections_used)]

    def insert(data: bytes) -> None:
        try:
            _floor_insert(seller, data)
        finally:
            db_connections.close_all()  # this thread's connection

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=connections_used) as pool:
        list(pool.map(insert, parts))
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sellers_listing WHERE seller_id = %s", [seller.pk])
    return elapsed


def timed_copy(data: bytes, table: str) -> float:
    """COPY of the same CSV into a bare unlogged table (no index, no constraint), committed."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE UNLOGGED TABLE {table} (sku varchar(64), product_reference varchar(40), "
                       "grade varchar(10), price numeric(10, 2), quantity integer, "
                       "warranty_months smallint, active varchar(5))")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        copy_in(cursor, f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)", data)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")
    return elapsed


def empty_seller(seller: Seller) -> None:
    """Back to a seller with no listings, and the tables vacuumed, so every round starts alike."""
    delete_listings("seller_id = %s", [seller.pk])
    StockImport.objects.filter(seller=seller).delete()
    ApiKey.objects.filter(seller=seller).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) sellers_listing")
        cursor.execute("VACUUM (ANALYZE) sellers_stockmovement")


def run_round(seller: Seller, floor_seller: Seller, products: list[Product], args) -> dict:
    rows = make_rows(products, args.rows)
    data = csv_bytes(rows)
    empty_seller(seller)
    result = {
        "copy": timed_copy(data, "bench_import_copy"),
        "floor_1": timed_sql_floor(floor_seller, rows, 1),
        "floor_n": timed_sql_floor(floor_seller, rows, settings.STOCK_IMPORT_THREADS),
    }
    created = timed_import(seller, data)
    assert created.pop("import").created_count == args.rows
    unchanged = timed_import(seller, data)
    assert unchanged.pop("import").unchanged_count == args.rows
    updated = timed_import(seller, csv_bytes(make_rows(products, args.rows, price_shift=7)))
    assert updated.pop("import").updated_count == args.rows
    result.update(created=created, unchanged=unchanged, updated=updated)
    # The same new rows as an Excel workbook, on an empty seller again.
    workbook = xlsx_bytes(rows)
    empty_seller(seller)
    xlsx = timed_import(seller, workbook, name="bench.xlsx")
    assert xlsx.pop("import").created_count == args.rows
    result["xlsx_created"] = xlsx

    _key, raw_key = api_key_create(seller=seller, name="bench")
    items = [{"sku": sku, "quantity": (int(quantity) + 3) % 50, "price": price}
             for sku, _ref, _grade, price, quantity, _w, _a in rows[:args.bulk]]
    result["bulk_copy"] = timed_copy(csv_bytes(rows[:args.bulk]), "bench_import_bulk_copy")
    started = time.perf_counter()
    response = Client().post("/api/v1/listings/bulk", json.dumps({"items": items}),
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    result["bulk"] = time.perf_counter() - started
    result["bulk_follow_up"] = follow_ups_run()  # its products' buy boxes and pages
    assert response.status_code == 200, response.content[:500]
    assert response.json()["failed"] == 0, response.json()["items"][:3]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=5, help="rounds; medians are reported")
    args = parser.parse_args()

    # The import is applied in-process here, as the worker would: nothing goes to the broker.
    tasks.apply_stock_import.delay = lambda stock_import_id: None
    # Tasks that follow a write, run and timed apart (follow_ups_run).
    for task in (tasks.watch_import_boxes, catalog_tasks.refresh_products):
        task.delay = partial(lambda task, *args: FOLLOW_UPS.append((task, args)), task)
    cleanup()
    seller, products = setup(args.products)
    floor_seller = Seller.objects.create(
        name="Bench import floor", slug=f"{PREFIX}floor", status=Seller.Status.APPROVED,
        vat_number="FR00000000001", contact_name="Bench", contact_email="bench-floor@bench.test",
        business_address="1 rue du Banc", return_address="1 rue du Banc")
    load_before = os.getloadavg()[0]
    try:
        rounds = [run_round(seller, floor_seller, products, args) for _ in range(args.repeat)]
    finally:
        cleanup()
    write_report(summarise(rounds, args, load_before))
    line = json.dumps(summarise(rounds, args, load_before))
    if os.environ.get("BENCH_RESULT_JSON"):
        Path(os.environ["BENCH_RESULT_JSON"]).write_text(line)
    print(line)
    return 0


def summarise(rounds: list[dict], args, load_before: float) -> dict:
    def med(pick) -> float:
        return round(statistics.median(pick(r) for r in rounds), 3)

    def spread(pick) -> list[float]:
        values = [pick(r) for r in rounds]
        return [round(min(values), 3), round(max(values), 3)]

    def cpu(name: str) -> dict:
        pg = [r[name]["postgres_cpu"] for r in rounds if r[name]["postgres_cpu"] is not None]
        return {"seconds": med(lambda r: r[name]["seconds"]), "range": spread(lambda r: r[name]["seconds"]),
                "upload_seconds": med(lambda r: r[name]["upload_seconds"]),
                "worker_seconds": med(lambda r: r[name]["worker_seconds"]),
                "follow_up_seconds": med(lambda r: r[name]["follow_up_seconds"]),
                "python_cpu": med(lambda r: r[name]["python_cpu"]),
                "postgres_cpu": round(statistics.median(pg), 3) if pg else None}

    created, unchanged, updated = cpu("created"), cpu("unchanged"), cpu("updated")
    xlsx_created = cpu("xlsx_created")
    return {
        "load_average": [round(os.getloadavg()[0], 1), round(load_before, 1)],
        "cores": os.cpu_count(),
        "rows": args.rows,
        "rounds": len(rounds),
        "batch_size": stock_sync.BATCH_SIZE,
        "threads": settings.STOCK_IMPORT_THREADS,
        "copy_seconds": med(lambda r: r["copy"]),
        "sql_floor_insert_seconds": med(lambda r: r["floor_1"]),
        "sql_floor_insert_parallel_seconds": med(lambda r: r["floor_n"]),
        "created": created, "unchanged": unchanged, "updated": updated, "xlsx_created": xlsx_created,
        "xlsx_rows_per_s": round(args.rows / xlsx_created["seconds"]),
        "import_rows_per_s": round(args.rows / created["seconds"]),
        "import_rows_per_s_range": [round(args.rows / s) for s in reversed(created["range"])],
        "import_worker_rows_per_s": round(args.rows / created["worker_seconds"]),
        "import_unchanged_rows_per_s": round(args.rows / unchanged["seconds"]),
        "import_update_rows_per_s": round(args.rows / updated["seconds"]),
        "copy_rows_per_s": round(args.rows / med(lambda r: r["copy"])),
        "import_vs_copy_ratio": round(created["seconds"] / med(lambda r: r["copy"]), 1),
        "bulk_items": args.bulk,
        "bulk_seconds": med(lambda r: r["bulk"]),
        "bulk_follow_up_seconds": med(lambda r: r["bulk_follow_up"]),
        "bulk_items_per_s": round(args.bulk / med(lambda r: r["bulk"])),
        "bulk_copy_seconds": med(lambda r: r["bulk_copy"]),
        "bulk_vs_copy_ratio": round(med(lambda r: r["bulk"]) / med(lambda r: r["bulk_copy"]), 1),
    }


# Earlier designs, measured with this benchmark on this kind of machine, kept for comparison.
BEFORE = """## Before

Single runs of earlier versions of this benchmark on this kind of machine (no medians), same
100,000 rows; the first row is the design before this one, measured at the start of session 2:

| design | created (rows/s) | unchanged | updated | bulk API |
|---|---:|---:|---:|---:|
| COPY staging, 7 indexes, 1 connection, idle machine | 4.271 s (23,411) | 1.378 s | 4.569 s | 1.409 s |
| the same, loaded machine (load average 5.6) | 6.432 s (15,547) | 1.935 s | 7.471 s | 2.157 s |
| VALUES statements, batches of 10,000, 1 connection | 19.952 s (5,012) | 4.703 s | 10.926 s | 2.245 s |

What changed since the first row: the listing table went from 7 indexes to 4 (each index is
written for every synced row); the batches run on two connections side by side, each validating
its rows in Python while the other's SQL runs (the database does most of the work, and one
connection keeps one core busy); listings that change are locked and updated through an array of
their ids instead of a join the planner could only guess (a temporary table has no statistics: it
read the whole listing table twice per batch); new listings go in with a plain INSERT (ON
CONFLICT only on a retry, when a SKU was created meanwhile); the cache versions of the changed
products are bumped in one Redis round trip instead of two per product; and the foreign-key
checks run before the import's progress row is locked, so batches do not queue on it.
"""


def write_report(s: dict) -> None:
    copy = s["copy_seconds"]

    def row(label: str, rows: int, seconds: float, spread: list | None = None) -> str:
        spread_text = f"{spread[0]}–{spread[1]}" if spread else "—"
        return (f"| {label} | {rows:,} | {seconds} | {spread_text} | {round(rows / seconds):,} "
                f"| {round(seconds / copy, 1)} |")

    def cpu(label: str, p: dict) -> str:
        busy = (p["python_cpu"] + p["postgres_cpu"]) / p["seconds"] if p["postgres_cpu"] is not None else None
        return (f"| {label} | {p['seconds']} | {p['upload_seconds']} | {p['worker_seconds']} "
                f"| {p['python_cpu']} | {p['postgres_cpu']} | {f'{busy:.2f}' if busy else '—'} "
                f"| {p['follow_up_seconds']} |")

    threads = s["threads"]
    lines = [
        "# Stock import and bulk API against raw COPY",
        "",
        "Written by `benchmarks/import_bench.py` (run: `.venv/bin/python benchmarks/import_bench.py`), all",
        f"measured in the same run on the same database: the **median of {s['rounds']} rounds**, with the",
        "fastest and slowest round. COPY loads the same CSV into a bare unlogged table with no index,",
        "constraint or validation: the floor, not a fair competitor. The SQL-only rows are the",
        "database's own share: the same file COPied into a staging table, then INSERT ... SELECT into",
        "`sellers_listing` (its 4 indexes, checks and 2 foreign keys), with no parsing, validation or",
        "per-row results. A CSV import is the upload (the file checked, stored and queued) and the",
        f"worker's job (checked again, every row validated, applied in batches of {s['batch_size']:,} on",
        f"{threads} connections side by side); each round starts from a seller with no listings.",
        "",
        "| what | rows | seconds (median) | fastest–slowest | rows/s | × COPY |",
        "|---|---:|---:|---:|---:|---:|",
        row("PostgreSQL COPY, bare table", s["rows"], copy),
        row("SQL only: COPY + INSERT ... SELECT into sellers_listing, 1 connection", s["rows"],
            s["sql_floor_insert_seconds"]),
        row(f"SQL only: the same in {threads} parts on {threads} connections side by side", s["rows"],
            s["sql_floor_insert_parallel_seconds"]),
        row("**CSV import, all rows new (created)**", s["rows"], s["created"]["seconds"],
            s["created"]["range"]),
        row("CSV import, same file again (unchanged)", s["rows"], s["unchanged"]["seconds"],
            s["unchanged"]["range"]),
        row("CSV import, every price changed (updated)", s["rows"], s["updated"]["seconds"],
            s["updated"]["range"]),
        row("XLSX import (openpyxl workbook), all rows new", s["rows"], s["xlsx_created"]["seconds"],
            s["xlsx_created"]["range"]),
        f"| PostgreSQL COPY, bare table | {s['bulk_items']:,} | {s['bulk_copy_seconds']} | — "
        f"| {round(s['bulk_items'] / s['bulk_copy_seconds']):,} | 1.0 |",
        f"| Bulk API call (HTTP stack, auth, per-item results) | {s['bulk_items']:,} "
        f"| {s['bulk_seconds']} | — "
        f"| {s['bulk_items_per_s']:,} | {s['bulk_vs_copy_ratio']} |",
        "",
        f"The bulk API call's follow-up task (its products' buy boxes ranked again and their pages, by a "
        f"worker once the call has committed): {s['bulk_follow_up_seconds']} s.",
        "",
        f"**Import of {s['rows']:,} new rows: {s['import_rows_per_s']:,} rows/s** (median; rounds "
        f"{s['import_rows_per_s_range'][0]:,}–{s['import_rows_per_s_range'][1]:,}); the worker's job "
        f"alone: {s['import_worker_rows_per_s']:,} rows/s. Target: at least 50,000 rows/s.",
        "",
        f"Load average (1 min) at the start and end of the run: {s['load_average'][1]} and "
        f"{s['load_average'][0]}, on {s['cores']} cores: timings move with other work on the machine, the",
        "ratios to COPY and to the SQL-only rows of the same run much less.",
        "",
        "Where each import's time and CPU went, in seconds (medians). *Python CPU* is the process",
        "running the upload and the worker's job, all its threads; *PostgreSQL CPU* is every process",
        "of the database server meanwhile; *cores busy* is their sum over the wall time, out of "
        f"{s['cores']}. *Follow-up* is the task a worker runs once the import has committed, outside",
        "the import's time: the stored buy boxes of the products it changed, ranked again, their cached",
        "pages, and the watch of boxes won and lost (sellers.buybox_watch.import_boxes_watched).",
        "",
        "| import | wall | upload | worker | Python CPU | PostgreSQL CPU | cores busy | follow-up |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        cpu("created", s["created"]),
        cpu("unchanged", s["unchanged"]),
        cpu("updated", s["updated"]),
        cpu("XLSX, created", s["xlsx_created"]),
        "",
    ]
    lines += [BEFORE]
    RESULTS.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
