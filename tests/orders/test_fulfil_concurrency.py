"""Races on one seller order, in real threads on PostgreSQL: the row lock lets exactly one
transition through, and money leaves once."""
import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import F

from orders import fulfilment
from orders.models import Refund, SellerOrderTransition
from sellers.models import Seller

from .fulfil_support import paid_order, seller_setup
from .test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_accepts_and_refusals_at_once_each_take_effect_at_most_once():
    _seller, listing = seller_setup(quantity=2)
    seller_order = paid_order(lines=[(listing, 1)]).seller_orders.get()
    accepts = [lambda: fulfilment.seller_order_accept(seller_order=seller_order)] * 3
    refusals = [lambda: fulfilment.seller_order_refuse(seller_order=seller_order, reason="No stock")] * 3
    results = run_concurrently(accepts + refusals)
    accepted = sum(not isinstance(r, Exception) for r in results[:3])
    refused = sum(not isinstance(r, Exception) for r in results[3:])
    # Accepting then refusing is a legal path (accepted → cancelled); refusing first leaves
    # nothing to accept. Either way each action wins at most once and the rest are refused.
    assert accepted <= 1 and refused <= 1 and accepted + refused >= 1
    assert all(isinstance(r, fulfilment.TransitionError) for r in results if isinstance(r, Exception))
    seller_order.refresh_from_db()
    moves = SellerOrderTransition.objects.filter(seller_order=seller_order).exclude(to_state="paid")
    listing.refresh_from_db()
    if refused:
        assert seller_order.state == "refunded"
        assert Refund.objects.filter(status="succeeded").count() == 1
        assert listing.allocated == 0
        assert moves.filter(to_state="accepted").count() == accepted
    else:
        assert seller_order.state == "accepted"
        assert moves.count() == 1 and not Refund.objects.exists()
        assert listing.allocated == 1


def test_a_return_received_twice_at_once_refunds_once():
    _seller, listing = seller_setup()
    seller_order = paid_order(lines=[(listing, 1)]).seller_orders.get()
    fulfilment.seller_order_accept(seller_order=seller_order)
    fulfilment.seller_order_ship(seller_order=seller_order, carrier="GLS", tracking_number="GLS123456",
                                 serials={seller_order.lines.get().pk: ["SN-12345"]})
    fulfilment.seller_order_deliver(seller_order=seller_order)
    ret = fulfilment.return_request_create(order_line=seller_order.lines.get(), reason="defective",
                                           comment="Dead pixel")
    fulfilment.return_accept(ret=ret)
    results = run_concurrently([lambda: fulfilment.return_mark_received(ret=ret)] * 4)
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert Refund.objects.filter(return_request=ret, status="succeeded").count() == 1
    seller_order.refresh_from_db()
    assert seller_order.refunded_amount == ret.amount


@pytest.mark.parametrize("action", ["accept", "refuse"])
def test_a_seller_order_moves_while_another_transaction_holds_the_sellers_row(action):
    """Buy-box notices and quality scores update the seller's row in transactions that can last; an
    accept or a refusal locks the seller order and its order, never the seller (the load test saw an
    accept wait past gunicorn's timeout on that row)."""
    seller, listing = seller_setup(quantity=2)
    seller_order = paid_order(lines=[(listing, 1)]).seller_orders.get()
    holding = threading.Event()

    def hold_the_sellers_row():
        with transaction.atomic():
            Seller.objects.filter(pk=seller.pk).update(unread_notices=F("unread_notices") + 1)
            holding.set()
            time.sleep(4)
        connection.close()

    holder = threading.Thread(target=hold_the_sellers_row)
    holder.start()
    try:
        assert holding.wait(10)
        # The move itself may wait 2 s at most for a lock; what runs after its commit (the seller's
        # score, eagerly in tests) may wait for the holder to finish.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            if action == "accept":
                fulfilment.seller_order_accept(seller_order=seller_order)
            else:
                fulfilment.seller_order_refuse(seller_order=seller_order, reason="No stock")
    finally:
        holder.join()
    seller_order.refresh_from_db()
    assert seller_order.state == ("accepted" if action == "accept" else "refunded")
