"""Seller order history written straight to the tables (no services), for score tests at scale."""
import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from orders.models import Order, OrderLine, ReturnRequest, SellerOrder
from reviews.models import Review
from sellers.models import Listing, Seller

_numbers = itertools.count(1)
# A Monday at 10:00, so shipping deadlines are easy to read (ship by Wednesday's end).
MONDAY = timezone.make_aware(datetime(2026, 11, 23, 10, 0))


def seller_order(*, seller: Seller, listing: Listing, paid_at=MONDAY, accepted_after=timedelta(hours=2),
                 shipped_after=timedelta(days=1), delivered_after=timedelta(days=3), cancel_cause="",
                 quantity: int = 1, user=None) -> SellerOrder:
    """A seller order paid at `paid_at`, accepted, shipped and delivered after the given delays
    (None: it never got there); with a cancel cause it is cancelled instead of accepted."""
    total = listing.price * quantity
    order = Order.objects.create(
        number=f"Q{next(_numbers):08d}", user=user, email="buyer@example.test", status=Order.Status.PAID,
        ship_full_name="A", ship_line1="1 rue", ship_postal_code="75001", ship_city="Paris",
        ship_country="FR", subtotal=total, shipping_total=Decimal("0"), total=total, paid_at=paid_at)
    accepted = paid_at + accepted_after if accepted_after is not None and not cancel_cause else None
    shipped = accepted + shipped_after if accepted and shipped_after is not None else None
    delivered = shipped + delivered_after if shipped and delivered_after is not None else None
    state = ("cancelled" if cancel_cause else "delivered" if delivered else "shipped" if shipped
             else "accepted" if accepted else "paid")
    so = SellerOrder.objects.create(
        order=order, seller=seller, state=state, subtotal=total, shipping_fee=Decimal("0"), total=total,
        commission_rate=Decimal("0.1"), paid_at=paid_at, accepted_at=accepted, shipped_at=shipped,
        delivered_at=delivered, cancel_cause=cancel_cause,
        cancelled_at=paid_at + timedelta(hours=1) if cancel_cause else None)
    OrderLine.objects.create(seller_order=so, listing=listing, product_name="Phone", grade=listing.grade,
                             sku=listing.sku, unit_price=listing.price, quantity=quantity,
                             warranty_months=listing.warranty_months)
    return so


def return_of(so: SellerOrder, reason: str, state: str = ReturnRequest.State.REQUESTED) -> ReturnRequest:
    line = so.lines.first()
    return ReturnRequest.objects.create(seller_order=so, order_line=line, reason=reason, state=state,
                                        comment="x", amount=line.line_total)


def review_of(so: SellerOrder, stars: int, *, hidden: bool = False, at=None) -> Review:
    return Review.objects.create(seller_order=so, seller_id=so.seller_id, stars=stars,
                                 created_at=at or (so.delivered_at or MONDAY) + timedelta(days=1),
                                 hidden_at=timezone.now() if hidden else None)
