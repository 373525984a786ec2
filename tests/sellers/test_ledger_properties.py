"""Property test of the stock ledger: random sequences of imports, API updates, back-office edits,
orders, payments (some declined), expiries, refusals, shipments and returns, on real PostgreSQL.
After every step each listing's quantity and allocated equal the sums of its movements, allocated
equals the units its live orders hold, and 0 <= allocated <= quantity."""
import contextlib
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders import fulfilment, services
from orders.fulfilment import TransitionError
from orders.models import Order, SellerOrder
from orders.payments.test_provider import DECLINE_CARD, SUCCESS_CARD, TestProvider
from sellers.ledger import Reason, RowInput, StockCause, listings_apply_bulk, stock_restock
from sellers.ledger.checks import stock_mismatches
from sellers.models import Listing
from sellers.services import listing_update
from tests.factories import ListingFactory, SellerFactory
from tests.orders.conftest import ADDRESS, make_cart

LISTINGS = 2
serials = itertools.count(1)

quantities = st.integers(min_value=0, max_value=6)
which = st.integers(min_value=0, max_value=LISTINGS - 1)
nth = st.integers(min_value=0, max_value=3)
steps = st.lists(st.one_of(
    st.tuples(st.just("import"), which, quantities),
    st.tuples(st.just("api"), which, quantities),
    st.tuples(st.just("backoffice"), which, quantities),
    st.tuples(st.just("order"), which, st.integers(min_value=1, max_value=3)),
    st.tuples(st.just("order and pay"), which, st.integers(min_value=1, max_value=3)),
    st.tuples(st.just("pay"), nth, st.booleans()),
    st.tuples(st.just("expire"), nth, st.just(0)),
    st.tuples(st.just("refuse"), nth, st.just(0)),
    st.tuples(st.just("ship"), nth, st.just(0)),
    st.tuples(st.just("return"), nth, st.just(0)),
), min_size=1, max_size=12)


def _pick(queryset, n):
    items = list(queryset.order_by("pk"))
    return items[n % len(items)] if items else None


def _pay(order, *, succeed: bool) -> None:
    payment = services.payment_start(order=order, success_url="https://t/ok", cancel_url="https://t/no")
    card = SUCCESS_CARD if succeed else DECLINE_CARD
    payload, signature = TestProvider().charge(payment=payment, card_number=card)
    services.payment_event_process(provider_name="test", payload=payload, signature=signature)


def _apply(step, listings):
    kind, a, b = step
    if kind in ("import", "api", "backoffice"):
        listing = listings[a]
        try:
            if kind == "import":
                with transaction.atomic():
                    listings_apply_bulk(seller=listing.seller, allow_create=False,
                                        rows=[RowInput(key=1, sku=listing.sku, quantity=b)])
            else:
                reason = Reason.API if kind == "api" else Reason.BACK_OFFICE
                listing_update(listing=listing, quantity=b, cause=StockCause(reason))
        except ValidationError:
            pass  # below the units allocated: refused, nothing moves
    elif kind in ("order", "order and pay"):
        try:
            cart = make_cart(lines=[(listings[a], b)])
            order = services.order_place(cart=cart, email="p@example.test", address=ADDRESS)
        except (ValidationError, services.CheckoutError):
            return  # not enough available
        if kind == "order and pay":
            _pay(order, succeed=True)
    elif kind == "pay":
        order = _pick(Order.objects.filter(status=Order.Status.AWAITING_PAYMENT), a)
        if order is not None:
            _pay(order, succeed=b)
    elif kind == "expire":
        order = _pick(Order.objects.filter(status=Order.Status.AWAITING_PAYMENT), a)
        if order is not None:
            services.order_release(order=order, reason="payment not received in time")
    elif kind == "refuse":
        seller_order = _pick(SellerOrder.objects.filter(state__in=["paid", "accepted"]), a)
        if seller_order is not None:
            fulfilment.seller_order_refuse(seller_order=seller_order, reason="found a fault")
    elif kind == "ship":
        seller_order = _pick(SellerOrder.objects.filter(state__in=["paid", "accepted"]), a)
        if seller_order is not None:
            if seller_order.state == "paid":
                fulfilment.seller_order_accept(seller_order=seller_order)
            serial_numbers = {line.pk: [f"SN-{next(serials):06d}" for _ in range(line.quantity)]
                              for line in seller_order.lines.all()}
            with contextlib.suppress(TransitionError):
                fulfilment.seller_order_ship(seller_order=seller_order, carrier="Colissimo",
                                             tracking_number="6A12345678901", serials=serial_numbers)
    elif kind == "return":
        seller_order = _pick(SellerOrder.objects.filter(state="shipped"), a)
        if seller_order is not None:
            line = seller_order.lines.first()
            with transaction.atomic():
                stock_restock(listing_id=line.listing_id, quantity=1, cause=StockCause(
                    Reason.RETURN_RESTOCKED, seller_order_id=seller_order.pk))


def _check_invariants():
    assert [m.describe() for m in stock_mismatches()] == []
    for quantity, allocated in Listing.objects.values_list("quantity", "allocated"):
        assert 0 <= allocated <= quantity


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(steps=steps)
def test_every_sequence_of_stock_changes_keeps_the_ledger_true(steps):
    # Each example in its own transaction, rolled back: the examples do not see each other.
    with transaction.atomic():
        seller = SellerFactory()
        listings = [ListingFactory(seller=seller, quantity=3, sku=f"P-{n}") for n in range(LISTINGS)]
        _check_invariants()
        for step in steps:
            _apply(step, listings)
            _check_invariants()
        transaction.set_rollback(True)
