"""Demo sellers and their listings: buy boxes, ties, losing offers and out-of-stock grades all appear."""
import random
import zlib
from decimal import Decimal

from django.utils import timezone

from catalog.models import Grade

from .ledger import Reason, StockCause, stock_listings_insert
from .models import Listing, Seller, SellerMember
from .services import phone_product_ids

# (slug, name, status, rating, number of ratings, SKU prefix, how keen on price: lower is cheaper)
SELLERS = [
    ("green-phone-lab", "Green Phone Lab", Seller.Status.APPROVED, "4.60", 812, "GPL", 1.00),
    ("renew-tech", "ReNew Tech", Seller.Status.APPROVED, "4.85", 2310, "RNT", 1.03),
    ("second-life-devices", "Second Life Devices", Seller.Status.APPROVED, "4.20", 455, "SLD", 0.98),
    ("ecocell-refurb", "EcoCell Refurb", Seller.Status.APPROVED, "4.60", 301, "ECO", 1.00),
    ("budget-bytes", "Budget Bytes", Seller.Status.APPROVED, "3.90", 1204, "BB", 0.95),
    ("shady-deals", "Shady Deals Ltd", Seller.Status.SUSPENDED, "2.10", 98, "SHD", 0.70),
    ("fresh-start-repairs", "Fresh Start Repairs", Seller.Status.PENDING, "0.00", 0, "FSR", 0.80),
]
GRADE_FACTOR = {Grade.PREMIUM: Decimal("0.88"), Grade.EXCELLENT: Decimal("0.79"),
                Grade.GOOD: Decimal("0.71"), Grade.FAIR: Decimal("0.63")}
GPL_TARGET = 50


def _seller(slug, name, status, rating, rating_count, users) -> Seller:
    email = users["seller"].email if slug == "green-phone-lab" else f"contact@{slug}.test"
    return Seller.objects.get_or_create(
        slug=slug,
        defaults={"name": name, "status": status, "vat_number": f"FR{zlib.crc32(slug.encode()):011d}",
                  "contact_name": "Rita Refurb" if slug == "green-phone-lab" else "Sales team",
                  "contact_email": email, "business_address": "1 rue du Port, Lyon",
                  "return_address": "1 rue du Port, Lyon", "rating": Decimal(rating),
                  "rating_count": rating_count,
                  "approved_at": timezone.now() if status == Seller.Status.APPROVED else None,
                  "status_reason": "Repeated late shipments." if status == Seller.Status.SUSPENDED else ""},
    )[0]


def _device(*, slug: str, grade: str, phone: bool, rng: random.Random) -> dict:
    """The device itself for a demo offer: ReNew Tech fits new batteries in its premium and excellent
    devices; other batteries read lower as the grade falls; most phones are unlocked."""
    if slug == "renew-tech" and grade in (Grade.PREMIUM, Grade.EXCELLENT):
        battery = {"battery_health": 100, "battery_new": True}
    else:
        low = {Grade.PREMIUM: 90, Grade.EXCELLENT: 86, Grade.GOOD: 82, Grade.FAIR: 78}[grade]
        battery = {"battery_health": rng.randint(low, 99)} if rng.random() < 0.85 else {}
    box = {"includes_cable": rng.random() < 0.8, "includes_charger": rng.random() < 0.35,
           "includes_box": grade == Grade.PREMIUM and rng.random() < 0.5}
    phone_facts = {"is_unlocked": rng.random() < 0.9, "has_esim": rng.random() < 0.6} if phone else {}
    return {**battery, **box, **phone_facts}


def _price(value: Decimal) -> Decimal:
    """Shop-like prices: 349.00, 412.00 …"""
    return max(Decimal("9.00"), value.quantize(Decimal("1")))


