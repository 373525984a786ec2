"""Demo orders: a few paid orders of the demo shopper with the demo seller, awaiting the seller."""
from django.db import transaction

from sellers.models import Listing

from . import services
from .models import Cart, Order
from .payments.test_provider import SUCCESS_CARD, TestProvider

DEMO_ORDERS = [  # (order number, [(listing index, quantity)], shipping method)
    ("RDEMO0001", [(0, 1)], Order.ShippingMethod.STANDARD),
    ("RDEMO0002", [(1, 1), (2, 1)], Order.ShippingMethod.EXPRESS),
    ("RDEMO0003", [(0, 1)], Order.ShippingMethod.STANDARD),
]


def seed_orders(*, users: dict, sellers: dict) -> list[Order]:
    """Places and pays the demo orders once, through checkout and the test provider's event path."""
    shopper = users["shopper"]
    seller = sellers["demo"]
    listings = list(Listing.objects.buyable().filter(seller=seller).order_by("pk")[:3])
    address = services.ShippingAddress(full_name=shopper.get_full_name() or "Alex Martin",
                                       line1="8 rue de la République", postal_code="69002",
                                       city="Lyon", country="FR", phone="+33 6 12 34 56 78")
    orders = []
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
    return orders
