"""Fulfilment and after-sales: the seller order state machine, shipping, returns, refunds, payouts.

What sellers, staff and timed jobs do to a seller order or a return. Each action takes the row
lock (select_for_update), moves the state through orders.states (the one writer of states, with
the transition tables), and enqueues its e-mail after commit. Money owed back is recorded and
sent by orders.refunds.
"""
import calendar
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.cache import listings_changed_on_commit
from reviews.tasks import send_review_invitation as review_invitation_task
from sellers.ledger import Reason as StockReason
from sellers.ledger import StockCause, stock_consume, stock_release, stock_restock
from sellers.models import Seller
from sellers.performance import seller_performance_changed_on_commit
from sellers.webhooks import event_record

from .models import (
    OrderLine,
    Payout,
    PayoutEntry,
    Refund,
    ReturnRequest,
    ReturnTransition,
    SellerOrder,
    UnitSerial,
)
from .refunds import RefundError, commission_for, refund_create, refund_for_seller_order, refund_process
from .states import (
    RETURN_TRANSITIONS,
    TRANSITIONS,
    TransitionError,
    return_move,
    return_transition_check,
    seller_order_move,
    transition_check,
)

# Re-exported: the back office, the API, the admin and the tasks name these as fulfilment.X.
__all__ = ["RETURN_TRANSITIONS", "TRANSITIONS", "RefundError", "TransitionError", "refund_create",
           "refund_process", "return_transition_check"]

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
S = SellerOrder.State
R = ReturnRequest.State

# What a seller can still do, for the back office and the API.
REFUSABLE = (S.PAID, S.ACCEPTED)


def _locked(seller_order: SellerOrder) -> SellerOrder:
    # The seller order and its order only: the seller's row is joined for reading, not locked, since
    # long transactions update it (buy-box notices, quality scores) and an accept must not wait on them.
    return (SellerOrder.objects.select_for_update(of=("self", "order")).select_related("order", "seller")
            .get(pk=seller_order.pk))


def _notify(seller_order_id: int, event: str) -> None:
    from . import tasks

    transaction.on_commit(lambda: tasks.send_seller_order_update.delay(seller_order_id, event))


def _notify_return(return_id: int, event: str) -> None:
    from . import tasks

    transaction.on_commit(lambda: tasks.send_return_update.delay(return_id, event))


# --- Seller actions ------------------------------------------------------------------------------
def seller_order_accept(*, seller_order: SellerOrder, actor=None, reason: str = "") -> SellerOrder:
    """The seller confirms it will ship: paid → accepted."""
    with transaction.atomic():
        seller_order = _locked(seller_order)
        seller_order_move(seller_order=seller_order, to_state=S.ACCEPTED, actor=actor,
              reason=reason or "accepted by the seller")
        _notify(seller_order.pk, "accepted")
    return seller_order


def _release_allocation(seller_order: SellerOrder) -> None:
    lines = list(seller_order.lines.order_by("listing_id").values_list("listing_id", "quantity"))
    stock_release(lines=lines, cause=StockCause(StockReason.CANCELLED, order_id=seller_order.order_id,
                                                seller_order_id=seller_order.pk))
    # The units are buyable again: the product pages must show them on the next request.
    listings_changed_on_commit([listing_id for listing_id, _quantity in lines])


