"""Trade-in moves, one service per step, called by every door (pages, API, admin, timed jobs).

Each locks the trade-in, moves it through states.trade_in_move (the only writer of its state) and
sends the shopper's or the seller's e-mail after commit. The price is always the server's: the
best offer when the quote is given, held for 14 days, then the seller's counter-offer if the
shopper takes it.
"""
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop  # a history reason, translated when shown

from catalog.models import Product
from marketplace.templatetags.money import format_money
from sellers.models import Seller
from sellers.permissions import Perm, member_user_require

from . import emails
from .iban import iban_clean
from .models import TradeIn, TradeInPhoto, TradeInQuote
from .offers import offer_give_back, offer_take_one, validate_offer_price
from .payouts import trade_in_settle
from .photos import photos_clean
from .quotes import QUOTE_VALID_DAYS, Answers, condition_for
from .selectors import best_offer
from .states import NOT_BOUGHT, TransitionError, trade_in_move, trade_in_start, transition_check

S = TradeIn.State
INSPECT_BUSINESS_DAYS = 3
COUNTER_ANSWER_DAYS = 7
_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class QuoteRefused(ValidationError):
    """A quote that can no longer be accepted; the shopper is shown why, with a fresh quote."""


class QuoteExpired(QuoteRefused):
    """Its 14 days are over."""


class QuoteUnavailable(QuoteRefused):
    """Its seller's cap is exhausted, or the seller no longer buys (suspended)."""


class QuoteUsed(QuoteRefused):
    """Already accepted (a second click, a second tab): `trade_in` is the trade-in it started."""

    def __init__(self, message, *, trade_in: TradeIn):
        super().__init__(message)
        self.trade_in = trade_in


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


def trade_in_quote_give(*, product: Product, answers: Answers, shopper=None, held=(),
                        now=None) -> TradeInQuote | None:
    """The best offer for these answers, computed here and stored: its seller, its price and 14
    days it holds for. None when no seller buys the device in that condition.

    A quote the shopper (or, before logging in, this browser: `held` is its session's tokens) still
    holds for the same device and answers is given again when it is at least as good as today's
    best, so asking twice never lowers what was promised nor makes another row."""
    if not answers.lock_removed:
        raise ValidationError(_("Remove the iCloud or Google lock first."))
    now = now or timezone.now()
    condition = condition_for(answers)
    offer = best_offer(product_id=product.pk, condition=condition)
    owner = getattr(shopper, "is_authenticated", False)
    mine = Q(shopper=shopper) if owner else Q(shopper__isnull=True, token__in=list(held))
    kept = (TradeInQuote.objects.filter(mine, product=product, answers=answers.as_dict(), valid_until__gt=now,
                                        trade_in__isnull=True, offer__cap__gt=0,
                                        seller__status=Seller.Status.APPROVED)
            .select_related("seller", "offer").order_by("-price", "-created_at").first())
    if kept is not None and (offer is None or kept.price >= offer.price):
        return kept
    if offer is None:
        return None
    return TradeInQuote.objects.create(
        token=secrets.token_urlsafe(18), shopper=shopper if owner else None, product=product,
        condition=condition, answers=answers.as_dict(), offer=offer, seller=offer.seller, price=offer.price,
        created_at=now, valid_until=now + timedelta(days=QUOTE_VALID_DAYS))


def trade_in_quote_claim(*, quote: TradeInQuote, shopper) -> TradeInQuote:
    """A quote made before logging in becomes the shopper's who logged in in that browser (the
    caller checked that its session holds it); one already someone's stays theirs."""
    TradeInQuote.objects.filter(pk=quote.pk, shopper__isnull=True).update(shopper=shopper)
    quote.refresh_from_db(fields=["shopper"])
    return quote


def trade_in_quote_renew(*, quote: TradeInQuote, shopper=None, held=(), now=None) -> TradeInQuote | None:
    """Today's best offer for the same device and answers (after an expired or unavailable quote)."""
    return trade_in_quote_give(product=quote.product, answers=Answers.stored(quote.answers), shopper=shopper,
                               held=held, now=now)


