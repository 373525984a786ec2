"""The generated marketplace's volume seller: one refurbisher with 50,000 listings (issue 15).

"Bench Volume Outlet" (`seller-big@bench.test`, the demo password) lists nearly every product in
every grade, some boxes twice (a second SKU with a longer warranty), priced around the market so
that it wins some boxes, loses others by a little or a lot, and stands alone on a few. A share of
its listings is out of stock, low on stock, paused or archived, so every filter of the listing list
has rows to find. Called by benchmarks/generate.py inside its transaction, with its COPY helper.
"""
from __future__ import annotations

import random
from datetime import timedelta

BIG_SELLER_LISTINGS = 50_000  # at --scale 1
BIG_SELLER_SLUG = "bench-volume-outlet"
BIG_SELLER_EMAIL = "seller-big@bench.test"
BIG_SELLER_NAME = "Bench Volume Outlet"


def big_seller_count(scale: float) -> int:
    return max(40, round(BIG_SELLER_LISTINGS * scale))


def add_big_seller(cursor, rng: random.Random, *, scale: float, catalog, first_listing_id: int) -> int:
    """Writes the seller, its owner and its listings; returns the number of listings written."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from benchmarks.generate import GRADE_PRICE, GRADES, NOW, cents, copy_rows
    from marketplace.demo import DEMO_PASSWORD
    from sellers.models import Listing, Seller, SellerMember

    user_model = get_user_model()
    cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{user_model._meta.db_table}"')
    user_id = cursor.fetchone()[0]
    cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{Seller._meta.db_table}"')
    seller_id = cursor.fetchone()[0]
    created = NOW - timedelta(days=400)
    copy_rows(cursor, user_model, ["id", "password", "last_login", "is_superuser", "username", "first_name",
                                   "last_name", "email", "is_staff", "is_active", "date_joined"],
              [(user_id, make_password(DEMO_PASSWORD), None, False, BIG_SELLER_EMAIL, "Vera", "Volume",
                BIG_SELLER_EMAIL, False, True, created)])
    copy_rows(cursor, EmailAddress, ["id", "user_id", "email", "verified", "primary"],
              [(user_id, user_id, BIG_SELLER_EMAIL, True, True)])
    address = "1 quai de l'Entrepôt, 93200 Saint-Denis"
    copy_rows(cursor, Seller,
              ["id", "name", "slug", "status", "status_reason", "vat_number", "contact_name",
               "contact_email", "phone", "business_address", "return_address", "commission_rate",
               "shipping_fee", "rating", "rating_count", "low_stock_alerts", "accepted_terms_at",
               "approved_at", "created_at", "updated_at"],
              [(seller_id, BIG_SELLER_NAME, BIG_SELLER_SLUG, "approved", "", "FR12345678901", "Vera Volume",
                BIG_SELLER_EMAIL, "+33 1 23 45 67 89", address, address, "0.1000", "0.00", "0.00", 0, True,
                created, created + timedelta(days=2), created, created)])
    copy_rows(cursor, SellerMember, ["id", "seller_id", "user_id", "role", "created_at"],
              [(seller_id, seller_id, user_id, "owner", created)])

    n = big_seller_count(scale)
    boxes = [(product, grade) for product in range(len(catalog.product_model)) for grade in GRADES]
    rng.shuffle(boxes)
    # Every box once while there are boxes, then a second SKU with a longer warranty on some.
    picks = [(box, 12) for box in boxes[:n]] + [(box, 24) for box in boxes[:max(0, n - len(boxes))]]
    rows = []
    for offset, ((product, grade), warranty) in enumerate(picks):
        lid = first_listing_id + offset
        base = catalog.product_price[product] * GRADE_PRICE[grade]
        price = max(500, int(base * rng.uniform(0.84, 1.12)) // 100 * 100 + rng.choice([0, 49, 90, 99]))
        roll = rng.random()
        quantity = 0 if roll < 0.10 else rng.randint(1, 3) if roll < 0.25 else rng.randint(4, 60)
        archived = rng.random() < 0.01
        active = not archived and rng.random() > 0.03
        listed = NOW - timedelta(days=rng.randint(1, 390), seconds=rng.randint(0, 86_399))
        updated = min(NOW, listed + timedelta(days=rng.randint(0, 30)))
        rows.append((lid, seller_id, product + 1, grade, f"VOL-{offset + 1:06d}", cents(price), quantity, 0,
                     warranty, active, updated if archived else None, listed, updated))
    copy_rows(cursor, Listing,
              ["id", "seller_id", "product_id", "grade", "sku", "price", "quantity", "allocated",
               "warranty_months", "is_active", "archived_at", "created_at", "updated_at"], rows)
    return len(rows)
