"""Trade-in moves, one service per step, called by every door (pages, API, admin, timed jobs).

Each locks the trade-in, moves it through states.trade_in_move (the only writer of its state) and
sends the shopper's or the seller's e-mail after commit. The price is always the server's: the
best offer at acceptance, then the seller's counter-offer if the shopper takes it.
"""
import secrets
from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as noop  # a history reason, translated when shown

from catalog.models import Product
from sellers.permissions import Perm, member_user_require

from . import emails
from .iban import iban_clean
from .models import TradeIn, TradeInPhoto
from .offers import offer_give_back, offer_take_one, validate_offer_price
from .payouts import trade_in_settle
from .photos import photos_clean
from .quotes import QUOTE_VALID_DAYS, Answers, quote_for
from .states import NOT_BOUGHT, TransitionError, trade_in_move, trade_in_start, transition_check

S = TradeIn.State
INSPECT_BUSINESS_DAYS = 3
COUNTER_ANSWER_DAYS = 7
_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class QuoteChanged(ValidationError):
    """The best offer is no longer the one the shopper saw (a seller changed it or its cap ran out)."""


def business_days_after(start, days: int):
    """`days` working days (Monday to Friday) after `start`, at the same time of day."""
    moment = start
    while days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def _number() -> str:
    return "TI-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))


def _locked(trade_in: TradeIn) -> TradeIn:
    return TradeIn.objects.select_for_update(of=("self",)).select_related("seller").get(pk=trade_in.pk)


def _seller_member_may(actor, trade_in: TradeIn, permission: str = Perm.ORDERS_WRITE) -> None:
    member_user_require(user_id=getattr(actor, "pk", None), seller_id=trade_in.seller_id,
                        permission=permission)


def shopper_can_accept(user) -> str:
    """Why this user cannot accept a quote yet ("" if they can): logged in with a verified e-mail."""
    if not getattr(user, "is_authenticated", False):
        return _("Log in to accept the offer.")
    if not EmailAddress.objects.filter(user=user, verified=True).exists():
        return _("Verify your e-mail address first: we send every step of your trade-in there.")
    return ""


def trade_in_accept(*, shopper, product: Product, answers: Answers, iban: str, seen_price=None,
                    now=None) -> TradeIn:
    """The shopper accepts the best offer for their answers: one device is taken off that seller's
    cap (never below zero) and the trade-in starts, to ship within 14 days.

    `seen_price` is the price the page showed; if the best offer is not that one any more the
    shopper is told the new one (QuoteChanged) rather than held to a price they did not see."""
    refusal = shopper_can_accept(shopper)
    if refusal:
        raise ValidationError(refusal)
    iban = iban_clean(iban)
    if not answers.lock_removed:
        raise ValidationError(_("Remove the iCloud or Google lock first."))
    now = now or timezone.now()
    with transaction.atomic():
        for _attempt in range(5):  # another shopper may take the last place of the best offer first
            quote = quote_for(product_id=product.pk, answers=answers, now=now)
            if quote.offer is None:
                raise ValidationError(_("No seller buys this device in this condition at the moment."))
            if seen_price is not None and Decimal(seen_price) != quote.price:
                raise QuoteChanged(_("The best offer is now %(price)s €, from %(seller)s.")
                                   % {"price": quote.price, "seller": quote.offer.seller.name})
            if offer_take_one(offer_id=quote.offer.pk, price=quote.price):
                break
        else:
            raise ValidationError(_("The offers for this device are being taken right now; try again."))
        trade_in = trade_in_start(trade_in=TradeIn(
            number=_number(), shopper=shopper, seller=quote.offer.seller, offer=quote.offer, product=product,
            condition=quote.condition, answers=answers.as_dict(), quoted_price=quote.price, iban=iban,
            ship_by=now + timedelta(days=QUOTE_VALID_DAYS)), actor=shopper, reason=noop("quote accepted"))
        emails.notify_on_commit(trade_in.pk, "accepted")
    return trade_in


def trade_in_mark_shipped(*, trade_in: TradeIn, shopper, tracking: str = "") -> TradeIn:
    tracking = (tracking or "").strip()
    if len(tracking) > 100:
        raise ValidationError({"tracking": _("A tracking number has at most 100 characters.")})
    with transaction.atomic():
        trade_in = _locked(trade_in)
        trade_in_move(trade_in=trade_in, to_state=S.SHIPPED, actor=shopper,
                      reason=noop("shipped by the shopper"), shipping_tracking=tracking)
        emails.notify_on_commit(trade_in.pk, "shipped")
    return trade_in


