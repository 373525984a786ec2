"""Helpers for the fulfilment tests: paid orders made through checkout and the test provider, and
seller orders moved along through the fulfilment services."""
from decimal import Decimal

from orders import fulfilment, services
from orders.models import Order, SellerOrder
from orders.payments.test_provider import SUCCESS_CARD, TestProvider
from tests.factories import ListingFactory, SellerFactory, UserFactory

from .conftest import ADDRESS, make_cart

IMEI = "356938035643809"  # a valid IMEI (Luhn)
IMEI_2 = "490154203237518"


def paid_order(*, lines, user=None, email="buyer@example.test", provider: str = "test") -> Order:
    """An order for (listing, quantity) pairs, placed and paid through the real event path."""
    cart = make_cart(user=user, lines=lines)
    order = services.order_place(cart=cart, email=user.email if user else email, address=ADDRESS, user=user)
    payment = services.payment_start(order=order, success_url="https://shop.test/ok",
                                     cancel_url="https://shop.test/back")
    if provider == "test":
        payload, signature = TestProvider().charge(payment=payment, card_number=SUCCESS_CARD)
        assert services.payment_event_process(provider_name="test", payload=payload,
                                              signature=signature) == "paid"
    order.refresh_from_db()
    return order


def seller_setup(*, price=Decimal("399.00"), quantity=3, commission_rate=Decimal("0.1200"),
                 shipping_fee=Decimal("4.90")):
    seller = SellerFactory(shipping_fee=shipping_fee, commission_rate=commission_rate)
    listing = ListingFactory(seller=seller, price=price, quantity=quantity)
    return seller, listing


def serials_for(seller_order: SellerOrder, numbers=(IMEI, IMEI_2, "SN-ABCDE-3", "SN-ABCDE-4")) -> dict:
    numbers = iter(numbers)
    return {line.pk: [next(numbers) for _ in range(line.quantity)] for line in seller_order.lines.all()}


def to_state(seller_order: SellerOrder, state: str, *, now=None, actor=None) -> SellerOrder:
    """Moves a paid seller order along the happy path through the services, up to `state`."""
    path = ["paid", "accepted", "shipped", "delivered"]
    seller_order.refresh_from_db()
    for step in path[path.index(seller_order.state) + 1: path.index(state) + 1]:
        if step == "accepted":
            fulfilment.seller_order_accept(seller_order=seller_order, actor=actor)
        elif step == "shipped":
            fulfilment.seller_order_ship(seller_order=seller_order, carrier="Colissimo",
                                         tracking_number="6A12345678901", serials=serials_for(seller_order),
                                         actor=actor, now=now)
        elif step == "delivered":
            fulfilment.seller_order_deliver(seller_order=seller_order, actor=actor, now=now)
    seller_order.refresh_from_db()
    return seller_order


def shopper():
    return UserFactory()
