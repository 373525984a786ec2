"""The generated sellers: their owners and the shoppers (users), the sellers with their terms, and
their listings (grade, price, stock) spread over the catalog."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from benchmarks.generator.catalog import Catalog
from benchmarks.generator.pg_copy import copy_rows
from benchmarks.generator.values import BENCH_SELLER_SLUG, CITIES, FIRST, LAST, NOW, cents, slugify

GRADES = ["premium", "excellent", "good", "fair"]
GRADE_WEIGHTS = [0.14, 0.34, 0.36, 0.16]
GRADE_PRICE = {"premium": 0.80, "excellent": 0.70, "good": 0.61, "fair": 0.53}
SELLER_WORDS = ["Green", "Phone", "Lab", "Refurb", "Second", "Life", "Tech", "Renew", "Circular",
                "Pixel", "Byte", "Repair", "Works", "Loop", "Revive", "Mobile", "Device", "Eco",
                "Station", "Depot", "Hub", "Factory", "Atelier", "Smart"]


def gen_users(cursor, rng: random.Random, n_sellers: int, n_shoppers: int) -> tuple[list[int], list[int]]:
    """Seller owners (seller{i}@bench.test), shoppers (shopper{i}@bench.test) and one staff user."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from marketplace.demo import DEMO_PASSWORD

    password = make_password(DEMO_PASSWORD)
    users, uid = [], 0
    seller_users, shopper_users = [], []
    for kind, n in (("seller", n_sellers), ("shopper", n_shoppers), ("staff", 1)):
        for i in range(n):
            uid += 1
            email = f"{kind}{i}@bench.test"
            joined = NOW - timedelta(days=rng.randint(1, 800))
            users.append((uid, password, None, kind == "staff", email, rng.choice(FIRST), rng.choice(LAST),
                          email, kind == "staff", True, joined))
            (seller_users if kind == "seller" else shopper_users if kind == "shopper" else []).append(uid)
    copy_rows(cursor, get_user_model(),
              ["id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
               "email", "is_staff", "is_active", "date_joined"], users)
    copy_rows(cursor, EmailAddress, ["id", "user_id", "email", "verified", "primary"],
              [(u[0], u[0], u[4], True, True) for u in users])
    return seller_users, shopper_users


@dataclass
class SellerInfo:
    status: list[str] = field(default_factory=list)
    rate: list[int] = field(default_factory=list)       # commission in basis points
    shipping: list[int] = field(default_factory=list)   # cents


def gen_sellers(cursor, rng: random.Random, n: int, owner_ids: list[int]) -> SellerInfo:
    from sellers.models import Seller, SellerMember

    info = SellerInfo()
    rows, members = [], []
    for i in range(n):
        roll = rng.random()
        status = ("approved" if i == 0 or roll < 0.88 else "suspended" if roll < 0.93
                  else "pending" if roll < 0.98 else "rejected")
        name = "Bench Refurb Lab" if i == 0 else (
            f"{rng.choice(SELLER_WORDS)} {rng.choice(SELLER_WORDS)} "
            f"{rng.choice(['SAS', 'SARL', 'GmbH', 'Ltd'])} {i}")
        slug = BENCH_SELLER_SLUG if i == 0 else slugify(name)
        rating = 0 if status == "pending" else min(500, max(250, int(rng.gauss(430, 35))))
        rate = rng.choice([800, 1000, 1000, 1000, 1200, 1500])
        shipping = rng.choice([0, 0, 0, 490, 690, 990])
        created = NOW - timedelta(days=rng.randint(60, 900))
        approved_at = created + timedelta(days=2) if status in ("approved", "suspended") else None
        postal, city = rng.choice(CITIES)
        address = f"{rng.randint(1, 120)} rue de l'Atelier, {postal} {city}"
        rows.append((i + 1, name, slug, status, "Repeated late shipments." if status == "suspended" else "",
                     f"FR{rng.randint(10**10, 10**11 - 1)}", f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                     f"seller{i}@bench.test", f"+33 4 {rng.randint(10, 99)} {rng.randint(10, 99)} "
                     f"{rng.randint(10, 99)} {rng.randint(10, 99)}", address, address,
                     f"0.{rate:04d}", cents(shipping), cents(rating), rng.randint(0, 4000) if rating else 0,
                     True, created, approved_at, created, created))
        members.append((i + 1, i + 1, owner_ids[i], "owner", created))
        info.status.append(status)
        info.rate.append(rate)
        info.shipping.append(shipping)
    copy_rows(cursor, Seller,
              ["id", "name", "slug", "status", "status_reason", "vat_number", "contact_name",
               "contact_email", "phone", "business_address", "return_address", "commission_rate",
               "shipping_fee", "rating", "rating_count", "low_stock_alerts", "accepted_terms_at",
               "approved_at", "created_at", "updated_at"], rows)
    copy_rows(cursor, SellerMember, ["id", "seller_id", "user_id", "role", "created_at"], members)
    return info


