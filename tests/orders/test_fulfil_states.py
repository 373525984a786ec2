"""The seller order and return state machines: every action from every state, through the
services. The expected outcomes are written out here by hand, not read from the code's table."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders import fulfilment
from orders.fulfilment import TRANSITIONS, TransitionError
from orders.models import Refund, ReturnRequest, SellerOrder, SellerOrderTransition

from .fulfil_support import paid_order, seller_setup, serials_for, to_state

pytestmark = pytest.mark.django_db
STATES = [s.value for s in SellerOrder.State]

# action → the states it is allowed from (everything else must raise TransitionError)
ALLOWED = {
    "accept": {"paid"},
    "ship": {"accepted"},
    "deliver": {"shipped"},
    "refuse": {"paid", "accepted"},
    "refund_in_full": {"shipped", "delivered", "cancelled"},
}
EXPECTED_STATE = {"accept": "accepted", "ship": "shipped", "deliver": "delivered", "refuse": "refunded",
                  "refund_in_full": "refunded"}


@pytest.fixture
def seller_order():
    _seller, listing = seller_setup()
    return paid_order(lines=[(listing, 1)]).seller_orders.get()


def _force(seller_order, state):
    """Puts the seller order in `state` directly: the test is about what may happen from there."""
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        state=state, delivered_at=timezone.now() if state == "delivered" else None)
    seller_order.refresh_from_db()
    return seller_order


def _do(action, seller_order):
    if action == "accept":
        fulfilment.seller_order_accept(seller_order=seller_order)
    elif action == "ship":
        fulfilment.seller_order_ship(seller_order=seller_order, carrier="DHL", tracking_number="JD0001234567",
                                     serials=serials_for(seller_order))
    elif action == "deliver":
        fulfilment.seller_order_deliver(seller_order=seller_order)
    elif action == "refuse":
        fulfilment.seller_order_refuse(seller_order=seller_order, reason="no stock")
    elif action == "refund_in_full":
        fulfilment.refund_create(seller_order=seller_order, amount=seller_order.total, reason="lost parcel",
                                 idempotency_key=f"k-{seller_order.pk}")


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("state", STATES)
def test_every_action_from_every_state(seller_order, state, action, django_capture_on_commit_callbacks):
    seller_order = _force(seller_order, state)
    transitions_before = SellerOrderTransition.objects.filter(seller_order=seller_order).count()
    if state in ALLOWED[action]:
        with django_capture_on_commit_callbacks(execute=True):  # the refund task runs after commit
            _do(action, seller_order)
        seller_order.refresh_from_db()
        assert seller_order.state == EXPECTED_STATE[action]
        last = SellerOrderTransition.objects.filter(seller_order=seller_order).last()
        assert last.to_state == EXPECTED_STATE[action] and last.created_at is not None
    else:
        with pytest.raises(TransitionError) as error:
            _do(action, seller_order)
        assert error.value.message  # a sentence for a person, not a code
        seller_order.refresh_from_db()
        assert seller_order.state == state
        assert SellerOrderTransition.objects.filter(seller_order=seller_order).count() == transitions_before


@pytest.mark.parametrize("from_state", STATES)
@pytest.mark.parametrize("to_state", STATES)
def test_the_table_allows_only_the_documented_moves(from_state, to_state):
    documented = {("awaiting_payment", "paid"), ("awaiting_payment", "cancelled"), ("paid", "accepted"),
                  ("paid", "cancelled"), ("accepted", "shipped"), ("accepted", "cancelled"),
                  ("shipped", "delivered"), ("shipped", "refunded"), ("delivered", "refunded"),
                  ("cancelled", "refunded")}
    assert (to_state in TRANSITIONS[from_state]) == ((from_state, to_state) in documented)
    if (from_state, to_state) not in documented:
        with pytest.raises(TransitionError, match="cannot become"):
            fulfilment.transition_check(from_state, to_state)


def test_ship_a_cancelled_order_names_both_states(seller_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.seller_order_refuse(seller_order=seller_order, reason="faulty")
    seller_order.refresh_from_db()
    with pytest.raises(TransitionError, match="“Refunded” cannot become “Shipped”"):
        _do("ship", seller_order)


def test_refund_twice_is_refused(seller_order, django_capture_on_commit_callbacks):
    seller_order = to_state(seller_order, "delivered")
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.refund_create(seller_order=seller_order, amount=seller_order.total, reason="lost",
                                 idempotency_key="once")
    seller_order.refresh_from_db()
    assert seller_order.state == "refunded"
    with pytest.raises(TransitionError):
        fulfilment.refund_create(seller_order=seller_order, amount=Decimal("1.00"), reason="again",
                                 idempotency_key="twice")
    assert Refund.objects.filter(seller_order=seller_order).count() == 1


def test_the_same_refund_key_is_recorded_once(seller_order, django_capture_on_commit_callbacks):
    seller_order = to_state(seller_order, "delivered")
    with django_capture_on_commit_callbacks(execute=True):
        first = fulfilment.refund_create(seller_order=seller_order, amount=Decimal("10.00"),
                                         reason="scratch", idempotency_key="goodwill-1")
    with django_capture_on_commit_callbacks(execute=True):
        again = fulfilment.refund_create(seller_order=seller_order, amount=Decimal("10.00"),
                                         reason="scratch", idempotency_key="goodwill-1")
    assert first.pk == again.pk
    seller_order.refresh_from_db()
    assert seller_order.refunded_amount == Decimal("10.00")


def test_return_after_the_window_is_refused(seller_order, settings):
    delivered_at = timezone.now() - timedelta(days=40)
    seller_order = to_state(seller_order, "delivered", now=delivered_at)
    line = seller_order.lines.get()
    on_last_day = delivered_at + timedelta(days=settings.RETURN_WINDOW_DAYS) - timedelta(minutes=1)
    day_after = delivered_at + timedelta(days=settings.RETURN_WINDOW_DAYS, minutes=1)
    with pytest.raises(TransitionError, match="return window closed"):
        fulfilment.return_request_create(order_line=line, reason="defective", comment="No sound",
                                         now=day_after)
    ret = fulfilment.return_request_create(order_line=line, reason="defective", comment="No sound",
                                           now=on_last_day)
    assert ret.state == "requested" and ret.amount == line.line_total


@pytest.mark.parametrize("state", ["paid", "accepted", "shipped", "cancelled", "refunded"])
def test_return_before_delivery_is_refused(seller_order, state):
    seller_order = _force(seller_order, state)
    with pytest.raises(TransitionError, match="Only a delivered order"):
        fulfilment.return_request_create(order_line=seller_order.lines.get(), reason="other", comment="x")


def test_a_line_is_returned_once(seller_order):
    seller_order = to_state(seller_order, "delivered")
    line = seller_order.lines.get()
    fulfilment.return_request_create(order_line=line, reason="defective", comment="Screen flickers")
    with pytest.raises(TransitionError, match="already requested"):
        fulfilment.return_request_create(order_line=line, reason="defective", comment="Again")


RETURN_ACTIONS = {  # action → states it is allowed from
    "seller_accept": {"requested"},
    "staff_accept": {"requested", "disputed"},
    "dispute": {"requested"},
    "reject": {"requested", "disputed"},
    "received": {"accepted"},
}


@pytest.mark.parametrize("action", sorted(RETURN_ACTIONS))
@pytest.mark.parametrize("state", [s.value for s in ReturnRequest.State])
def test_every_return_action_from_every_return_state(seller_order, state, action):
    seller_order = to_state(seller_order, "delivered")
    ret = fulfilment.return_request_create(order_line=seller_order.lines.get(), reason="defective",
                                           comment="Battery at 60 %")
    ReturnRequest.objects.filter(pk=ret.pk).update(state=state)
    ret.refresh_from_db()
    call = {
        "seller_accept": lambda: fulfilment.return_accept(ret=ret),
        "staff_accept": lambda: fulfilment.return_accept(ret=ret, by_staff=True, note="ok"),
        "dispute": lambda: fulfilment.return_dispute(ret=ret, note="Scratches are the shopper's"),
        "reject": lambda: fulfilment.return_reject(ret=ret, note="Outside warranty terms"),
        "received": lambda: fulfilment.return_mark_received(ret=ret),
    }[action]
    if state in RETURN_ACTIONS[action]:
        call()
        ret.refresh_from_db()
        assert ret.state != state
    else:
        with pytest.raises(TransitionError):
            call()
        ret.refresh_from_db()
        assert ret.state == state