def seller_order_cancel(*, seller_order: SellerOrder, cause: str, reason: str, actor=None,
                        now=None) -> SellerOrder:
    """Cancels a paid or accepted seller order: its stock allocation goes back to the listings and
    its whole amount is refunded through the provider (after commit, outside the lock)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the order is cancelled; the shopper will read it.")})
    with transaction.atomic():
        seller_order = _locked(seller_order)
        if seller_order.state not in REFUSABLE:
            transition_check(seller_order.state, S.CANCELLED)
            raise TransitionError(_("Only a paid or accepted seller order can be cancelled."))
        seller_order_move(seller_order=seller_order, to_state=S.CANCELLED, actor=actor, reason=reason,
                          now=now, cancel_cause=cause)
        _release_allocation(seller_order)
        refund_for_seller_order(seller_order=seller_order, reason=reason,
                                key=f"refurb-so-{seller_order.pk}-cancel", actor=actor)
        _notify(seller_order.pk, "cancelled")
    return seller_order


def seller_order_refuse(*, seller_order: SellerOrder, reason: str, actor=None) -> SellerOrder:
    """The seller refuses the order (out of stock, a fault found): cancelled and refunded."""
    return seller_order_cancel(seller_order=seller_order, cause=SellerOrder.CancelCause.REFUSED,
                               reason=reason, actor=actor)


CARRIERS = {  # name → tracking page, {number} replaced by the tracking number
    "Colissimo": "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
    "Chronopost": "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={number}",
    "DHL": "https://www.dhl.com/fr-en/home/tracking.html?tracking-id={number}",
    "UPS": "https://www.ups.com/track?tracknum={number}",
    "DPD": "https://tracking.dpd.de/status/en_US/parcel/{number}",
    "GLS": "https://gls-group.com/track/{number}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={number}",
}
TRACKING_RE = re.compile(r"^[A-Za-z0-9-]{6,40}$")
SERIAL_RE = re.compile(r"^[A-Za-z0-9-]{5,40}$")


def tracking_url(*, carrier: str, tracking_number: str) -> str:
    template = CARRIERS.get(carrier)
    return template.format(number=tracking_number) if template and tracking_number else ""


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char)
        if index % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def serial_field(line_id: int, unit: int) -> str:
    """The error key (and form field name) of one unit's IMEI or serial number."""
    return f"serial_{line_id}_{unit}"


def validate_shipment(*, seller_order: SellerOrder, carrier: str, tracking_number: str,
                      serials: dict[int, list[str]]) -> dict[int, list[str]]:
    """Checks carrier, tracking number and one IMEI/serial per unit; returns the cleaned serials.
    Raises ValidationError with one key per field in error."""
    errors: dict[str, str] = {}
    if carrier not in CARRIERS:
        errors["carrier"] = _("Choose the carrier.")
    tracking_number = (tracking_number or "").strip()
    if not tracking_number:
        errors["tracking_number"] = _("Enter the tracking number.")
    elif not TRACKING_RE.match(tracking_number):
        errors["tracking_number"] = _("A tracking number has 6 to 40 letters, digits or dashes.")
    cleaned: dict[int, list[str]] = {}
    seen: set[str] = set()
    lines = list(seller_order.lines.all())
    unknown = set(serials) - {line.pk for line in lines}
    if unknown:
        errors["serials"] = _("Lines %(ids)s are not part of this order.") % {
            "ids": ", ".join(str(pk) for pk in sorted(unknown))}
    for line in lines:
        given = [str(s).strip().upper() for s in (serials.get(line.pk) or [])]
        cleaned[line.pk] = []
        for unit in range(1, line.quantity + 1):
            key = serial_field(line.pk, unit)
            value = given[unit - 1] if unit <= len(given) else ""
            if not value:
                errors[key] = _("Enter the IMEI or serial number of unit %(unit)s of %(product)s.") % {
                    "unit": unit, "product": line.product_name}
            elif not SERIAL_RE.match(value):
                errors[key] = _("An IMEI or serial number has 5 to 40 letters, digits or dashes.")
            elif value.isdigit() and len(value) == 15 and not _luhn_ok(value):
                errors[key] = _("This IMEI is not valid: check its 15 digits.")
            elif value in seen:
                errors[key] = _("This number is already given for another unit of this parcel.")
            cleaned[line.pk].append(value)
            seen.add(value)
        if len(given) > line.quantity:
            errors[serial_field(line.pk, line.quantity + 1)] = _(
                "%(product)s has %(n)s unit(s): give one number per unit.") % {
                "product": line.product_name, "n": line.quantity}
    if errors:
        raise ValidationError(errors)
    return cleaned


