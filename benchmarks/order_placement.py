"""Order placement under concurrency: orders per second, and no unit ever oversold.

Run it with the project's venv against PostgreSQL (it creates, then deletes, its own seller,
products, listings, carts and orders, prefixed "bench-orders-"; other data is left alone):

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench .venv/bin/python benchmarks/order_placement.py
    .venv/bin/python benchmarks/order_placement.py --threads 8 --orders 40 --listings 12 --scarce 3

`make benchmark` runs it too (benchmarks/run.py) and puts its summary in the report. Each of
--threads buyers places --orders orders, each a cart of 1–4 random lines over --listings shared
listings, through orders.services.order_place (guarded F() updates in listing order). The first
--scarce listings hold fewer units than the buyers ask for, so refusals happen under contention.
At the end it checks, for every listing: allocated == units in its placed orders, allocated <=
quantity, and for the scarce ones that every unit went to exactly one order. The JSON summary is
printed as the last line (and written to $BENCH_RESULT_JSON when set); exit code 1 on a broken
invariant or an unexpected error (a deadlock would be one).
"""
import argparse
import json
import os
import random
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.db.models import Sum  # noqa: E402

from catalog.models import Brand, Category, Product, ProductModel  # noqa: E402
from orders import services  # noqa: E402
from orders.models import Cart, CartLine, Order, OrderLine, SellerOrder  # noqa: E402
from sellers.ledger import Reason, StockCause, stock_listing_insert  # noqa: E402
from sellers.models import Listing, Seller  # noqa: E402

PREFIX = "bench-orders-"


def setup(*, tag: str, listings: int, scarce: int, stock: int, scarce_stock: int) -> list[Listing]:
    category = Category.objects.create(name=f"{PREFIX}{tag}", slug=f"{PREFIX}{tag}")
    brand = Brand.objects.create(name=f"{PREFIX}{tag}", slug=f"{PREFIX}{tag}")
    model = ProductModel.objects.create(brand=brand, category=category, name=f"Bench phone {tag}",
                                        slug=f"{PREFIX}{tag}", reference_price_new=Decimal("900.00"))
    seller = Seller.objects.create(name=f"{PREFIX}{tag}", slug=f"{PREFIX}{tag}",
                                   status=Seller.Status.APPROVED, vat_number="FR00000000000",
                                   contact_name="Bench",
                                   contact_email="bench@example.test", business_address="-",
                                   return_address="-", shipping_fee=Decimal("4.90"))
    created = []
    for i in range(listings):
        product = Product.objects.create(model=model, slug=f"{PREFIX}{tag}-{i}", reference=f"BENCH{tag}{i}",
                                         storage_gb=128)
        created.append(stock_listing_insert(listing=Listing(
            seller=seller, product=product, grade="good", sku=f"{PREFIX}{i}", price=Decimal("100.00") + i,
            quantity=scarce_stock if i < scarce else stock), cause=StockCause(Reason.OPENING)))
    return created


def make_carts(*, listings: list[Listing], count: int, rng: random.Random, tag: str) -> list[Cart]:
    carts = Cart.objects.bulk_create([Cart(session_key=f"{PREFIX}{tag}-{n}") for n in range(count)])
    lines = []
    for cart in carts:
        for listing in rng.sample(listings, k=rng.randint(1, min(4, len(listings)))):
            lines.append(CartLine(cart=cart, listing=listing, quantity=rng.randint(1, 2),
                                  price_when_added=listing.price))
    CartLine.objects.bulk_create(lines)
    return carts


def cleanup(tag: str) -> None:
    orders = Order.objects.filter(cart__session_key__startswith=f"{PREFIX}{tag}-")
    OrderLine.objects.filter(seller_order__order__in=orders).delete()
    SellerOrder.objects.filter(order__in=orders).delete()
    orders.delete()
    Cart.objects.filter(session_key__startswith=f"{PREFIX}{tag}-").delete()
    Listing.objects.filter(seller__slug=f"{PREFIX}{tag}").delete()
    Product.objects.filter(slug__startswith=f"{PREFIX}{tag}-").delete()
    ProductModel.objects.filter(slug=f"{PREFIX}{tag}").delete()
    Seller.objects.filter(slug=f"{PREFIX}{tag}").delete()
    Brand.objects.filter(slug=f"{PREFIX}{tag}").delete()
    Category.objects.filter(slug=f"{PREFIX}{tag}").delete()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--orders", type=int, default=30, help="orders per thread")
    parser.add_argument("--listings", type=int, default=12)
    parser.add_argument("--scarce", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2

    tag = f"{int(time.time())}"
    rng = random.Random(args.seed)
    total_orders = args.threads * args.orders
    listings = setup(tag=tag, listings=args.listings, scarce=args.scarce, stock=total_orders * 2,
                     scarce_stock=max(1, args.threads))
    carts = make_carts(listings=listings, count=total_orders, rng=rng, tag=tag)
    address = services.ShippingAddress(full_name="Bench Buyer", line1="1 rue du Test",
                                       postal_code="75001", city="Paris", country="FR")
    placed, refused, errors = [], [], []
    lock = threading.Lock()
    barrier = threading.Barrier(args.threads)

    def buyer(my_carts):
        try:
            barrier.wait()
            for cart in my_carts:
                try:
                    order = services.order_place(cart=cart, email="bench@example.test", address=address)
                    with lock:
                        placed.append(order.pk)
                except services.CheckoutError:
                    with lock:
                        refused.append(cart.pk)
                except Exception as exc:  # reported as a failure of the run
                    with lock:
                        errors.append(repr(exc))
        finally:
            connections.close_all()

    chunks = [carts[i::args.threads] for i in range(args.threads)]
    threads = [threading.Thread(target=buyer, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    oversold = 0
    mismatches = []
    for listing in Listing.objects.filter(pk__in=[x.pk for x in listings]).order_by("pk"):
        ordered = OrderLine.objects.filter(listing=listing, seller_order__order__pk__in=placed).aggregate(
            n=Sum("quantity"))["n"] or 0
        oversold += max(0, listing.allocated - listing.quantity)
        if listing.allocated != ordered:
            mismatches.append({"sku": listing.sku, "allocated": listing.allocated, "ordered": ordered})
    scarce_exhausted = all(x.allocated == x.quantity for x in Listing.objects.filter(
        pk__in=[x.pk for x in listings[:args.scarce]])) if refused else None
    summary = {
        "threads": args.threads, "orders_attempted": total_orders, "orders_placed": len(placed),
        "orders_refused": len(refused), "unexpected_errors": errors[:5], "seconds": round(elapsed, 3),
        "orders_per_s": round(len(placed) / elapsed, 1) if elapsed else None,
        "attempts_per_s": round(total_orders / elapsed, 1) if elapsed else None,
        "oversold": oversold, "allocation_mismatches": mismatches,
        "scarce_listings_sold_out_exactly": scarce_exhausted,
    }
    summary["invariants_ok"] = not oversold and not mismatches and not errors
    cleanup(tag)
    line = json.dumps(summary)
    if os.environ.get("BENCH_RESULT_JSON"):
        Path(os.environ["BENCH_RESULT_JSON"]).write_text(line)
    print(f"{len(placed)} orders placed, {len(refused)} refused (out of stock) in {elapsed:.2f} s "
          f"with {args.threads} threads: {summary['orders_per_s']} orders/s; oversold {oversold}; "
          f"invariants {'OK' if summary['invariants_ok'] else 'BROKEN'}")
    print(line)
    return 0 if summary["invariants_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
