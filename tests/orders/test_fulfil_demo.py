"""The demo shows fulfilment: seller orders in every state, a return request and a payable amount,
and seeding twice changes nothing."""
import pytest
from django.core.management import call_command

from orders.models import PayoutEntry, ReturnRequest, SellerOrder, SellerOrderTransition, UnitSerial

pytestmark = pytest.mark.django_db


def _snapshot():
    return (sorted(SellerOrder.objects.filter(order__number__startswith="RDEMO")
                   .values_list("order__number", "state")),
            ReturnRequest.objects.count(), PayoutEntry.objects.count(), UnitSerial.objects.count(),
            SellerOrderTransition.objects.count())


def test_demo_orders_cover_the_fulfilment_states_and_seed_twice_the_same():
    call_command("seed_demo", "--allow-demo-users", verbosity=0)
    first = _snapshot()
    states = dict(first[0])
    assert states["RDEMO0001"] == "paid" and states["RDEMO0002"] == "accepted"
    assert states["RDEMO0003"] == "shipped" and states["RDEMO0004"] == "delivered"
    demo_return = ReturnRequest.objects.get(seller_order__order__number__startswith="RDEMO")
    assert demo_return.seller_order.order.number == "RDEMO0004"
    assert PayoutEntry.objects.filter(seller_order__order__number="RDEMO0005", kind="earning").exists()
    call_command("seed_demo", "--allow-demo-users", verbosity=0)
    assert _snapshot() == first