def seller_order_ship(*, seller_order: SellerOrder, carrier: str, tracking_number: str,
                      serials: dict[int, list[str]], actor=None, now=None) -> SellerOrder:
    """Accepted → shipped with carrier, tracking number and each unit's IMEI/serial (recorded once).

    Shipping consumes the allocation: on each listing, quantity and allocated both drop by the
    units shipped, in one guarded statement per listing.
    """
    with transaction.atomic():
        seller_order = _locked(seller_order)
        transition_check(seller_order.state, S.SHIPPED)
        cleaned = validate_shipment(seller_order=seller_order, carrier=carrier,
                                    tracking_number=tracking_number, serials=serials)
        lines = list(seller_order.lines.order_by("listing_id", "pk"))
        for line in lines:
            if not stock_consume(listing_id=line.listing_id, quantity=line.quantity, cause=StockCause(
                    StockReason.SHIPPED, order_id=seller_order.order_id, seller_order_id=seller_order.pk,
                    user_id=getattr(actor, "pk", None))):
                raise TransitionError(_("The stock held for %(product)s is gone; contact support.")
                                      % {"product": line.product_name})
        try:
            with transaction.atomic():
                UnitSerial.objects.bulk_create([
                    UnitSerial(seller_order=seller_order, order_line=line, unit=unit, serial=serial)
                    for line in lines for unit, serial in enumerate(cleaned[line.pk], start=1)])
        except IntegrityError as exc:
            raise TransitionError(_("The serial numbers of this order are already recorded.")) from exc
        seller_order_move(seller_order=seller_order, to_state=S.SHIPPED, actor=actor, now=now,
              reason=f"{carrier} {tracking_number.strip()}", carrier=carrier,
              tracking_number=tracking_number.strip())
        _notify(seller_order.pk, "shipped")
    return seller_order


def seller_order_deliver(*, seller_order: SellerOrder, actor=None, reason: str = "", now=None) -> SellerOrder:
    """Shipped → delivered (staff, or automatically AUTO_DELIVER_DAYS after shipping)."""
    with transaction.atomic():
        seller_order = _locked(seller_order)
        seller_order_move(seller_order=seller_order, to_state=S.DELIVERED, actor=actor, now=now,
              reason=reason or ("marked delivered by staff" if actor else "marked delivered"))
        _notify(seller_order.pk, "delivered")
        transaction.on_commit(lambda: review_invitation_task.delay(seller_order.pk))
    return seller_order


def seller_orders_cancel_unaccepted(*, now=None) -> int:
    """Cancels and refunds every paid seller order the seller did not accept within
    SELLER_ACCEPT_HOURS; each counts against its seller (cancel cause `not_accepted`)."""
    now = now or timezone.now()
    deadline = now - timedelta(hours=settings.SELLER_ACCEPT_HOURS)
    done = 0
    for seller_order in SellerOrder.objects.filter(state=S.PAID, paid_at__lte=deadline).order_by("pk"):
        try:
            seller_order_cancel(seller_order=seller_order, cause=SellerOrder.CancelCause.NOT_ACCEPTED,
                                reason=f"not accepted within {settings.SELLER_ACCEPT_HOURS} hours", now=now)
        except TransitionError:  # accepted meanwhile
            continue
        done += 1
    return done


def seller_orders_deliver_shipped(*, now=None) -> int:
    """Marks delivered every seller order shipped more than AUTO_DELIVER_DAYS ago."""
    now = now or timezone.now()
    deadline = now - timedelta(days=settings.AUTO_DELIVER_DAYS)
    done = 0
    for seller_order in SellerOrder.objects.filter(state=S.SHIPPED, shipped_at__lte=deadline).order_by("pk"):
        try:
            seller_order_deliver(seller_order=seller_order, now=now,
                                 reason=f"delivered automatically after {settings.AUTO_DELIVER_DAYS} days")
        except TransitionError:
            continue
        done += 1
    return done


# --- Returns -------------------------------------------------------------------------------------
def warranty_end(*, delivered_at: datetime | None, months: int) -> date | None:
    """The last day of the warranty: `months` calendar months from the day of delivery."""
    if delivered_at is None:
        return None
    start = timezone.localtime(delivered_at).date()
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def return_deadline(seller_order: SellerOrder) -> datetime | None:
    if seller_order.delivered_at is None:
        return None
    return seller_order.delivered_at + timedelta(days=settings.RETURN_WINDOW_DAYS)


