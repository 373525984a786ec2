"""Generates a large, realistic marketplace for the scale benchmarks, fast and deterministically.

At --scale 1: 10,000 products over 2,000 device models, 500 sellers, 200,000 listings and
50,000 orders with their seller orders, lines and payments. Rows are written with PostgreSQL
COPY, so a full-scale run takes well under a minute. The same --seed gives the same data.

    python benchmarks/generate.py [--scale 1] [--seed 2026]

It EMPTIES the catalog, sellers, orders and user tables of the database it points at
(DATABASE_URL), so point it at a benchmark database only.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.big_seller import add_big_seller  # noqa: E402
from marketplace.db import copy_in  # noqa: E402

FULL_SCALE = {"products": 10_000, "models": 2_000, "sellers": 500, "listings": 200_000,
              "orders": 50_000, "shoppers": 20_000}
DATASET_TABLE = "benchmark_dataset"
BENCH_SELLER_SLUG = "bench-refurb-lab"
BENCH_SELLER_EMAIL = "seller0@bench.test"
BENCH_SHOPPER_EMAIL = "shopper0@bench.test"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # fixed, so two runs write the same rows

# Leaf categories under each top-level category.
CATEGORY_TREE = {
    "Smartphones": ["iPhone", "Android phones", "Foldable phones", "Rugged phones"],
    "Laptops": ["MacBook", "Ultrabooks", "Gaming laptops", "Chromebooks", "Business laptops"],
    "Tablets": ["iPad", "Android tablets", "Windows tablets", "E-readers"],
    "Smartwatches": ["Apple Watch", "Wear OS watches", "Fitness trackers"],
    "Consoles": ["Home consoles", "Handheld consoles", "VR headsets"],
    "Audio": ["Headphones", "Earbuds", "Smart speakers"],
    "Cameras": ["Mirrorless cameras", "Action cameras", "Compact cameras"],
}

# (brand, leaf category, series, generations, suffixes, new price of the first generation,
#  storage options in GB or None, connectivity options)
PHONE = ["", " Plus", " Pro", " Pro Max", " mini", " 5G", " Lite", " Ultra", " FE"]
LAPTOP = ["", " 13", " 14", " 15", " 16", " Pro", " Air", " Max"]
SMALL = ["", " Pro", " Lite", " Plus", " Sport", " 2"]
STORAGE_PHONE = [64, 128, 256, 512, 1024]
STORAGE_LAPTOP = [256, 512, 1024, 2048]
STORAGE_TABLET = [32, 64, 128, 256, 512]
UNLOCKED = ["Unlocked", "Dual SIM unlocked"]
WIFI = ["Wi-Fi", "Wi-Fi + Cellular"]
NONE_CONN: list[str] = [""]
LINES = [
    ("Apple", "iPhone", "iPhone", range(6, 17), ["", " Plus", " Pro", " Pro Max", " mini", " SE"],
     650, STORAGE_PHONE, UNLOCKED),
    ("Samsung", "Android phones", "Galaxy S", range(8, 26), PHONE, 700, STORAGE_PHONE, UNLOCKED),
    ("Samsung", "Android phones", "Galaxy A", range(10, 75, 2), PHONE, 280, STORAGE_PHONE, UNLOCKED),
    ("Samsung", "Foldable phones", "Galaxy Z Fold", range(1, 7), ["", " 5G"], 1600, STORAGE_PHONE,
     UNLOCKED),
    ("Samsung", "Foldable phones", "Galaxy Z Flip", range(1, 7), ["", " 5G"], 1000, STORAGE_PHONE,
     UNLOCKED),
    ("Google", "Android phones", "Pixel", range(3, 10), PHONE, 600, STORAGE_PHONE, UNLOCKED),
    ("Xiaomi", "Android phones", "Redmi Note", range(7, 14), PHONE, 230, STORAGE_PHONE, UNLOCKED),
    ("Xiaomi", "Android phones", "Xiaomi", range(9, 15), PHONE, 650, STORAGE_PHONE, UNLOCKED),
    ("OnePlus", "Android phones", "OnePlus", range(6, 13), PHONE, 600, STORAGE_PHONE, UNLOCKED),
    ("OnePlus", "Android phones", "OnePlus Nord", range(1, 5), PHONE, 380, STORAGE_PHONE, UNLOCKED),
    ("Sony", "Android phones", "Xperia", range(1, 6), [" I", " II", " III", " IV", " V"], 800,
     STORAGE_PHONE, UNLOCKED),
    ("Motorola", "Android phones", "Moto G", range(20, 90, 5), PHONE, 200, STORAGE_PHONE, UNLOCKED),
    ("Motorola", "Foldable phones", "Razr", range(2019, 2025), ["", " Plus"], 1100, STORAGE_PHONE,
     UNLOCKED),
    ("Nokia", "Rugged phones", "Nokia XR", range(10, 22), ["", " 5G"], 450, STORAGE_PHONE, UNLOCKED),
    ("Oppo", "Android phones", "Find X", range(2, 8), PHONE, 900, STORAGE_PHONE, UNLOCKED),
    ("Huawei", "Android phones", "P", range(20, 70, 10), PHONE, 700, STORAGE_PHONE, UNLOCKED),
    ("Fairphone", "Android phones", "Fairphone", range(3, 6), ["", " Plus"], 550, STORAGE_PHONE,
     UNLOCKED),
    ("CAT", "Rugged phones", "CAT S", range(40, 80, 2), ["", " Pro"], 500, STORAGE_PHONE, UNLOCKED),
    ("Apple", "MacBook", "MacBook Air M", range(1, 5), LAPTOP, 1200, STORAGE_LAPTOP, NONE_CONN),
    ("Apple", "MacBook", "MacBook Pro M", range(1, 5), LAPTOP, 2000, STORAGE_LAPTOP, NONE_CONN),
    ("Dell", "Ultrabooks", "XPS", range(9300, 9800, 50), LAPTOP, 1400, STORAGE_LAPTOP, NONE_CONN),
    ("Dell", "Business laptops", "Latitude", range(5400, 7500, 100), LAPTOP, 1100, STORAGE_LAPTOP,
     NONE_CONN),
    ("HP", "Business laptops", "EliteBook", range(830, 870, 5), LAPTOP, 1300, STORAGE_LAPTOP,
     NONE_CONN),
    ("HP", "Ultrabooks", "Spectre x", range(360, 362), LAPTOP, 1500, STORAGE_LAPTOP, NONE_CONN),
    ("Lenovo", "Business laptops", "ThinkPad T", range(470, 500), LAPTOP, 1250, STORAGE_LAPTOP,
     NONE_CONN),
    ("Lenovo", "Business laptops", "ThinkPad X1 Carbon Gen", range(5, 13), [""], 1800,
     STORAGE_LAPTOP, NONE_CONN),
    ("Lenovo", "Gaming laptops", "Legion", range(5, 10), LAPTOP, 1500, STORAGE_LAPTOP, NONE_CONN),
    ("Asus", "Gaming laptops", "ROG Zephyrus G", range(14, 17), LAPTOP, 1700, STORAGE_LAPTOP,
     NONE_CONN),
    ("Asus", "Ultrabooks", "ZenBook", range(13, 17), LAPTOP, 1000, STORAGE_LAPTOP, NONE_CONN),
    ("Acer", "Chromebooks", "Chromebook", range(311, 320), LAPTOP, 350, [32, 64, 128], NONE_CONN),
    ("Acer", "Gaming laptops", "Predator Helios", range(300, 320, 5), LAPTOP, 1600, STORAGE_LAPTOP,
     NONE_CONN),
    ("Microsoft", "Ultrabooks", "Surface Laptop", range(3, 8), LAPTOP, 1200, STORAGE_LAPTOP,
     NONE_CONN),
    ("Razer", "Gaming laptops", "Blade", range(14, 19), LAPTOP, 2200, STORAGE_LAPTOP, NONE_CONN),
    ("MSI", "Gaming laptops", "Stealth", range(14, 19), LAPTOP, 1900, STORAGE_LAPTOP, NONE_CONN),
    ("Apple", "iPad", "iPad", range(6, 11), ["", " Air", " mini", " Pro 11", " Pro 12.9"], 500,
     STORAGE_TABLET, WIFI),
    ("Samsung", "Android tablets", "Galaxy Tab S", range(5, 10), SMALL, 650, STORAGE_TABLET, WIFI),
    ("Lenovo", "Android tablets", "Tab P", range(11, 13), SMALL, 350, STORAGE_TABLET, WIFI),
    ("Microsoft", "Windows tablets", "Surface Pro", range(4, 11), ["", " LTE"], 1100,
     STORAGE_LAPTOP, NONE_CONN),
    ("Amazon", "E-readers", "Kindle Paperwhite", range(3, 6), ["", " Signature"], 150, [8, 16, 32],
     WIFI),
    ("Kobo", "E-readers", "Kobo Clara", range(1, 3), ["", " HD", " Colour"], 140, [8, 16], WIFI),
    ("Apple", "Apple Watch", "Apple Watch Series", range(3, 11), [" 41 mm", " 45 mm", " 44 mm",
                                                                  " 40 mm"], 430, None,
     ["GPS", "GPS + Cellular"]),
    ("Apple", "Apple Watch", "Apple Watch Ultra", range(1, 4), [""], 900, None, ["GPS + Cellular"]),
    ("Samsung", "Wear OS watches", "Galaxy Watch", range(4, 8), SMALL, 300, None,
     ["Bluetooth", "LTE"]),
    ("Google", "Wear OS watches", "Pixel Watch", range(1, 4), ["", " 41 mm", " 45 mm"], 380, None,
     ["Wi-Fi", "LTE"]),
    ("Garmin", "Fitness trackers", "Forerunner", range(55, 975, 30), ["", " Music"], 350, None,
     NONE_CONN),
    ("Fitbit", "Fitness trackers", "Charge", range(3, 7), [""], 160, None, NONE_CONN),
    ("Sony", "Home consoles", "PlayStation", range(4, 6), ["", " Slim", " Pro", " Digital Edition"],
     450, [500, 825, 1024, 2048], NONE_CONN),
    ("Microsoft", "Home consoles", "Xbox Series", [""], [" S", " X"], 500, [512, 1024],
     NONE_CONN),
    ("Nintendo", "Handheld consoles", "Switch", ["", " 2"], ["", " Lite", " OLED"], 330, [32, 64],
     NONE_CONN),
    ("Valve", "Handheld consoles", "Steam Deck", [""], ["", " OLED"], 420, [64, 256, 512, 1024],
     NONE_CONN),
    ("Meta", "VR headsets", "Quest", range(2, 4), ["", " Pro"], 500, [128, 256, 512], NONE_CONN),
    ("Sony", "Headphones", "WH-1000XM", range(3, 6), [""], 380, None, ["Bluetooth"]),
    ("Bose", "Headphones", "QuietComfort", range(35, 46, 10), ["", " II", " Ultra"], 350, None,
     ["Bluetooth"]),
    ("Apple", "Earbuds", "AirPods", range(2, 5), ["", " Pro"], 180, None, ["Lightning", "USB-C"]),
    ("Samsung", "Earbuds", "Galaxy Buds", range(1, 4), ["", " Pro", " Live", " FE"], 150, None,
     ["Bluetooth"]),
    ("Sonos", "Smart speakers", "Sonos Era", range(100, 301, 200), [""], 300, None, ["Wi-Fi"]),
    ("Canon", "Mirrorless cameras", "EOS R", range(5, 11), ["", " Mark II"], 1800, None, NONE_CONN),
    ("Sony", "Mirrorless cameras", "Alpha 7", range(2, 5), ["", " R", " S", " C"], 2000, None,
     NONE_CONN),
    ("Fujifilm", "Mirrorless cameras", "X-T", range(3, 6), ["", "0", "00"], 1500, None, NONE_CONN),
    ("GoPro", "Action cameras", "HERO", range(7, 13), ["", " Black", " Silver"], 400, None,
     NONE_CONN),
    ("Canon", "Compact cameras", "PowerShot G", range(5, 10), [" X", " X Mark II", " X Mark III"],
     700, None, NONE_CONN),
]
COLOURS = ["Black", "White", "Silver", "Space Grey", "Midnight", "Starlight", "Blue", "Green",
           "Red", "Gold", "Purple", "Graphite"]
GRADES = ["premium", "excellent", "good", "fair"]
GRADE_WEIGHTS = [0.14, 0.34, 0.36, 0.16]
GRADE_PRICE = {"premium": 0.80, "excellent": 0.70, "good": 0.61, "fair": 0.53}
CITIES = [("75011", "Paris"), ("69002", "Lyon"), ("13001", "Marseille"), ("31000", "Toulouse"),
          ("33000", "Bordeaux"), ("59000", "Lille"), ("44000", "Nantes"), ("67000", "Strasbourg")]
FIRST = ["Alex", "Camille", "Jules", "Léa", "Hugo", "Manon", "Louis", "Chloé", "Noah", "Inès",
         "Lucas", "Emma", "Arthur", "Zoé", "Nathan", "Sarah", "Paul", "Jeanne", "Tom", "Alice"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
        "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Roux", "Fournier", "Girard"]
SELLER_WORDS = ["Green", "Phone", "Lab", "Refurb", "Second", "Life", "Tech", "Renew", "Circular",
                "Pixel", "Byte", "Repair", "Works", "Loop", "Revive", "Mobile", "Device", "Eco",
                "Station", "Depot", "Hub", "Factory", "Atelier", "Smart"]


def scaled(scale: float) -> dict[str, int]:
    """The row counts for a scale; a floor keeps tiny scales meaningful."""
    floors = {"products": 10, "models": 3, "sellers": 5, "listings": 40, "orders": 10, "shoppers": 5}
    counts = {name: max(floors[name], round(n * scale)) for name, n in FULL_SCALE.items()}
    counts["models"] = min(counts["models"], counts["products"])
    return counts


def slugify(text: str) -> str:
    out = []
    for ch in text.lower():
        out.append(ch if ch.isalnum() and ch.isascii() else "-")
    return "-".join(part for part in "".join(out).split("-") if part)


def model_name(series: str, gen, suffix: str) -> str:
    """"Galaxy S" + 21 -> "Galaxy S21", "iPhone" + 13 -> "iPhone 13", as the makers write them."""
    last = series.split()[-1]
    glue = "" if len(last) <= 2 or series.endswith(("-T", "XM")) else " "
    return " ".join(f"{series}{glue if gen != '' else ''}{gen}{suffix}".split())


def cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


# --- COPY -----------------------------------------------------------------------------------

def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, datetime):
        return value.isoformat()
    else:
        value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(cursor, model, columns: Sequence[str], rows: Iterable[Sequence], chunk: int = 50_000) -> int:
    """COPYs rows (values for `columns`, by attname) into the model's table.

    Concrete fields the generator does not know about (added later by another app's migration)
    get their Python default, or NULL, so the generator keeps working as the schema grows.
    """
    from django.db.models.expressions import DatabaseDefault
    from django.db.models.fields import NOT_PROVIDED

    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [c for c in columns if c not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no column {unknown}")
    extra_names, extra_values = [], []
    for name, f in fields.items():
        if name in columns:
            continue
        if getattr(f, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
            continue  # the database fills it
        default = f.get_default()
        if isinstance(default, DatabaseDefault):
            continue
        if default in ("", None) and f.null:
            default = None
        extra_names.append(name)
        extra_values.append(_copy_text(default))
    names = [fields[c].column for c in columns] + [fields[c].column for c in extra_names]
    tail = ("\t" + "\t".join(extra_values)) if extra_values else ""
    sql = 'COPY "{}" ({}) FROM STDIN'.format(model._meta.db_table, ", ".join(f'"{n}"' for n in names))
    total, lines = 0, []
    for row in rows:
        lines.append("\t".join(_copy_text(v) for v in row) + tail)
        if len(lines) >= chunk:
            copy_in(cursor, sql, "\n".join(lines) + "\n")
            total += len(lines)
            lines = []
    if lines:
        copy_in(cursor, sql, "\n".join(lines) + "\n")
        total += len(lines)
    return total


# --- Generation -----------------------------------------------------------------------------

@dataclass
class Catalog:
    category_ids: dict[str, int] = field(default_factory=dict)
    model_names: list[str] = field(default_factory=list)
    product_model: list[int] = field(default_factory=list)     # product index -> model index
    product_label: list[str] = field(default_factory=list)     # product index -> display name
    product_price: list[int] = field(default_factory=list)     # new price in cents
    product_weight: list[float] = field(default_factory=list)  # popularity


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


def _gen_categories(cursor, catalog: Catalog) -> None:
    from catalog.models import Category

    rows, cid = [], 0
    for position, (top, leaves) in enumerate(CATEGORY_TREE.items()):
        cid += 1
        top_id = cid
        rows.append((top_id, top, slugify(top), None, f"Refurbished {top.lower()}.", position))
        catalog.category_ids[top] = top_id
        for leaf_position, leaf in enumerate(leaves):
            cid += 1
            rows.append((cid, leaf, slugify(leaf), top_id, f"Refurbished {leaf}.", leaf_position))
            catalog.category_ids[leaf] = cid
    copy_rows(cursor, Category, ["id", "name", "slug", "parent_id", "description", "position"], rows)


def _gen_catalog(cursor, rng: random.Random, counts: dict[str, int], catalog: Catalog) -> None:
    from catalog.models import Brand, Product, ProductModel

    brands = sorted({line[0] for line in LINES})
    brand_ids = {name: i + 1 for i, name in enumerate(brands)}
    copy_rows(cursor, Brand, ["id", "name", "slug"],
              [(brand_ids[b], b, slugify(b)) for b in brands])

    # Every (line, generation, suffix) is a candidate model; keep a deterministic sample.
    candidates = []
    for li, (_b, _c, series, gens, suffixes, _p, _s, _conn) in enumerate(LINES):
        for gi, gen in enumerate(gens):
            for suffix in suffixes:
                candidates.append((li, gi, gen, suffix, model_name(series, gen, suffix)))
    rng.shuffle(candidates)
    chosen, seen = [], set()
    edition = 0
    while len(chosen) < counts["models"]:
        for cand in candidates:
            name = cand[4] if edition == 0 else f"{cand[4]} ({2015 + edition})"
            if name in seen:
                continue
            seen.add(name)
            chosen.append((*cand[:4], name))
            if len(chosen) >= counts["models"]:
                break
        edition += 1

    # Variants per model: at least one, the rest spread towards popular models.
    n_models = len(chosen)
    model_weight = [1 / (rank + 8) ** 0.7 for rank in range(n_models)]
    variants = [1] * n_models
    extra = counts["products"] - n_models
    for mi in rng.choices(range(n_models), weights=model_weight, k=extra):
        variants[mi] += 1

    model_rows, product_rows = [], []
    pid = 0
    slugs: set[str] = set()
    for mi, (li, gi, _gen, suffix, name) in enumerate(chosen):
        brand, leaf, series, _gens, _sfx, base_price, storages, conns = LINES[li]
        release_year = 2014 + min(gi, 11)
        new_price = int(base_price * (1 + 0.06 * gi) * (1.25 if "Pro" in suffix or "Ultra" in suffix
                                                         else 1.0) * 100)
        slug = slugify(f"{brand} {name}") if not name.lower().startswith(brand.lower()) else slugify(name)
        if slug in slugs:
            slug = f"{slug}-{mi + 1}"
        slugs.add(slug)
        created = NOW - timedelta(days=rng.randint(30, 900))
        specs = {"release_year": release_year, "brand": brand, "series": series,
                 "screen": f"{rng.choice([5.4, 6.1, 6.7, 11, 13.3, 14, 15.6, 16])} in"}
        description = (f"The {brand} {name}, refurbished and fully working, tested on 30+ points. "
                       f"{leaf} from the {series} range, released in {release_year}.")
        model_rows.append((mi + 1, brand_ids[brand], catalog.category_ids[leaf], name, slug, description,
                           specs, release_year, cents(new_price), True, created, created))
        catalog.model_names.append(name)
        combos = [(s, c, conn) for s in (storages or [None]) for c in COLOURS for conn in conns]
        rng.shuffle(combos)
        for vi in range(variants[mi]):
            storage, colour, conn = combos[vi % len(combos)]
            pid += 1
            label_parts = [p for p in (f"{storage} GB" if storage else "", colour, conn) if p]
            vslug = slugify(f"{slug} {storage or ''} {colour} {conn} {vi // len(combos) or ''}")
            if vslug in slugs:
                vslug = f"{vslug}-{pid}"
            slugs.add(vslug)
            storage_factor = 1 + 0.15 * math.log2(storage / storages[0]) if storage else 1.0
            product_rows.append((pid, mi + 1, vslug, f"{2_000_000_000_000 + pid}", storage, colour, conn,
                                 {}, True, created))
            catalog.product_model.append(mi)
            catalog.product_label.append(f"{name} {', '.join(label_parts)}".strip())
            catalog.product_price.append(int(new_price * storage_factor))
            catalog.product_weight.append(model_weight[mi] / variants[mi] ** 0.5)
    copy_rows(cursor, ProductModel,
              ["id", "brand_id", "category_id", "name", "slug", "description", "specs", "release_year",
               "reference_price_new", "is_published", "created_at", "updated_at"], model_rows)
    copy_rows(cursor, Product,
              ["id", "model_id", "slug", "reference", "storage_gb", "colour", "connectivity",
               "attributes", "is_active", "created_at"], product_rows)


def _gen_users(cursor, rng: random.Random, n_sellers: int, n_shoppers: int) -> tuple[list[int], list[int]]:
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


def _gen_sellers(cursor, rng: random.Random, n: int, owner_ids: list[int]) -> SellerInfo:
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


def _gen_listings(cursor, rng: random.Random, n: int, catalog: Catalog, sellers: SellerInfo) -> ListingInfo:
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


def _gen_orders(cursor, rng: random.Random, n: int, shopper_ids: list[int], sellers: SellerInfo,
                listings: ListingInfo, catalog: Catalog) -> dict[str, int]:
    from orders.models import Order, OrderLine, Payment, SellerOrder

    by_seller: dict[int, list[int]] = {}
    for li, seller in enumerate(listings.seller):
        if sellers.status[seller] == "approved":
            by_seller.setdefault(seller, []).append(li)
    popular = [li for li in range(len(listings.seller)) if sellers.status[listings.seller[li]] == "approved"]
    order_rows, so_rows, line_rows, payment_rows = [], [], [], []
    so_id = line_id = 0
    for oid in range(1, n + 1):
        created = NOW - timedelta(days=rng.randint(0, 364), seconds=rng.randint(0, 86_399))
        roll = rng.random()
        status = ("paid" if roll < 0.86 else "awaiting_payment" if roll < 0.90
                  else "expired" if roll < 0.95 else "cancelled")
        user = rng.choice(shopper_ids) if rng.random() > 0.05 else None
        first, last = rng.choice(FIRST), rng.choice(LAST)
        postal, city = rng.choice(CITIES)
        n_sellers = rng.choices([1, 2, 3], weights=[0.82, 0.15, 0.03])[0]
        chosen_sellers: list[int] = []
        first_listings: list[int] = []
        while len(chosen_sellers) < n_sellers:
            li = rng.choice(popular)
            if listings.seller[li] not in chosen_sellers:
                chosen_sellers.append(listings.seller[li])
                first_listings.append(li)
        subtotal = shipping_total = 0
        for seller, li in zip(chosen_sellers, first_listings, strict=True):
            so_id += 1
            lines = [li]
            if rng.random() < 0.15 and len(by_seller[seller]) > 1:
                other = rng.choice(by_seller[seller])
                if other != li:
                    lines.append(other)
            so_sub = 0
            for lli in lines:
                line_id += 1
                qty = 1 if rng.random() < 0.9 else 2
                so_sub += listings.price[lli] * qty
                line_rows.append((line_id, so_id, lli + 1, catalog.product_label[listings.product[lli]],
                                  listings.grade[lli], listings.sku[lli], cents(listings.price[lli]), qty,
                                  12))
            fee = sellers.shipping[seller]
            if status == "paid":
                r = rng.random()
                state = ("delivered" if r < 0.55 else "shipped" if r < 0.75 else "accepted" if r < 0.85
                         else "paid" if r < 0.95 else "cancelled" if r < 0.97 else "refunded")
            elif status == "awaiting_payment":
                state = "awaiting_payment"
            else:
                state = "cancelled"
            paid_at = created + timedelta(minutes=3) if status == "paid" else None
            accepted_at = created + timedelta(hours=5) if state in ("accepted", "shipped", "delivered",
                                                                     "refunded") else None
            shipped = state in ("shipped", "delivered", "refunded")
            shipped_at = created + timedelta(days=1) if shipped else None
            delivered_at = created + timedelta(days=3) if state in ("delivered", "refunded") else None
            cancelled_at = created + timedelta(days=2) if state == "cancelled" else None
            refunded = so_sub + fee if state == "refunded" else 0
            so_rows.append((so_id, oid, seller + 1, state, cents(so_sub), cents(fee), cents(so_sub + fee),
                            f"0.{sellers.rate[seller]:04d}", cents(so_sub * sellers.rate[seller] // 10_000),
                            cents(refunded), "Colissimo" if shipped_at else "",
                            f"6A{rng.randint(10**10, 10**11 - 1)}" if shipped_at else "",
                            paid_at, accepted_at, shipped_at, delivered_at, cancelled_at, created,
                            delivered_at or shipped_at or accepted_at or paid_at or created))
            subtotal += so_sub
            shipping_total += fee
        order_rows.append((oid, f"BN{oid:08d}", user, f"shopper{oid % 997}@bench.test", status,
                           f"{first} {last}", f"{rng.randint(1, 200)} avenue de la République", "",
                           postal, city, "FR", "", "EUR", cents(subtotal), cents(shipping_total),
                           cents(subtotal + shipping_total),
                           created + timedelta(minutes=30), created + timedelta(minutes=3)
                           if status == "paid" else None, created, created))
        pay_status = {"paid": "succeeded", "awaiting_payment": "pending", "expired": "cancelled",
                      "cancelled": "failed"}[status]
        payment_rows.append((oid, oid, "test", f"bench_pay_{oid}", cents(subtotal + shipping_total), "EUR",
                             pay_status, "card_declined" if pay_status == "failed" else "", created, created))
    copy_rows(cursor, Order,
              ["id", "number", "user_id", "email", "status", "ship_full_name", "ship_line1", "ship_line2",
               "ship_postal_code", "ship_city", "ship_country", "ship_phone", "currency", "subtotal",
               "shipping_total", "total", "expires_at", "paid_at", "created_at", "updated_at"], order_rows)
    copy_rows(cursor, SellerOrder,
              ["id", "order_id", "seller_id", "state", "subtotal", "shipping_fee", "total",
               "commission_rate", "commission_amount", "refunded_amount", "carrier", "tracking_number",
               "paid_at", "accepted_at", "shipped_at", "delivered_at", "cancelled_at", "created_at",
               "updated_at"], so_rows)
    copy_rows(cursor, OrderLine,
              ["id", "seller_order_id", "listing_id", "product_name", "grade", "sku", "unit_price",
               "quantity", "warranty_months"], line_rows)
    copy_rows(cursor, Payment,
              ["id", "order_id", "provider", "provider_reference", "amount", "currency", "status",
               "failure_reason", "created_at", "updated_at"], payment_rows)
    return {"orders": len(order_rows), "seller_orders": len(so_rows), "order_lines": len(line_rows),
            "payments": len(payment_rows)}


# A generated marketplace holds what `manage.py stock_check` proves of a real one: each listing's
# allocated is the units its live seller orders hold (awaiting payment, paid, accepted; on hand
# raised to cover them), and its numbers are its opening stock movement.
_LEDGER_SQL = (
    "UPDATE sellers_listing AS l SET allocated = COALESCE(h.units, 0), "
    "quantity = GREATEST(l.quantity, COALESCE(h.units, 0)) "
    "FROM sellers_listing AS x LEFT JOIN (SELECT line.listing_id, SUM(line.quantity) AS units "
    "FROM orders_orderline AS line JOIN orders_sellerorder AS so ON so.id = line.seller_order_id "
    "WHERE so.state IN ('awaiting_payment', 'paid', 'accepted') GROUP BY line.listing_id) AS h "
    "ON h.listing_id = x.id WHERE x.id = l.id AND (l.allocated <> COALESCE(h.units, 0) "
    "OR l.quantity < COALESCE(h.units, 0)); "
    "INSERT INTO sellers_stockmovement (listing_id, seller_id, quantity_delta, allocated_delta, reason, "
    "created_at) SELECT id, seller_id, quantity, allocated, 'opening', created_at FROM sellers_listing "
    "WHERE quantity <> 0 OR allocated <> 0 ORDER BY id"
)
_BUYABLE_SQL = (
    "SELECT COUNT(*) FROM sellers_listing AS l JOIN sellers_seller AS s ON s.id = l.seller_id "
    "WHERE l.is_active AND l.archived_at IS NULL AND l.quantity > l.allocated AND s.status = 'approved'"
)


# Reviews: about 40 % of delivered seller orders of shoppers with an account, a day after delivery,
# stars around the seller's generated rating (PostgreSQL's random(), seeded for the same rows).
_REVIEWS_SQL = (
    "SELECT setseed(0.2026); "
    "INSERT INTO reviews_review (seller_order_id, seller_id, author_id, stars, comment, created_at, "
    "hidden_reason, reply) "
    "SELECT so.id, so.seller_id, o.user_id, LEAST(5, GREATEST(1, ROUND(s.rating + (random() - 0.5) * 2))), "
    "'', so.delivered_at + INTERVAL '1 day', '', '' "
    "FROM orders_sellerorder AS so JOIN orders_order AS o ON o.id = so.order_id "
    "JOIN sellers_seller AS s ON s.id = so.seller_id "
    "WHERE so.delivered_at IS NOT NULL AND o.user_id IS NOT NULL AND s.rating > 0 AND random() < 0.4 "
    "ORDER BY so.id"
)


def _gen_reviews_and_scores(cursor) -> tuple[int, float]:
    """Reviews of delivered seller orders, then every seller's quality score computed by the nightly
    job's own function; returns the reviews written and that job's seconds."""
    from sellers.performance import seller_scores_compute

    cursor.execute(_REVIEWS_SQL)
    cursor.execute("SELECT COUNT(*) FROM reviews_review")
    reviews = cursor.fetchone()[0]
    started = time.perf_counter()
    seller_scores_compute(now=NOW)
    return reviews, round(time.perf_counter() - started, 2)


def _gen_stock_ledger(cursor) -> int:
    """Allocations that live orders hold and every listing's opening movement; returns the buyable
    listings (the allocations moved)."""
    cursor.execute(_LEDGER_SQL)
    cursor.execute(_BUYABLE_SQL)
    return cursor.fetchone()[0]


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


def _record(cursor, *, scale: float, seed: int, seconds: float, counts: dict[str, int]) -> None:
    cursor.execute(f"""CREATE TABLE IF NOT EXISTS {DATASET_TABLE} (
        id int PRIMARY KEY, scale double precision, seed int, generated_at timestamptz,
        seconds double precision, counts jsonb)""")
    cursor.execute(f"DELETE FROM {DATASET_TABLE}")
    cursor.execute(f"INSERT INTO {DATASET_TABLE} VALUES (1, %s, %s, now(), %s, %s)",
                   [scale, seed, seconds, json.dumps(counts)])


def dataset_info() -> dict | None:
    """What the last generate() wrote into this database, or None."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [DATASET_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT scale, seed, generated_at, seconds, counts FROM {DATASET_TABLE}")
        row = cursor.fetchone()
    if row is None:
        return None
    counts = row[4] if isinstance(row[4], dict) else json.loads(row[4])
    return {"scale": row[0], "seed": row[1], "generated_at": row[2], "seconds": row[3], "counts": counts}


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
        _gen_categories(cursor, catalog)
        _gen_catalog(cursor, rng, counts, catalog)
        log(f"  catalog: {len(catalog.model_names)} models, {len(catalog.product_model)} products "
            f"({time.perf_counter() - started:.1f} s)")
        seller_users, shopper_users = _gen_users(cursor, rng, counts["sellers"], counts["shoppers"])
        sellers = _gen_sellers(cursor, rng, counts["sellers"], seller_users)
        listings = _gen_listings(cursor, rng, counts["listings"], catalog, sellers)
        log(f"  sellers and listings: {counts['sellers']} sellers, {len(listings.seller)} listings "
            f"({time.perf_counter() - started:.1f} s)")
        order_counts = _gen_orders(cursor, rng, counts["orders"], shopper_users, sellers, listings, catalog)
        log(f"  orders: {order_counts} ({time.perf_counter() - started:.1f} s)")
        big = add_big_seller(cursor, rng, scale=scale, catalog=catalog,
                             first_listing_id=len(listings.seller) + 1)
        log(f"  volume seller: {big} listings ({time.perf_counter() - started:.1f} s)")
        buyable = _gen_stock_ledger(cursor)
        reviews, score_seconds = _gen_reviews_and_scores(cursor)
        log(f"  reviews: {reviews}; every seller's quality score in {score_seconds} s "
            f"({time.perf_counter() - started:.1f} s)")
        log(f"  stock ledger: allocations from live orders, opening movements "
            f"({time.perf_counter() - started:.1f} s)")
        # Check every foreign key now, and leave no deferred trigger pending in the transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _reset_sequences(cursor, models)
        search = refresh_search_index(cursor)
        log(f"  search: {search}")
        from sellers.selectors import buy_box_standings_refresh

        boxes = buy_box_standings_refresh()  # the stored buy boxes, by their one writer
        log(f"  buy boxes stored: {boxes} ({time.perf_counter() - started:.1f} s)")
        result = {
            "categories": len(catalog.category_ids), "models": len(catalog.model_names),
            "products": len(catalog.product_model), "sellers": counts["sellers"],
            "listings": len(listings.seller) + big, "buyable_listings": buyable,
            "users": len(seller_users) + len(shopper_users) + 1, **order_counts,
        }
        _record(cursor, scale=scale, seed=seed, seconds=time.perf_counter() - started, counts=result)
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