def _not_bought(trade_in: TradeIn, *, to_state: str, actor, reason: str, **fields) -> TradeIn:
    trade_in_move(trade_in=trade_in, to_state=to_state, actor=actor, reason=reason, **fields)
    if to_state in NOT_BOUGHT:
        offer_give_back(offer_id=trade_in.offer_id)
    emails.notify_on_commit(trade_in.pk, to_state)
    return trade_in


def _buy(trade_in: TradeIn, *, price, actor, reason: str, **fields) -> TradeIn:
    """Bought at `price`: the move is checked first, then the money is settled in the same step."""
    transition_check(trade_in.state, S.BOUGHT)
    fields.update(trade_in_settle(trade_in=trade_in, price=price))
    trade_in_move(trade_in=trade_in, to_state=S.BOUGHT, actor=actor, reason=reason, **fields)
    emails.notify_on_commit(trade_in.pk, "bought")
    return trade_in


def trade_in_cancel(*, trade_in: TradeIn, shopper) -> TradeIn:
    with transaction.atomic():
        return _not_bought(_locked(trade_in), to_state=S.CANCELLED, actor=shopper,
                           reason=noop("cancelled by the shopper"))


def trade_in_receive(*, trade_in: TradeIn, actor=None, now=None) -> TradeIn:
    """The device is at the seller's: it must be inspected within 3 business days."""
    now = now or timezone.now()
    with transaction.atomic():
        trade_in = _locked(trade_in)
        _seller_member_may(actor, trade_in)
        trade_in_move(trade_in=trade_in, to_state=S.RECEIVED, actor=actor, reason=noop("received"), now=now,
                      inspect_by=business_days_after(now, INSPECT_BUSINESS_DAYS))
        emails.notify_on_commit(trade_in.pk, "received")
    return trade_in


def trade_in_confirm(*, trade_in: TradeIn, actor=None,
                     reason: str = noop("inspected: as described")) -> TradeIn:
    """Inspected as described: bought at the quoted price; the shopper's payout is due."""
    with transaction.atomic():
        trade_in = _locked(trade_in)
        _seller_member_may(actor, trade_in)
        now = timezone.now()
        _buy(trade_in, price=trade_in.quoted_price, actor=actor, reason=reason, now=now,
             inspected_at=trade_in.inspected_at or now)
    return trade_in


def trade_in_counter_offer(*, trade_in: TradeIn, actor, price, reason: str, photos=()) -> TradeIn:
    """Inspected, not as described: a lower price, why, and photos that show it; the shopper has
    7 days to answer."""
    price = validate_offer_price(price)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what differs from the shopper's answers.")})
    if len(reason) > 2000:
        raise ValidationError({"reason": _("Keep the reason under 2,000 characters.")})
    images = photos_clean(photos)
    with transaction.atomic():
        trade_in = _locked(trade_in)
        _seller_member_may(actor, trade_in)
        if price >= trade_in.quoted_price:
            raise ValidationError({"price": _("A counter-offer is lower than the quote (%(quote)s €); "
                                              "to pay the quote, confirm the device.")
                                   % {"quote": trade_in.quoted_price}})
        now = timezone.now()
        trade_in_move(trade_in=trade_in, to_state=S.COUNTER_OFFERED, actor=actor,
                      reason=noop("counter-offer"), now=now, inspected_at=now, counter_price=price,
                      counter_reason=reason, answer_by=now + timedelta(days=COUNTER_ANSWER_DAYS))
        for image in images:
            TradeInPhoto.objects.create(trade_in=trade_in, image=image)
        emails.notify_on_commit(trade_in.pk, "counter_offered")
    return trade_in


ANSWERS = ("accept", "refuse", "dispute")