def seed_sellers(*, users: dict, catalog: dict) -> dict:
    """Creates what is missing; a second run changes nothing (the plan is drawn from a fixed seed)."""
    sellers = {slug: _seller(slug, name, status, rating, count, users)
               for slug, name, status, rating, count, _prefix, _keen in SELLERS}
    demo = sellers["green-phone-lab"]
    SellerMember.objects.get_or_create(user=users["seller"],
                                       defaults={"seller": demo, "role": SellerMember.Role.OWNER})
    prefix = {slug: p for slug, _n, _s, _r, _c, p, _k in SELLERS}
    keen = {slug: Decimal(str(k)) for slug, _n, _s, _r, _c, _p, k in SELLERS}
    approved_others = ["renew-tech", "second-life-devices", "ecocell-refurb", "budget-bytes"]

    rng = random.Random(2026)  # noqa: S311 - demo data, reproducible on purpose
    device_rng = random.Random(18)  # noqa: S311 - its own stream: the prices above stay as they were
    phones = phone_product_ids(product.pk for product in catalog["products"])
    planned: list[Listing] = []
    gpl_count = 0
    products = sorted(catalog["products"], key=lambda p: p.reference)
    for p_index, product in enumerate(products):
        larger = (product.storage_gb or 0) >= 256
        base = product.model.reference_price_new * (Decimal("1.12") if larger else Decimal("1"))
        for grade in Grade:
            roll = rng.random()
            # Out-of-stock grades: premium is rare, fair often missing.
            if (grade == Grade.PREMIUM and roll < 0.45) or (grade == Grade.FAIR and roll < 0.3):
                continue
            count = rng.choice([1, 1, 2, 2, 3])
            slugs = rng.sample(approved_others, count)
            reference = base * GRADE_FACTOR[grade] * Decimal(str(round(rng.uniform(0.94, 1.06), 3)))
            prices = {slug: _price(reference * keen[slug] * Decimal(str(round(rng.uniform(0.97, 1.05), 3))))
                      for slug in slugs}
            if count >= 2 and rng.random() < 0.3:
                # A tie on price: the better-rated seller (then the older listing) wins.
                prices[slugs[1]] = prices[slugs[0]]
            if gpl_count < GPL_TARGET and (p_index + Grade.rank(grade)) % 3 == 0:
                best = min(prices.values())
                mode = gpl_count % 4
                if mode == 0:
                    prices["green-phone-lab"] = best - Decimal("5")  # wins outright
                elif mode == 1:
                    prices["green-phone-lab"] = best  # ties: rating then age decide
                else:
                    prices["green-phone-lab"] = best + Decimal(rng.choice([4, 9, 15, 30]))  # loses
                gpl_count += 1
            if p_index % 9 == 0 and grade == Grade.GOOD:
                prices["shady-deals"] = _price(min(prices.values()) * Decimal("0.7"))  # never shown
            if p_index % 30 == 0 and grade == Grade.EXCELLENT:
                prices["fresh-start-repairs"] = _price(min(prices.values()) * Decimal("0.8"))  # pending
            for slug, price in prices.items():
                quantity = rng.choice([1, 2, 3, 5, 8, 12])
                if slug != "green-phone-lab" and rng.random() < 0.06:
                    quantity = 0  # offline: kept in the seller's list, never shown to shoppers
                planned.append(Listing(
                    seller=sellers[slug], product=product, grade=grade, price=max(price, Decimal("9.00")),
                    sku=f"{prefix[slug]}-{product.reference}-{grade.value[0].upper()}", quantity=quantity,
                    warranty_months=24 if slug in ("renew-tech", "green-phone-lab") else 12,
                    **_device(slug=slug, grade=grade, phone=product.pk in phones, rng=device_rng),
                ))
    existing = set(Listing.objects.filter(seller__in=sellers.values()).values_list("seller_id", "sku"))
    # Through the stock ledger: each listing's quantity is its opening movement.
    stock_listings_insert(listings=[li for li in planned if (li.seller.pk, li.sku) not in existing],
                          cause=StockCause(Reason.OPENING))
    return {"demo": demo, "sellers": sellers}