@dataclass
class ListingInfo:
    seller: list[int] = field(default_factory=list)   # seller index
    product: list[int] = field(default_factory=list)  # product index
    grade: list[str] = field(default_factory=list)
    price: list[int] = field(default_factory=list)
    sku: list[str] = field(default_factory=list)
    buyable: list[bool] = field(default_factory=list)


def gen_listings(cursor, rng: random.Random, n: int, catalog: Catalog, sellers: SellerInfo) -> ListingInfo:
    from sellers.models import Listing

    # Only approved and suspended sellers have listings; the bench seller (index 0) is the largest.
    eligible = [i for i, s in enumerate(sellers.status) if s in ("approved", "suspended")]
    seller_weight = [1 / (rank + 4) ** 0.75 for rank in range(len(eligible))]
    seller_weight[0] = sum(seller_weight) * 0.045
    n_products = len(catalog.product_model)
    product_idx = rng.choices(range(n_products), weights=catalog.product_weight, k=n)
    grades = rng.choices(GRADES, weights=GRADE_WEIGHTS, k=n)
    seller_draws = rng.choices(eligible, weights=seller_weight, k=n * 2)
    taken: set[tuple[int, int, str]] = set()
    info = ListingInfo()
    rows = []
    draw = 0
    for lid in range(1, n + 1):
        product, grade = product_idx[lid - 1], grades[lid - 1]
        for _attempt in range(20):
            seller = seller_draws[draw % len(seller_draws)]
            draw += 1
            if (seller, product, grade) not in taken:
                break
            product = rng.randrange(n_products)  # crowded offer: move to another product
        taken.add((seller, product, grade))
        base = catalog.product_price[product] * GRADE_PRICE[grade]
        price = max(500, int(base * rng.uniform(0.86, 1.14)) // 100 * 100 + rng.choice([0, 0, 90, 99]))
        roll = rng.random()
        quantity = 0 if roll < 0.12 else min(80, 1 + int(rng.expovariate(1 / 6)))
        allocated = rng.randint(0, min(quantity, 3)) if quantity and rng.random() < 0.2 else 0
        archived = rng.random() < 0.02
        active = not archived and rng.random() > 0.03
        created = NOW - timedelta(days=rng.randint(1, 700), seconds=rng.randint(0, 86_399))
        updated = created + timedelta(days=rng.randint(0, 60))
        updated = min(updated, NOW)
        sku = f"S{seller + 1}-{catalog.product_label[product][:12].upper().replace(' ', '')}-{lid}"
        rows.append((lid, seller + 1, product + 1, grade, sku, cents(price), quantity, allocated,
                     rng.choice([12, 12, 12, 18, 24]), active, updated if archived else None, created,
                     updated))
        info.seller.append(seller)
        info.product.append(product)
        info.grade.append(grade)
        info.price.append(price)
        info.sku.append(sku)
        info.buyable.append(active and quantity > allocated and sellers.status[seller] == "approved")
    copy_rows(cursor, Listing,
              ["id", "seller_id", "product_id", "grade", "sku", "price", "quantity", "allocated",
               "warranty_months", "is_active", "archived_at", "created_at", "updated_at"], rows)
    return info
