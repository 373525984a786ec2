"""The generated orders over the past year: orders with their seller orders in every state, their
lines on approved sellers' listings, and their payments."""
from __future__ import annotations

import random
from datetime import timedelta

from benchmarks.generator.catalog import Catalog
from benchmarks.generator.pg_copy import copy_rows
from benchmarks.generator.sellers import ListingInfo, SellerInfo
from benchmarks.generator.values import CITIES, FIRST, LAST, NOW, cents


def gen_orders(cursor, rng: random.Random, n: int, shopper_ids: list[int], sellers: SellerInfo,
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