def trade_in_accept(*, quote: TradeInQuote, shopper, iban: str, now=None) -> TradeIn:
    """The shopper accepts their quote at its price, whatever the seller has changed since, as
    long as the quote is valid (14 days) and the seller's cap is not exhausted: one device is
    taken off it (never below zero) and the trade-in starts, to ship within 14 days.

    Refusals are QuoteRefused (expired, unavailable, already accepted); the price is never read
    from the request, only from the stored quote."""
    refusal = shopper_can_accept(shopper)
    if refusal:
        raise ValidationError(refusal)
    iban = iban_clean(iban)
    now = now or timezone.now()
    with transaction.atomic():
        quote = (TradeInQuote.objects.select_for_update(of=("self",)).select_related("seller", "offer")
                 .get(pk=quote.pk))
        if quote.shopper_id != shopper.pk:
            raise PermissionDenied
        used = TradeIn.objects.filter(quote=quote).first()
        if used is not None:
            raise QuoteUsed(_("You have already accepted this offer: trade-in %(number)s.")
                            % {"number": used.number}, trade_in=used)
        if quote.valid_until <= now:
            raise QuoteExpired(_("This offer of %(price)s from %(seller)s expired on %(date)s.") % {
                "price": format_money(quote.price), "seller": quote.seller.name,
                "date": date_format(timezone.localtime(quote.valid_until), "DATE_FORMAT")})
        if quote.seller.status != Seller.Status.APPROVED or not offer_take_one(offer_id=quote.offer_id):
            raise QuoteUnavailable(_("%(seller)s has bought all the devices it wanted in this condition.")
                                   % {"seller": quote.seller.name})
        trade_in = trade_in_start(trade_in=TradeIn(
            number=_number(), shopper=shopper, seller=quote.seller, offer=quote.offer, quote=quote,
            product_id=quote.product_id, condition=quote.condition, answers=quote.answers,
            quoted_price=quote.price, iban=iban, ship_by=now + timedelta(days=QUOTE_VALID_DAYS)),
            actor=shopper, reason=gettext_noop("quote accepted"))
        emails.notify_on_commit(trade_in.pk, "accepted")
    return trade_in


def trade_in_mark_shipped(*, trade_in: TradeIn, shopper, tracking: str = "") -> TradeIn:
    tracking = (tracking or "").strip()
    if len(tracking) > 100:
        raise ValidationError({"tracking": _("A tracking number has at most 100 characters.")})
    with transaction.atomic():
        trade_in = _locked(trade_in)
        trade_in_move(trade_in=trade_in, to_state=S.SHIPPED, actor=shopper,
                      reason=gettext_noop("shipped by the shopper"), shipping_tracking=tracking)
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
                           reason=gettext_noop("cancelled by the shopper"))


def trade_in_receive(*, trade_in: TradeIn, actor=None, now=None) -> TradeIn:
    """The device is at the seller's: it must be inspected within 3 business days."""
    now = now or timezone.now()
    with transaction.atomic():
        trade_in = _locked(trade_in)
        _seller_member_may(actor, trade_in)
        trade_in_move(trade_in=trade_in, to_state=S.RECEIVED, actor=actor, reason=gettext_noop("received"),
                      now=now, inspect_by=business_days_after(now, INSPECT_BUSINESS_DAYS))
        emails.notify_on_commit(trade_in.pk, "received")
    return trade_in


def trade_in_confirm(*, trade_in: TradeIn, actor=None,
                     reason: str = gettext_noop("inspected: as described")) -> TradeIn:
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
                      reason=gettext_noop("counter-offer"), now=now, inspected_at=now, counter_price=price,
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
            _buy(trade_in, price=trade_in.counter_price, actor=shopper,
                 reason=gettext_noop("counter-offer accepted"))
        elif answer == "refuse":
            _not_bought(trade_in, to_state=S.RETURNING, actor=shopper,
                        reason=gettext_noop("counter-offer refused"))
        else:
            trade_in_move(trade_in=trade_in, to_state=S.DISPUTED, actor=shopper,
                          reason=gettext_noop("counter-offer disputed"))
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
        trade_in_move(trade_in=trade_in, to_state=S.RETURNED, actor=actor, reason=gettext_noop("sent back"),
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
            _not_bought(trade_in, to_state=S.EXPIRED, actor=None, reason=gettext_noop("not shipped in time"))

    return _each_due(TradeIn.objects.filter(state=S.ACCEPTED, ship_by__lte=now), expire)


def trade_ins_return_unanswered(*, now=None) -> int:
    """A counter-offer not answered within 7 days: the device is sent back, free. Silence is not
    taken as agreeing to a lower price (README, Trade-in)."""
    now = now or timezone.now()

    def send_back(trade_in):
        trade_in = _locked(trade_in)
        if trade_in.answer_by <= now:
            _not_bought(trade_in, to_state=S.RETURNING, actor=None,
                        reason=gettext_noop("counter-offer not answered in 7 days"))

    return _each_due(TradeIn.objects.filter(state=S.COUNTER_OFFERED, answer_by__lte=now), send_back)


def trade_ins_confirm_uninspected(*, now=None) -> int:
    """A device not inspected within 3 business days of receipt is bought at the quote: the seller
    has lost the chance to make a counter-offer."""
    now = now or timezone.now()

    def confirm(trade_in):
        locked = _locked(trade_in)
        if locked.inspect_by <= now:
            trade_in_confirm(trade_in=locked, actor=None,
                             reason=gettext_noop("not inspected within 3 business days"))

    return _each_due(TradeIn.objects.filter(state=S.RECEIVED, inspect_by__lte=now), confirm)


QUOTES_KEPT_DAYS = 30


def trade_in_quotes_purge(*, now=None) -> int:
    """Quotes never accepted and expired for 30 days are deleted (the accepted ones stay with their
    trade-ins): a quote costs a row, and anyone may ask for one."""
    now = now or timezone.now()
    old = now - timedelta(days=QUOTES_KEPT_DAYS)
    deleted, _per_model = TradeInQuote.objects.filter(valid_until__lt=old, trade_in__isnull=True).delete()
    return deleted
