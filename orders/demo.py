"""Demo orders of the demo shopper with the demo seller, in every fulfilment state: to accept,
to ship, shipped, delivered with a return request, delivered long enough ago to be payable, and
delivered three days ago with nothing asked yet, so the shopper can return it or review it.

Each order's dates follow one timeline, placed → paid → accepted → shipped → delivered, all in the
past: the services stamp "now" where they take no date, and the seeding moves those stamps back."""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from sellers.models import Listing

from . import fulfilment, services
from .models import Cart, Order, Payment, ReturnRequest, SellerOrder, SellerOrderTransition
from .payments.test_provider import SUCCESS_CARD, TestProvider

DEMO_ORDERS = [  # (order number, [(listing index, quantity)], shipping method)
    ("RDEMO0001", [(0, 1)], Order.ShippingMethod.STANDARD),
    ("RDEMO0002", [(1, 1), (2, 1)], Order.ShippingMethod.EXPRESS),
    ("RDEMO0003", [(0, 1)], Order.ShippingMethod.STANDARD),
    ("RDEMO0004", [(3, 1)], Order.ShippingMethod.STANDARD),
    ("RDEMO0005", [(4, 1)], Order.ShippingMethod.STANDARD),
    ("RDEMO0006", [(1, 1)], Order.ShippingMethod.STANDARD),
]
# Where each demo order's seller part is taken: (state, days since shipping, return requested)
DEMO_FULFILMENT = {
    "RDEMO0001": ("paid", 0, False),
    "RDEMO0002": ("accepted", 0, False),
    "RDEMO0003": ("shipped", 2, False),
    "RDEMO0004": ("delivered", 6, True),
    "RDEMO0005": ("delivered", 45, False),
    "RDEMO0006": ("delivered", 5, False),  # delivered 3 days ago: can be returned and reviewed
}
HAPPY_PATH = ["paid", "accepted", "shipped", "delivered"]


def _advance(seller_order: SellerOrder, *, target: str, shipped_days_ago: int, with_return: bool) -> None:
    """Moves a demo seller order along the fulfilment services up to `target`; only forward, so a
    second run changes nothing."""
    if seller_order.state not in HAPPY_PATH:
        return
    shipped_at = timezone.now() - timedelta(days=shipped_days_ago)
    for step in HAPPY_PATH[HAPPY_PATH.index(seller_order.state) + 1: HAPPY_PATH.index(target) + 1]:
        if step == "accepted":
            fulfilment.seller_order_accept(seller_order=seller_order, reason="demo")
        elif step == "shipped":
            serials = {line.pk: [f"DEMO{seller_order.pk:04d}{line.pk:04d}{unit}"
                                 for unit in range(line.quantity)] for line in seller_order.lines.all()}
            fulfilment.seller_order_ship(seller_order=seller_order, carrier="Colissimo",
                                         tracking_number=f"6A{seller_order.pk:011d}", serials=serials,
                                         now=shipped_at)
        elif step == "delivered":
            fulfilment.seller_order_deliver(seller_order=seller_order, now=shipped_at + timedelta(days=2),
                                            reason="demo: delivered")
        seller_order.refresh_from_db()
    line = seller_order.lines.first()
    if with_return and seller_order.state == "delivered" and not ReturnRequest.objects.filter(
            order_line=line).exists():
        fulfilment.return_request_create(
            order_line=line, reason=ReturnRequest.Reason.NOT_AS_DESCRIBED,
            comment="The back has deeper scratches than the grade says.",
            user=seller_order.order.user, now=seller_order.delivered_at + timedelta(days=1))


def _timeline(target: str, shipped_days_ago: int, now) -> dict:
    """When a demo order was placed, paid and accepted, before the shipping date _advance used."""
    if target == "paid":
        placed = now - timedelta(hours=2)
    elif target == "accepted":
        placed = now - timedelta(hours=26)
    else:
        placed = now - timedelta(days=shipped_days_ago + 1, hours=4)
    return {"placed": placed, "paid": placed + timedelta(minutes=5),
            "accepted": placed + timedelta(hours=3) if target != "paid" else None}


def _backdate(order: Order, *, target: str, shipped_days_ago: int, now) -> None:
    """Moves the stamps the services wrote at "now" to the order's own timeline (stock movements
    are an append-only ledger: they keep the time the demo was seeded)."""
    times = _timeline(target, shipped_days_ago, now)
    expires = order.expires_at and times["placed"] + (order.expires_at - order.created_at)
    Order.objects.filter(pk=order.pk).update(created_at=times["placed"], paid_at=times["paid"],
                                             expires_at=expires)
    Payment.objects.filter(order=order).update(created_at=times["placed"] + timedelta(minutes=1))
    for seller_order in order.seller_orders.all():
        SellerOrder.objects.filter(pk=seller_order.pk).update(
            created_at=times["placed"], paid_at=times["paid"],
            accepted_at=times["accepted"] if seller_order.accepted_at else None)
        for state, when in (("paid", times["paid"]), ("accepted", times["accepted"])):
            if when:
                SellerOrderTransition.objects.filter(seller_order=seller_order, to_state=state).update(
                    created_at=when)
        for state, field in (("shipped", "shipped_at"), ("delivered", "delivered_at")):
            when = getattr(seller_order, field)
            if when:
                SellerOrderTransition.objects.filter(seller_order=seller_order, to_state=state).update(
                    created_at=when)


def seed_orders(*, users: dict, sellers: dict) -> list[Order]:
    """Places and pays the demo orders once, through checkout and the test provider's event path."""
    shopper = users["shopper"]
    seller = sellers["demo"]
    listings = list(Listing.objects.buyable().filter(seller=seller).order_by("pk")[:5])
    address = services.ShippingAddress(full_name=shopper.get_full_name() or "Alex Martin",
                                       line1="8 rue de la République", postal_code="69002",
                                       city="Lyon", country="FR", phone="+33 6 12 34 56 78")
    orders, created = [], set()
    for number, lines, shipping_method in DEMO_ORDERS:
        existing = Order.objects.filter(number=number).first()
        if existing:
            orders.append(existing)
            continue
        if any(index >= len(listings) or listings[index].available < qty for index, qty in lines):
            continue
        with transaction.atomic():
            cart = Cart.objects.create(session_key=f"demo-seed-{number}")
            for index, quantity in lines:
                services.cart_add(cart=cart, listing_id=listings[index].pk, quantity=quantity)
            order = services.order_place(cart=cart, email=shopper.email, address=address, user=shopper,
                                         shipping_method=shipping_method)
            Order.objects.filter(pk=order.pk).update(number=number)
            order.number = number
        payment = services.payment_start(order=order, success_url="/", cancel_url="/")
        payload, signature = TestProvider().charge(payment=payment, card_number=SUCCESS_CARD)
        services.payment_event_process(provider_name="test", payload=payload, signature=signature)
        Cart.objects.filter(pk=cart.pk).delete()
        order.refresh_from_db()
        orders.append(order)
        created.add(order.pk)
    now = timezone.now()
    for order in orders:
        target, days, with_return = DEMO_FULFILMENT[order.number]
        for seller_order in order.seller_orders.all():
            _advance(seller_order, target=target, shipped_days_ago=days, with_return=with_return)
        if order.pk in created:
            _backdate(order, target=target, shipped_days_ago=days, now=now)
    fulfilment.payouts_compute()
    return orders
