"""The state machines of orders, seller orders and returns: their transition tables and the one
function each that moves a row from one state to another.

Nothing else writes `Order.status`, `SellerOrder.state` or `ReturnRequest.state` (a test scans the
code base for it). Each move checks the table, records who, when and why (a transition row for
seller orders and returns, the audit history for orders) and saves the row, which the caller
holds locked (select_for_update) inside its transaction.
"""
from django.utils import timezone
from django.utils.translation import gettext as _

from sellers.performance import seller_performance_changed_on_commit
from sellers.permissions import Perm, member_user_require
from sellers.webhooks import event_record

from .models import Order, ReturnRequest, ReturnTransition, SellerOrder, SellerOrderTransition

S = SellerOrder.State
R = ReturnRequest.State
O = Order.Status  # noqa: E741

# Every state change a seller order may make. Anything else is refused with TransitionError.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.ACCEPTED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED}),  # a parcel lost in transit is refunded in full
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset({S.REFUNDED}),
    S.REFUNDED: frozenset(),
}

RETURN_TRANSITIONS: dict[str, frozenset[str]] = {
    R.REQUESTED: frozenset({R.ACCEPTED, R.DISPUTED, R.REJECTED}),
    R.DISPUTED: frozenset({R.ACCEPTED, R.REJECTED}),  # staff arbitrate a dispute
    R.ACCEPTED: frozenset({R.RECEIVED}),
    R.RECEIVED: frozenset({R.REFUNDED}),
    R.REFUNDED: frozenset(),
    R.REJECTED: frozenset(),
}

ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    O.AWAITING_PAYMENT: frozenset({O.PAID, O.EXPIRED, O.CANCELLED}),
    O.PAID: frozenset({O.REFUNDED}),  # every seller order refunded or cancelled
    O.EXPIRED: frozenset(),
    O.CANCELLED: frozenset(),
    O.REFUNDED: frozenset(),
}

SELLER_ORDER_STAMPS = {S.PAID: "paid_at", S.ACCEPTED: "accepted_at", S.SHIPPED: "shipped_at",
                       S.DELIVERED: "delivered_at", S.CANCELLED: "cancelled_at"}


class TransitionError(Exception):
    """An impossible state change: shipping a cancelled order, accepting a shipped one, …"""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


def transition_check(from_state: str, to_state: str) -> None:
    """Raises TransitionError unless the table allows from_state → to_state."""
    if to_state not in TRANSITIONS.get(from_state, ()):
        raise TransitionError(_("A seller order that is “%(from)s” cannot become “%(to)s”.") % {
            "from": S(from_state).label, "to": S(to_state).label})


def return_transition_check(from_state: str, to_state: str) -> None:
    if to_state not in RETURN_TRANSITIONS.get(from_state, ()):
        raise TransitionError(_("A return that is “%(from)s” cannot become “%(to)s”.") % {
            "from": R(from_state).label, "to": R(to_state).label})


def order_transition_check(from_status: str, to_status: str) -> None:
    if to_status not in ORDER_TRANSITIONS.get(from_status, ()):
        raise TransitionError(_("An order that is “%(from)s” cannot become “%(to)s”.") % {
            "from": O(from_status).label, "to": O(to_status).label})


def seller_order_move(*, seller_order: SellerOrder, to_state: str, actor=None, reason: str = "", now=None,
                      **fields) -> SellerOrder:
    """Applies one checked transition to a locked seller order and records it."""
    transition_check(seller_order.state, to_state)
    now = now or timezone.now()
    from_state = seller_order.state
    SellerOrderTransition.objects.create(seller_order=seller_order, from_state=seller_order.state,
                                         to_state=to_state, actor=actor, reason=reason[:255])
    seller_order.state = to_state
    stamp = SELLER_ORDER_STAMPS.get(to_state)
    if stamp:
        fields[stamp] = now
    for name, value in fields.items():
        setattr(seller_order, name, value)
    seller_order.save(update_fields=["state", "updated_at", *fields])
    seller_performance_changed_on_commit(seller_order.seller_id)  # its quality score, debounced
    if to_state == S.PAID or (to_state == S.CANCELLED and from_state != S.AWAITING_PAYMENT):
        # The seller's webhook event, in this transaction (sent after commit).
        cause = getattr(seller_order, "cancel_cause", "") or ""
        kind = "auto_cancelled" if cause == SellerOrder.CancelCause.NOT_ACCEPTED else to_state
        event_record(seller_id=seller_order.seller_id, type=f"seller_order.{kind}",
                     payload={"seller_order_id": seller_order.pk, "order_id": seller_order.order_id,
                              "state": to_state, "cancel_cause": cause, "total": seller_order.total,
                              "accept_by": seller_order.accept_by})
    return seller_order


def order_move(*, order: Order, to_status: str, reason: str, actor=None, **fields) -> Order:
    """Applies one checked status change to a locked order; the audit history keeps who and why."""
    order_transition_check(order.status, to_status)
    order.status = to_status
    for name, value in fields.items():
        setattr(order, name, value)
    order._change_reason = reason[:100]  # read by the audit history when the row is saved
    if actor is not None:
        order._history_user = actor
    order.save(update_fields=["status", "updated_at", *fields])
    return order


def return_move(*, ret: ReturnRequest, to_state: str, actor=None, reason: str = "", **fields) -> None:
    """Applies one checked transition to a locked return and records it. A member of the seller
    moving it needs a role that decides returns (a shopper or staff is checked at their door)."""
    return_transition_check(ret.state, to_state)
    if actor is not None:
        member_user_require(user_id=actor.pk, seller_id=ret.seller_order.seller_id,
                            permission=Perm.RETURNS_WRITE)
    ReturnTransition.objects.create(return_request=ret, from_state=ret.state, to_state=to_state,
                                    actor=actor, reason=reason[:255])
    ret.state = to_state
    for name, value in fields.items():
        setattr(ret, name, value)
    ret.save(update_fields=["state", "updated_at", *fields])
    seller_performance_changed_on_commit(ret.seller_order.seller_id)
