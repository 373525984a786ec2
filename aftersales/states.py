"""The warranty claim's state machine: its transition table and the one function that moves a
claim (nothing else writes WarrantyClaim.state; tests/aftersales scan for it), following
orders.states: each move checks the table, records who, when and why, and saves the claim the
caller holds locked."""
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.states import TransitionError

from .models import WarrantyClaim, WarrantyClaimTransition

C = WarrantyClaim.State

CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    C.OPEN: frozenset({C.ACCEPTED, C.DECLINED, C.RESOLVED}),  # resolved: staff close it
    C.ACCEPTED: frozenset({C.RESOLVED}),  # repaired, replaced or refunded
    C.DECLINED: frozenset({C.OPEN}),  # staff reopen a claim they find covered
    C.RESOLVED: frozenset(),
}
# What the seller may do from its back office; staff may make any move of the table.
SELLER_MOVES = {(C.OPEN, C.ACCEPTED), (C.OPEN, C.DECLINED), (C.ACCEPTED, C.RESOLVED)}
STAMPS = {C.ACCEPTED: "answered_at", C.DECLINED: "answered_at", C.RESOLVED: "resolved_at"}


def claim_transition_check(from_state: str, to_state: str) -> None:
    if to_state not in CLAIM_TRANSITIONS.get(from_state, ()):
        raise TransitionError(_("A warranty claim that is “%(from)s” cannot become “%(to)s”.") % {
            "from": C(from_state).label, "to": C(to_state).label})


def claim_move(*, claim: WarrantyClaim, to_state: str, actor=None, reason: str = "",
               **fields) -> WarrantyClaim:
    """Applies one checked transition to a locked claim and records it."""
    claim_transition_check(claim.state, to_state)
    WarrantyClaimTransition.objects.create(claim=claim, from_state=claim.state, to_state=to_state,
                                           actor=actor, reason=reason[:255])
    claim.state = to_state
    stamp = STAMPS.get(to_state)
    if stamp:
        fields[stamp] = timezone.now()
    for name, value in fields.items():
        setattr(claim, name, value)
    claim.save(update_fields=["state", "updated_at", *fields])
    return claim
