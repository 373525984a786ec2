"""The trade-in state machine: its transition table and the one function that moves a trade-in.

Nothing else writes `TradeIn.state` (tests/tradein/test_state_writers.py scans the code base for
it). Each move checks the table, records who, when and why (a TradeInTransition row) and saves the
row, which the caller holds locked (select_for_update) inside its transaction: of two clicks at
once, the second sees the state the first left and is refused.
"""
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import TradeIn, TradeInTransition

S = TradeIn.State

TRANSITIONS: dict[str, frozenset[str]] = {
    # The shopper ships the device (or the seller receives one not marked shipped); unshipped
    # after the quote's 14 days it expires; the shopper may cancel before shipping.
    S.ACCEPTED: frozenset({S.SHIPPED, S.RECEIVED, S.EXPIRED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.RECEIVED}),
    # Inspection: the seller confirms (bought at the quote) or makes a counter-offer; a seller
    # who does not inspect within 3 business days has bought it at the quote.
    S.RECEIVED: frozenset({S.BOUGHT, S.COUNTER_OFFERED}),
    # The shopper accepts (bought at the counter-offer), refuses (sent back free) or disputes it;
    # unanswered after 7 days the device is sent back.
    S.COUNTER_OFFERED: frozenset({S.BOUGHT, S.RETURNING, S.DISPUTED}),
    S.DISPUTED: frozenset({S.BOUGHT, S.RETURNING}),  # staff arbitrate
    S.BOUGHT: frozenset({S.PAID}),  # staff mark the transfer to the shopper sent
    S.RETURNING: frozenset({S.RETURNED}),
    S.PAID: frozenset(),
    S.RETURNED: frozenset(),
    S.EXPIRED: frozenset(),
    S.CANCELLED: frozenset(),
}
assert set(TRANSITIONS) == set(S.values)

STAMPS = {S.SHIPPED: "shipped_at", S.RECEIVED: "received_at", S.BOUGHT: "bought_at", S.PAID: "paid_at",
          S.RETURNED: "returned_at"}
# The states whose devices the seller will not buy: the cap gets its place back.
NOT_BOUGHT = frozenset({S.EXPIRED, S.CANCELLED, S.RETURNING})


class TransitionError(Exception):
    """An impossible move: confirming a trade-in already bought, shipping an expired one, …"""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


def transition_check(from_state: str, to_state: str) -> None:
    if to_state not in TRANSITIONS.get(from_state, ()):
        raise TransitionError(_("A trade-in that is “%(from)s” cannot become “%(to)s”.") % {
            "from": S(from_state).label, "to": S(to_state).label})


def trade_in_start(*, trade_in: TradeIn, actor=None, reason: str = "") -> TradeIn:
    """Saves a new trade-in in its first state (the quote accepted) and records it."""
    assert trade_in.pk is None
    trade_in.state = S.ACCEPTED
    trade_in.save()
    TradeInTransition.objects.create(trade_in=trade_in, from_state="", to_state=S.ACCEPTED, actor=actor,
                                     reason=reason[:255])
    return trade_in


def trade_in_move(*, trade_in: TradeIn, to_state: str, actor=None, reason: str = "", now=None,
                  **fields) -> TradeIn:
    """Applies one checked transition to a locked trade-in and records it."""
    transition_check(trade_in.state, to_state)
    now = now or timezone.now()
    TradeInTransition.objects.create(trade_in=trade_in, from_state=trade_in.state, to_state=to_state,
                                     actor=actor if getattr(actor, "is_authenticated", False) else None,
                                     reason=reason[:255])
    trade_in.state = to_state
    stamp = STAMPS.get(to_state)
    if stamp:
        fields[stamp] = now
    for name, value in fields.items():
        setattr(trade_in, name, value)
    trade_in.save(update_fields=["state", "updated_at", *fields])
    return trade_in
