"""Demo reviews and order history, so the buy box, offers and scorecards show real numbers.

The demo seller (Green Phone Lab) gets reviews on its own delivered demo orders, written by the
demo shopper through the service; the other approved sellers get a few weeks of delivered guest
orders (some late, some refused, a few faulty returns) and reviews. Idempotent: a seller that has
reviews already is left alone. Ends by computing every seller's score."""
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from orders.models import Order, OrderLine, ReturnRequest, SellerOrder
from sellers.models import Listing, Seller
from sellers.performance import seller_scores_compute

from .models import Review
from .services import review_create

COMMENTS = {5: "Like new, fast delivery.", 4: "Very good, a few marks as described.",
            3: "Works, but the battery is weaker than I hoped.", 2: "Slow to ship.", 1: "Not as described."}
# slug -> (orders, stars of the reviews in turn, every n-th shipped late, every n-th refused)
HISTORY = {
    "renew-tech": (40, [5, 5, 5, 5, 5, 5, 4, 5, 5, 5, 5, 4, 5, 5, 5, 5, 5, 5, 4, 5], 20, 0),
    "second-life-devices": (25, [5, 4, 4, 4, 4], 6, 12),
    "ecocell-refurb": (8, [5, 4, 5, 4, 5], 0, 0),
    "budget-bytes": (30, [4, 4, 4, 3, 5, 4, 3, 4, 4, 4], 4, 7),
}


def _history(seller: Seller, listing: Listing, count: int, stars: list[int], late_every: int,
             refused_every: int, now) -> None:
    for i in range(count):
        paid_at = now - timedelta(days=26 - (i * 24) // max(count, 1), hours=i % 7)
        refused = bool(refused_every) and i % refused_every == refused_every - 1
        late = bool(late_every) and i % late_every == late_every - 1
        accepted = None if refused else paid_at + timedelta(hours=3)
        shipped = accepted + timedelta(days=5 if late else 1) if accepted else None
        delivered = shipped + timedelta(days=2) if shipped and shipped + timedelta(days=2) < now else None
        state = "cancelled" if refused else "delivered" if delivered else "shipped"
        order = Order.objects.create(
            number=f"RV{seller.pk:03d}{i:05d}", email=f"buyer{i}@example.test", status=Order.Status.PAID,
            ship_full_name="Demo Buyer", ship_line1="2 rue Demo", ship_postal_code="75010",
            ship_city="Paris", ship_country="FR", subtotal=listing.price, shipping_total=Decimal("0"),
            total=listing.price, paid_at=paid_at)
        seller_order = SellerOrder.objects.create(
            order=order, seller=seller, state=state, subtotal=listing.price, shipping_fee=Decimal("0"),
            total=listing.price, commission_rate=seller.commission_rate, paid_at=paid_at,
            accepted_at=accepted, shipped_at=shipped, delivered_at=delivered,
            cancel_cause="refused" if refused else "",
            cancelled_at=paid_at + timedelta(hours=5) if refused else None,
            carrier="Colissimo" if shipped else "",
            tracking_number=f"6A{seller.pk:03d}{i:08d}" if shipped else "")
        line = OrderLine.objects.create(
            seller_order=seller_order, listing=listing, product_name=str(listing.product),
            grade=listing.grade, sku=listing.sku, unit_price=listing.price, quantity=1,
            warranty_months=listing.warranty_months)
        if delivered and i % 10 == 9:
            ReturnRequest.objects.create(seller_order=seller_order, order_line=line,
                                         reason=ReturnRequest.Reason.DEFECTIVE, comment="Does not charge.",
                                         amount=listing.price)
        if delivered and i % 3 != 2:
            mark = stars[i % len(stars)]
            Review.objects.create(seller_order=seller_order, seller=seller, stars=mark,
                                  comment=COMMENTS[mark], created_at=delivered + timedelta(days=1))


def seed_reviews(*, users: dict, sellers: dict) -> int:
    now = timezone.now()
    demo = sellers.get("demo")
    if demo is not None and not Review.objects.filter(seller=demo).exists():
        shopper = users["shopper"]
        for number, stars, comment in (("RDEMO0004", 4, "Good phone, but the back had more scratches "
                                                        "than the grade says."),
                                       ("RDEMO0005", 5, "Perfect, like new, and quick to ship.")):
            seller_order = SellerOrder.objects.filter(order__number=number, seller=demo,
                                                      delivered_at__isnull=False).first()
            if seller_order is not None:
                review_create(seller_order=seller_order, user=shopper, stars=stars, comment=comment,
                              now=seller_order.delivered_at + timedelta(days=1))
    for slug, (count, stars, late_every, refused_every) in HISTORY.items():
        seller = Seller.objects.filter(slug=slug, status=Seller.Status.APPROVED).first()
        listing = Listing.objects.filter(seller=seller).order_by("pk").first() if seller else None
        if listing is None or Review.objects.filter(seller=seller).exists():
            continue
        _history(seller, listing, count, stars, late_every, refused_every, now)
    return seller_scores_compute(now=now)
