"""Races on one seller order, in real threads on PostgreSQL: the row lock lets exactly one
transition through, and money leaves once."""
import pytest

from orders import fulfilment
from orders.models import Refund, SellerOrderTransition

from .fulfil_support import paid_order, seller_setup
from .test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_accept_and_refuse_at_once_exactly_one_wins():
    _seller, listing = seller_setup(quantity=2)
    seller_order = paid_order(lines=[(listing, 1)]).seller_orders.get()
    results = run_concurrently(
        [lambda: fulfilment.seller_order_accept(seller_order=seller_order)] * 3
        + [lambda: fulfilment.seller_order_refuse(seller_order=seller_order, reason="No stock")] * 3)
    wins = [r for r in results if not isinstance(r, Exception)]
    assert len(wins) == 1
    assert all(isinstance(r, fulfilment.TransitionError) for r in results if isinstance(r, Exception))
    seller_order.refresh_from_db()
    moves = SellerOrderTransition.objects.filter(seller_order=seller_order).exclude(to_state="paid")
    if seller_order.state == "accepted":
        assert moves.count() == 1 and not Refund.objects.exists()
        listing.refresh_from_db()
        assert listing.allocated == 1
    else:
        assert seller_order.state == "refunded"
        assert Refund.objects.filter(status="succeeded").count() == 1
        listing.refresh_from_db()
        assert listing.allocated == 0


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