def return_request_create(*, order_line: OrderLine, reason: str, comment: str, user=None,
                          now=None) -> ReturnRequest:
    """A shopper asks to return one line of a delivered seller order, within the return window."""
    now = now or timezone.now()
    errors = {}
    if reason not in ReturnRequest.Reason.values:
        errors["reason"] = _("Choose a reason.")
    if not (comment or "").strip():
        errors["comment"] = _("Tell the seller what is wrong, in a few words.")
    elif len(comment) > 2000:
        errors["comment"] = _("Keep the comment under 2,000 characters.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        seller_order = _locked(order_line.seller_order)
        if seller_order.state != S.DELIVERED:
            raise TransitionError(_("Only a delivered order can be returned."))
        if now > return_deadline(seller_order):
            raise TransitionError(_("The %(days)s-day return window closed on %(date)s.") % {
                "days": settings.RETURN_WINDOW_DAYS,
                "date": timezone.localtime(return_deadline(seller_order)).date().isoformat()})
        if ReturnRequest.objects.filter(order_line=order_line).exists():
            raise TransitionError(_("A return is already requested for this item."))
        ret = ReturnRequest.objects.create(seller_order=seller_order, order_line=order_line, reason=reason,
                                           comment=comment.strip(), requested_by=user,
                                           amount=order_line.line_total)
        ReturnTransition.objects.create(return_request=ret, from_state="", to_state=R.REQUESTED, actor=user,
                                        reason=reason)
        event_record(seller_id=seller_order.seller_id, type="return.requested",
                     payload={"return_id": ret.pk, "seller_order_id": seller_order.pk,
                              "order_line_id": order_line.pk, "sku": order_line.sku, "reason": reason,
                              "amount": ret.amount})
        _notify_return(ret.pk, "requested")
        seller_performance_changed_on_commit(seller_order.seller_id)  # a fault counts as a defect
    return ret


def _locked_return(ret: ReturnRequest) -> ReturnRequest:
    _locked(ret.seller_order)  # the seller order first: the same lock order as the refund path
    return ReturnRequest.objects.select_for_update().select_related("order_line").get(pk=ret.pk)


def return_accept(*, ret: ReturnRequest, actor=None, note: str = "", by_staff: bool = False) -> ReturnRequest:
    """The seller (or staff arbitrating a dispute) accepts the return: the shopper sends it back."""
    with transaction.atomic():
        ret = _locked_return(ret)
        if ret.state == R.DISPUTED and not by_staff:
            raise TransitionError(_("A disputed return is decided by our staff."))
        fields = {"staff_note": note} if by_staff else {"seller_note": note}
        return_move(ret=ret, to_state=R.ACCEPTED, actor=actor, reason=note or "accepted", **fields)
        _notify_return(ret.pk, "accepted")
    return ret


def return_dispute(*, ret: ReturnRequest, note: str, actor=None) -> ReturnRequest:
    """The seller disputes the return, saying why; staff then arbitrate."""
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why you dispute this return; our staff will read it.")})
    with transaction.atomic():
        ret = _locked_return(ret)
        return_move(ret=ret, to_state=R.DISPUTED, actor=actor, reason=note, seller_note=note.strip())
        _notify_return(ret.pk, "disputed")
    return ret


def return_reject(*, ret: ReturnRequest, note: str, actor=None) -> ReturnRequest:
    """Staff reject a return (after a dispute, or an abusive request)."""
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the return is rejected; the shopper will read it.")})
    with transaction.atomic():
        ret = _locked_return(ret)
        return_move(ret=ret, to_state=R.REJECTED, actor=actor, reason=note, staff_note=note.strip())
        _notify_return(ret.pk, "rejected")
    return ret


def return_mark_received(*, ret: ReturnRequest, actor=None, reason: str = "",
                         restock: bool = False) -> ReturnRequest:
    """The item is back with the seller: the line is refunded through the provider. `restock`: the
    seller found it sellable as listed, and its units go back into the listing's stock through the
    stock ledger (once: a return is received once)."""
    with transaction.atomic():
        ret = _locked_return(ret)
        return_move(ret=ret, to_state=R.RECEIVED, actor=actor, reason=reason or "item received")
        seller_order = ret.seller_order
        if restock:
            line = ret.order_line
            stock_restock(listing_id=line.listing_id, quantity=line.quantity, cause=StockCause(
                StockReason.RETURN_RESTOCKED, order_id=seller_order.order_id, seller_order_id=seller_order.pk,
                user_id=getattr(actor, "pk", None)))
            listings_changed_on_commit([line.listing_id])
        refund_for_seller_order(seller_order=seller_order, amount=ret.amount, return_request=ret,
                                reason=f"return {ret.pk}: {ret.get_reason_display()}",
                                key=f"refurb-return-{ret.pk}", actor=actor)
        _notify_return(ret.pk, "received")
    return ret


# --- Payouts -------------------------------------------------------------------------------------
def payouts_compute(*, now=None) -> int:
    """Moves into each seller's ledger every seller order whose return window has passed since
    delivery and that has no open return: earned (+total), refunded (−), commission (−).
    Idempotent: a seller order is settled once (settled_at, and one entry per kind)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RETURN_WINDOW_DAYS)
    candidates = (SellerOrder.objects.filter(state__in=[S.DELIVERED, S.REFUNDED], delivered_at__lte=cutoff,
                                             settled_at__isnull=True)
                  .exclude(returns__state__in=ReturnRequest.OPEN_STATES)
                  .values_list("pk", flat=True).order_by("pk"))
    settled = 0
    for pk in list(candidates):
        with transaction.atomic():
            seller_order = (SellerOrder.objects.select_for_update()
                            .filter(pk=pk, settled_at__isnull=True).first())
            if seller_order is None or seller_order.returns.filter(
                    state__in=ReturnRequest.OPEN_STATES).exists():
                continue
            if seller_order.refunds.filter(status=Refund.Status.PENDING).exists():
                continue
            entries = [PayoutEntry(seller_id=seller_order.seller_id, seller_order=seller_order,
                                   kind=PayoutEntry.Kind.EARNING, amount=seller_order.total)]
            if seller_order.refunded_amount:
                entries.append(PayoutEntry(seller_id=seller_order.seller_id, seller_order=seller_order,
                                           kind=PayoutEntry.Kind.REFUND,
                                           amount=-seller_order.refunded_amount))
            commission = commission_for(seller_order)
            if commission:
                entries.append(PayoutEntry(seller_id=seller_order.seller_id, seller_order=seller_order,
                                           kind=PayoutEntry.Kind.COMMISSION, amount=-commission))
            PayoutEntry.objects.bulk_create(entries)
            seller_order.settled_at = now
            seller_order.commission_amount = commission
            seller_order.save(update_fields=["settled_at", "commission_amount", "updated_at"])
            settled += 1
    return settled


@dataclass(frozen=True)
class LedgerSummary:
    earned: Decimal
    refunded: Decimal
    commission: Decimal
    paid: Decimal
    payable: Decimal
    pending: Decimal  # delivered or on its way, not yet past the return window


def payout_summary(*, seller: Seller) -> LedgerSummary:
    """The seller's ledger totals (one query) and what is still within the return window (one)."""
    kind = PayoutEntry.Kind
    sums = PayoutEntry.objects.filter(seller=seller).aggregate(
        earned=Sum("amount", filter=Q(kind=kind.EARNING), default=ZERO),
        refunded=Sum("amount", filter=Q(kind=kind.REFUND), default=ZERO),
        commission=Sum("amount", filter=Q(kind=kind.COMMISSION), default=ZERO),
        paid=Sum("amount", filter=Q(kind=kind.PAYOUT), default=ZERO),
        balance=Sum("amount", default=ZERO),
    )
    pending = SellerOrder.objects.filter(
        seller=seller, state__in=[S.ACCEPTED, S.SHIPPED, S.DELIVERED], settled_at__isnull=True,
    ).aggregate(total=Sum(F("total") - F("refunded_amount") - F("commission_amount"), default=ZERO))["total"]
    return LedgerSummary(earned=sums["earned"], refunded=-sums["refunded"], commission=-sums["commission"],
                         paid=-sums["paid"], payable=sums["balance"], pending=pending)


def payout_record(*, seller: Seller, reference: str, amount: Decimal | None = None, actor=None) -> Payout:
    """Staff record a transfer to the seller; by default the whole payable balance."""
    if not (reference or "").strip():
        raise ValidationError({"reference": _("Enter the bank transfer's reference.")})
    with transaction.atomic():
        Seller.objects.select_for_update().get(pk=seller.pk)  # one payout at a time per seller
        balance = PayoutEntry.objects.filter(seller=seller).aggregate(b=Sum("amount", default=ZERO))["b"]
        amount = balance if amount is None else Decimal(amount).quantize(CENT)
        if amount <= 0:
            raise ValidationError({"amount": _("Nothing is payable to this seller.")})
        if amount > balance:
            raise ValidationError({"amount": _("At most %(balance)s is payable.") % {"balance": balance}})
        payout = Payout.objects.create(seller=seller, amount=amount, reference=reference.strip(),
                                       created_by=actor)
        PayoutEntry.objects.create(seller=seller, payout=payout, kind=PayoutEntry.Kind.PAYOUT, amount=-amount)
        event_record(seller_id=seller.pk, type="payout.recorded",
                     payload={"payout_id": payout.pk, "amount": amount, "reference": payout.reference,
                              "balance_after": balance - amount})
    return payout

