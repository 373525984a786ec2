"""The generated catalog: the category tree, brands, device models over real product lines, and
their products (storage, colour, connectivity) with their new prices and popularity."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import timedelta

from benchmarks.generator.pg_copy import copy_rows
from benchmarks.generator.values import NOW, cents, slugify

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


@dataclass
class Catalog:
    category_ids: dict[str, int] = field(default_factory=dict)
    model_names: list[str] = field(default_factory=list)
    product_model: list[int] = field(default_factory=list)     # product index -> model index
    product_label: list[str] = field(default_factory=list)     # product index -> display name
    product_price: list[int] = field(default_factory=list)     # new price in cents
    product_weight: list[float] = field(default_factory=list)  # popularity



def model_name(series: str, gen, suffix: str) -> str:
    """"Galaxy S" + 21 -> "Galaxy S21", "iPhone" + 13 -> "iPhone 13", as the makers write them."""
    last = series.split()[-1]
    glue = "" if len(last) <= 2 or series.endswith(("-T", "XM")) else " "
    return " ".join(f"{series}{glue if gen != '' else ''}{gen}{suffix}".split())



def gen_categories(cursor, catalog: Catalog) -> None:
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


def gen_catalog(cursor, rng: random.Random, counts: dict[str, int], catalog: Catalog) -> None:
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
