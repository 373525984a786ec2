"""One writer of a trade-in's state: nothing but tradein/states.py assigns `.state` or updates it
in bulk in the trade-in app (the same scanner as the orders' one, proven on planted writes)."""
from pathlib import Path

import pytest

from tests.orders.test_state_writers import state_writes
from tradein.models import TradeIn
from tradein.states import TRANSITIONS, TransitionError, transition_check

ROOT = Path(__file__).resolve().parents[2]
THE_WRITER = ROOT / "tradein" / "states.py"
S = TradeIn.State


@pytest.mark.parametrize("planted", [
    "trade_in.state = 'paid'",
    "TradeIn.objects.filter(pk=1).update(state='bought')",
    "t.state = S.RETURNED",
])
def test_the_scanner_finds_a_planted_trade_in_state_write(planted):
    assert state_writes(planted), planted


def test_only_tradein_states_writes_a_trade_in_state():
    offenders = {}
    for path in (ROOT / "tradein").rglob("*.py"):
        if "migrations" in path.parts or path == THE_WRITER:
            continue
        writes = state_writes(path.read_text(encoding="utf-8"))
        if writes:
            offenders[str(path.relative_to(ROOT))] = writes
    assert not offenders, f"move these through tradein.states: {offenders}"
    assert state_writes(THE_WRITER.read_text(encoding="utf-8")), "the writer itself must be seen writing"


def test_final_states_go_nowhere_and_a_payout_needs_a_purchase():
    for final in (S.PAID, S.RETURNED, S.EXPIRED, S.CANCELLED):
        assert TRANSITIONS[final] == frozenset()
    with pytest.raises(TransitionError):
        transition_check(S.RECEIVED, S.PAID)
    with pytest.raises(TransitionError):
        transition_check(S.SHIPPED, S.BOUGHT)  # never bought before it is received and inspected
    with pytest.raises(TransitionError):
        transition_check(S.RETURNING, S.BOUGHT)
    transition_check(S.COUNTER_OFFERED, S.DISPUTED)