def trade_in_counter_answer(*, trade_in: TradeIn, shopper, answer: str) -> TradeIn:
    """The shopper takes the counter-offer (bought at it), refuses it (the device comes back at no
    cost to them) or disputes it (staff arbitrate)."""
    if answer not in ANSWERS:
        raise ValidationError(_("Choose to accept, refuse or dispute the counter-offer."))
    with transaction.atomic():
        trade_in = _locked(trade_in)
        if answer == "accept":
            _buy(trade_in, price=trade_in.counter_price, actor=shopper, reason=noop("counter-offer accepted"))
        elif answer == "refuse":
            _not_bought(trade_in, to_state=S.RETURNING, actor=shopper, reason=noop("counter-offer refused"))
        else:
            trade_in_move(trade_in=trade_in, to_state=S.DISPUTED, actor=shopper,
                          reason=noop("counter-offer disputed"))
            emails.notify_on_commit(trade_in.pk, "disputed")
    return trade_in


DECISIONS = ("counter", "quote", "return")


def trade_in_arbitrate(*, trade_in: TradeIn, actor, decision: str, reason: str) -> TradeIn:
    """Staff decide a disputed counter-offer: the counter-offer stands, the quote is paid, or the
    device is sent back free."""
    if decision not in DECISIONS:
        raise ValidationError(_("Choose the counter-offer, the quote or a return."))
    reason = f"arbitrated ({decision}): {(reason or '').strip()}"
    with transaction.atomic():
        trade_in = _locked(trade_in)
        if trade_in.state != S.DISPUTED:
            raise TransitionError(_("Only a disputed counter-offer is arbitrated."))
        if decision == "return":
            return _not_bought(trade_in, to_state=S.RETURNING, actor=actor, reason=reason)
        price = trade_in.counter_price if decision == "counter" else trade_in.quoted_price
        return _buy(trade_in, price=price, actor=actor, reason=reason)


def trade_in_return_sent(*, trade_in: TradeIn, actor=None, tracking: str = "") -> TradeIn:
    """The seller sent the device back to the shopper (at the seller's cost)."""
    tracking = (tracking or "").strip()
    if not tracking or len(tracking) > 100:
        raise ValidationError({"tracking": _("Enter the return parcel's tracking number.")})
    with transaction.atomic():
        trade_in = _locked(trade_in)
        _seller_member_may(actor, trade_in)
        trade_in_move(trade_in=trade_in, to_state=S.RETURNED, actor=actor, reason=noop("sent back"),
                      return_tracking=tracking)
        emails.notify_on_commit(trade_in.pk, "returned")
    return trade_in


# --- The timed jobs (tradein.tasks) ----------------------------------------------------------------
def _each_due(queryset, move) -> int:
    done = 0
    for pk in list(queryset.values_list("pk", flat=True).order_by("pk")):
        try:
            with transaction.atomic():
                move(TradeIn(pk=pk))
        except TransitionError:
            continue  # moved meanwhile by a person: theirs stands
        done += 1
    return done


def trade_ins_expire_unshipped(*, now=None) -> int:
    """A device not shipped within the quote's 14 days: the quote expires, the seller's place frees."""
    now = now or timezone.now()

    def expire(trade_in):
        trade_in = _locked(trade_in)
        if trade_in.ship_by <= now:
            _not_bought(trade_in, to_state=S.EXPIRED, actor=None, reason=noop("not shipped in time"))

    return _each_due(TradeIn.objects.filter(state=S.ACCEPTED, ship_by__lte=now), expire)


def trade_ins_return_unanswered(*, now=None) -> int:
    """A counter-offer not answered within 7 days: the device is sent back, free. Silence is not
    taken as agreeing to a lower price (README, Trade-in)."""
    now = now or timezone.now()

    def send_back(trade_in):
        trade_in = _locked(trade_in)
        if trade_in.answer_by <= now:
            _not_bought(trade_in, to_state=S.RETURNING, actor=None,
                        reason=noop("counter-offer not answered in 7 days"))

    return _each_due(TradeIn.objects.filter(state=S.COUNTER_OFFERED, answer_by__lte=now), send_back)


def trade_ins_confirm_uninspected(*, now=None) -> int:
    """A device not inspected within 3 business days of receipt is bought at the quote: the seller
    has lost the chance to make a counter-offer."""
    now = now or timezone.now()

    def confirm(trade_in):
        locked = _locked(trade_in)
        if locked.inspect_by <= now:
            trade_in_confirm(trade_in=locked, actor=None, reason=noop("not inspected within 3 business days"))

    return _each_due(TradeIn.objects.filter(state=S.RECEIVED, inspect_by__lte=now), confirm)
