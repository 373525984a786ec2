"""Generates a large, realistic marketplace for the scale benchmarks, fast and deterministically.

At --scale 1: 10,000 products over 2,000 device models, 500 sellers, 200,000 listings and
50,000 orders with their seller orders, lines and payments. Rows are written with PostgreSQL
COPY, so a full-scale run takes well under a minute. The same --seed gives the same data.

    python benchmarks/generate.py [--scale 1] [--seed 2026]

It EMPTIES the catalog, sellers, orders and user tables of the database it points at
(DATABASE_URL), so point it at a benchmark database only.

This file empties the tables and writes the parts in order in one transaction; each part is a
module of benchmarks/generator/ (the catalog, the sellers and listings, the orders, the volume
seller of benchmarks/big_seller.py, the stock ledger, the reviews, the dataset record).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.big_seller import add_big_seller  # noqa: E402
from benchmarks.generator.catalog import Catalog, gen_catalog, gen_categories  # noqa: E402
from benchmarks.generator.dataset import DATASET_TABLE, dataset_info, dataset_record  # noqa: E402
from benchmarks.generator.ledger import gen_stock_ledger  # noqa: E402
from benchmarks.generator.orders import gen_orders  # noqa: E402
from benchmarks.generator.pg_copy import copy_rows  # noqa: E402
from benchmarks.generator.reviews import gen_reviews_and_scores  # noqa: E402
from benchmarks.generator.sellers import GRADE_PRICE, GRADES, gen_listings, gen_sellers, gen_users  # noqa: E402
from benchmarks.generator.values import (  # noqa: E402
    BENCH_SELLER_EMAIL,
    BENCH_SELLER_SLUG,
    BENCH_SHOPPER_EMAIL,
    FULL_SCALE,
    NOW,
    cents,
    scaled,
    slugify,
)

# What other scripts and the tests import from here (big_seller.py, run.py, tests/benchmarks).
__all__ = [
    "BENCH_SELLER_EMAIL", "BENCH_SELLER_SLUG", "BENCH_SHOPPER_EMAIL", "DATASET_TABLE", "FULL_SCALE",
    "GRADES", "GRADE_PRICE", "NOW", "Catalog", "cents", "copy_rows", "dataset_info", "generate", "main",
    "refresh_search_index", "scaled", "slugify",
]


def _tables_to_empty():
    from allauth.account.models import EmailAddress
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session

    models = []
    for label in ("catalog", "sellers", "orders", "reviews"):
        models.extend(apps.get_app_config(label).get_models())
    models += [get_user_model(), EmailAddress, Session]
    return models


def _empty(cursor, models) -> None:
    tables = ", ".join(f'"{m._meta.db_table}"' for m in models)
    cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def refresh_search_index(cursor=None) -> str:
    """Fills the catalog's stored search fields after a bulk load, with the catalog's own service.

    COPY bypasses the admin and services that normally keep them current, so the benchmark
    calls the same function they do; says what it did.
    """
    try:
        from catalog.services import product_models_refresh_search
    except ImportError:
        return "the catalog has no search refresh service; nothing to refresh"
    started = time.perf_counter()
    count = product_models_refresh_search()
    seconds = time.perf_counter() - started
    return f"catalog.services.product_models_refresh_search: {count} models in {seconds:.1f} s"


def _reset_sequences(cursor, models) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    for sql in connection.ops.sequence_reset_sql(no_style(), models):
        cursor.execute(sql)


def generate(*, scale: float = 1.0, seed: int = 2026, log=print) -> dict:
    """Empties the marketplace tables and writes a generated marketplace; returns the row counts."""
    from django.db import connection, transaction

    started = time.perf_counter()
    rng = random.Random(seed)
    counts = scaled(scale)
    catalog = Catalog()
    models = _tables_to_empty()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _empty(cursor, models)
        gen_categories(cursor, catalog)
        gen_catalog(cursor, rng, counts, catalog)
        log(f"  catalog: {len(catalog.model_names)} models, {len(catalog.product_model)} products "
            f"({time.perf_counter() - started:.1f} s)")
        seller_users, shopper_users = gen_users(cursor, rng, counts["sellers"], counts["shoppers"])
        sellers = gen_sellers(cursor, rng, counts["sellers"], seller_users)
        listings = gen_listings(cursor, rng, counts["listings"], catalog, sellers)
        log(f"  sellers and listings: {counts['sellers']} sellers, {len(listings.seller)} listings "
            f"({time.perf_counter() - started:.1f} s)")
        order_counts = gen_orders(cursor, rng, counts["orders"], shopper_users, sellers, listings, catalog)
        log(f"  orders: {order_counts} ({time.perf_counter() - started:.1f} s)")
        big = add_big_seller(cursor, rng, scale=scale, catalog=catalog,
                             first_listing_id=len(listings.seller) + 1)
        log(f"  volume seller: {big} listings ({time.perf_counter() - started:.1f} s)")
        buyable = gen_stock_ledger(cursor)
        reviews, score_seconds = gen_reviews_and_scores(cursor)
        log(f"  reviews: {reviews}; every seller's quality score in {score_seconds} s "
            f"({time.perf_counter() - started:.1f} s)")
        log(f"  stock ledger: allocations from live orders, opening movements "
            f"({time.perf_counter() - started:.1f} s)")
        # Check every foreign key now, and leave no deferred trigger pending in the transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _reset_sequences(cursor, models)
        search = refresh_search_index(cursor)
        log(f"  search: {search}")
        from catalog.models import Product
        from sellers.models import Listing, Seller
        from sellers.selectors import buy_box_standings_refresh

        # Statistics of the rows just copied, for the one query that ranks them all: on a new
        # database, without them, PostgreSQL planned it with nested loops (over 10 minutes, not 20 s).
        for table in (Listing._meta.db_table, Seller._meta.db_table, Product._meta.db_table):
            cursor.execute(f'ANALYZE "{table}"')
        boxes = buy_box_standings_refresh()  # the stored buy boxes, by their one writer
        log(f"  buy boxes stored: {boxes} ({time.perf_counter() - started:.1f} s)")
        result = {
            "categories": len(catalog.category_ids), "models": len(catalog.model_names),
            "products": len(catalog.product_model), "sellers": counts["sellers"],
            "listings": len(listings.seller) + big, "buyable_listings": buyable,
            "users": len(seller_users) + len(shopper_users) + 1, **order_counts,
        }
        dataset_record(cursor, scale=scale, seed=seed, seconds=time.perf_counter() - started, counts=result)
    if not connection.in_atomic_block:
        # Fresh planner statistics, as a long-running database would have.
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 10,000 products (default)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("The generator needs PostgreSQL (COPY): set DATABASE_URL.", file=sys.stderr)
        return 2
    print(f"Generating at scale {args.scale} into {connection.settings_dict['NAME']}...")
    result = generate(scale=args.scale, seed=args.seed)
    print(f"Done in {result['seconds']} s: {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
