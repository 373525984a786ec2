"""Refunds: every euro the marketplace owes back is a Refund row first, then sent until it lands.

A refund is recorded (pending) in the same transaction as the decision that owes it — a seller
order cancelled, a return received, staff refunding, or a payment that arrived for an order no
longer payable. After commit a worker sends it to the provider, outside any lock, always with
the row's idempotency key; a failure is kept (failed, with the reason and the next attempt) and
tried again with exponential back-off for REFUND_RETRY_HOURS by a timed job, then left for staff,
who see it in the admin and can send it again. Pending, failed and succeeded refunds all count
against what was captured: under the payment's and the seller order's row locks, nothing can
ever be refunded beyond it, whoever clicks at once.
"""
import logging
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Order, Payment, Refund, ReturnRequest, SellerOrder
from .states import TRANSITIONS, TransitionError, order_move, return_move, seller_order_move

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
S = SellerOrder.State
R = ReturnRequest.State
# What one attempt may hold a refund for before another worker may try it (a killed worker).
ATTEMPT_LEASE = timedelta(minutes=5)


class RefundError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most REFUND_RETRY_MAX_DELAY_MINUTES apart."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), settings.REFUND_RETRY_MAX_DELAY_MINUTES))


def _owed_total(queryset) -> Decimal:
    """Money already given back or on its way: pending, failed (being retried) and succeeded."""
    return queryset.aggregate(total=Sum("amount"))["total"] or ZERO


def _notify_after_commit(refund: Refund) -> None:
    from . import tasks

    if refund.return_request_id:
        return_id = refund.return_request_id
        transaction.on_commit(lambda: tasks.send_return_update.delay(return_id, "refunded"))
    elif refund.seller_order_id:
        seller_order_id, event = refund.seller_order_id, f"refunded-{refund.pk}"
        transaction.on_commit(lambda: tasks.send_seller_order_update.delay(seller_order_id, event))


def send_after_commit(refund: Refund | None) -> None:
    """Has a worker send a recorded refund once the transaction that owes it has committed."""
    from . import tasks

    if refund is not None and refund.status != Refund.Status.SUCCEEDED:
        refund_id = refund.pk
        transaction.on_commit(lambda: tasks.process_refund.delay(refund_id))


def refund_owe(*, payment: Payment, amount: Decimal | None, reason: str, key: str, actor=None,
               seller_order: SellerOrder | None = None,
               return_request: ReturnRequest | None = None) -> Refund | None:
    """Records a pending refund inside the caller's transaction; `amount` None is all that is left
    (of the seller order, or of the payment when there is none). Locks the payment row, so two
    refunds decided at once queue and the second sees the first. Returns the existing refund for
    a key already used, None when nothing is left."""
    existing = Refund.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.payment_id != payment.pk or existing.seller_order_id != getattr(seller_order, "pk", None):
            raise RefundError(_("This refund key belongs to another order."))
        return existing
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    left = payment.amount - _owed_total(payment.refunds.all())
    if seller_order is not None:
        left = min(left, seller_order.total - _owed_total(seller_order.refunds.all()))
    if amount is None:
        amount = left
        if amount <= 0:
            return None
    if amount > left:
        raise RefundError(_("At most %(left)s is left to refund on this order.") % {"left": max(left, ZERO)})
    return Refund.objects.create(seller_order=seller_order, payment=payment, amount=amount,
                                 reason=reason[:255], idempotency_key=key, created_by=actor,
                                 return_request=return_request, next_attempt_at=timezone.now())


def _locked(seller_order: SellerOrder) -> SellerOrder:
    # The seller order and its order only: the seller's row is joined for reading, not locked, since
    # long transactions update it (buy-box notices, quality scores) and an accept must not wait on them.
    return (SellerOrder.objects.select_for_update(of=("self", "order")).select_related("order", "seller")
            .get(pk=seller_order.pk))


def refund_create(*, seller_order: SellerOrder, amount: Decimal, reason: str, idempotency_key: str,
                  actor=None) -> Refund:
    """A full or partial refund of a seller order (staff). Recorded once per idempotency key; the
    provider is called after commit. Refunding a fully refunded order raises TransitionError."""
    amount = Decimal(amount).quantize(CENT)
    if amount <= 0:
        raise ValidationError({"amount": _("A refund must be more than zero.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the money is given back.")})
    with transaction.atomic():
        seller_order = _locked(seller_order)
        if seller_order.state not in (S.SHIPPED, S.DELIVERED, S.CANCELLED):
            raise TransitionError(_("A seller order that is “%(state)s” cannot be refunded.")
                                  % {"state": seller_order.get_state_display()})
        if seller_order.settled_at is not None:
            raise RefundError(_("This seller order is already in the seller's payout ledger."))
        refund = refund_owe(payment=_captured_payment(seller_order), seller_order=seller_order,
                            amount=amount, reason=reason, key=idempotency_key, actor=actor)
        send_after_commit(refund)
    return refund


def _captured_payment(seller_order: SellerOrder) -> Payment:
    payment = seller_order.order.payments.filter(status=Payment.Status.SUCCEEDED).order_by("pk").first()
    if payment is None:
        raise RefundError(_("This order has no payment to refund."))
    return payment


def refund_for_seller_order(*, seller_order: SellerOrder, reason: str, key: str, actor=None,
                            amount: Decimal | None = None,
                            return_request: ReturnRequest | None = None) -> Refund | None:
    """What a locked seller order owes back (cancelled, or a return received), sent after commit."""
    refund = refund_owe(payment=_captured_payment(seller_order), seller_order=seller_order, amount=amount,
                        reason=reason, key=key, actor=actor, return_request=return_request)
    send_after_commit(refund)
    return refund


def refund_unneeded_payment(*, payment: Payment) -> Refund | None:
    """Money that arrived for an order no longer payable (released meanwhile, or paid twice) is
    owed back in full: recorded now, in the caller's transaction, and sent after commit."""
    refund = refund_owe(payment=payment, amount=None, key=f"refurb-unneeded-{payment.pk}",
                        reason="payment for an order that was no longer payable")
    send_after_commit(refund)
    return refund


def _claim(refund_id: int, now, *, force: bool) -> bool:
    """Takes the refund for one attempt: a second worker (or a redelivered task) finds it taken.
    A worker killed mid-attempt holds it only for ATTEMPT_LEASE."""
    due = Q() if force else Q(next_attempt_at__lte=now)
    return bool(Refund.objects.filter(
        due, Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), pk=refund_id,
        status__in=[Refund.Status.PENDING, Refund.Status.FAILED],
    ).update(claimed_until=now + ATTEMPT_LEASE))


def refund_process(*, refund: Refund, force: bool = False, now=None) -> Refund:
    """Sends a pending (or failed) refund to the provider — outside any lock — and records the
    result. Safe to run twice: the provider sees the same idempotency key, and a succeeded refund
    is never applied again. `force` (staff's "send again") does not wait for the back-off."""
    from .services import payment_refund

    if not _claim(refund.pk, now or timezone.now(), force=force):
        return Refund.objects.get(pk=refund.pk)
    refund = Refund.objects.select_related("payment").get(pk=refund.pk)
    try:
        result = payment_refund(payment=refund.payment, amount=refund.amount,
                                idempotency_key=refund.idempotency_key)
    except Exception as exc:
        logger.warning("refund %s failed at the provider: %s", refund.pk, exc)
        _record_failure(refund=refund, reason=str(exc) or exc.__class__.__name__)
        raise RefundError(_("The payment service did not take the refund; it will be tried again.")) from exc
    if not result.succeeded:
        _record_failure(refund=refund, reason="refused by the provider", reference=result.reference)
        raise RefundError(_("The payment service refused the refund."))
    return _record_success(refund=refund, reference=result.reference)


def _record_failure(*, refund: Refund, reason: str, reference: str = "") -> None:
    attempts = refund.attempts + 1
    give_up_at = refund.created_at + timedelta(hours=settings.REFUND_RETRY_HOURS)
    next_at = timezone.now() + retry_delay(attempts)
    updates = {"status": Refund.Status.FAILED, "attempts": attempts, "failure_reason": reason[:255],
               "next_attempt_at": next_at if next_at <= give_up_at else None, "claimed_until": None}
    if reference:
        updates["provider_reference"] = reference
    Refund.objects.filter(pk=refund.pk).exclude(status=Refund.Status.SUCCEEDED).update(**updates)
    if updates["next_attempt_at"] is None:
        logger.error("refund %s still failing after %s attempts: left for staff", refund.pk, attempts)


def _record_success(*, refund: Refund, reference: str) -> Refund:
    with transaction.atomic():
        seller_order = _locked(refund.seller_order) if refund.seller_order_id else None
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == Refund.Status.SUCCEEDED:
            return refund
        refund.status = Refund.Status.SUCCEEDED
        refund.provider_reference = reference
        refund.failure_reason = ""
        refund.attempts += 1
        refund.next_attempt_at = refund.claimed_until = None
        refund.completed_at = timezone.now()
        refund.save(update_fields=["status", "provider_reference", "failure_reason", "attempts",
                                   "next_attempt_at", "claimed_until", "completed_at"])
        if seller_order is not None:
            _apply_to_seller_order(seller_order=seller_order, refund=refund, reference=reference)
        _notify_after_commit(refund)
    return refund


def _apply_to_seller_order(*, seller_order: SellerOrder, refund: Refund, reference: str) -> None:
    seller_order.refunded_amount += refund.amount
    seller_order.commission_amount = commission_for(seller_order)
    seller_order.save(update_fields=["refunded_amount", "commission_amount", "updated_at"])
    if seller_order.refunded_amount == seller_order.total and S.REFUNDED in TRANSITIONS[seller_order.state]:
        seller_order_move(seller_order=seller_order, to_state=S.REFUNDED, reason=f"refund {reference}")
        order = Order.objects.select_for_update().get(pk=seller_order.order_id)
        if not order.seller_orders.exclude(state__in=[S.REFUNDED, S.CANCELLED]).exists() \
                and order.status == Order.Status.PAID:
            order_move(order=order, to_status=Order.Status.REFUNDED, reason=f"refund {reference}")
    if refund.return_request_id:
        ret = ReturnRequest.objects.select_for_update().get(pk=refund.return_request_id)
        return_move(ret=ret, to_state=R.REFUNDED, reason=f"refund {reference}")


def refunds_retry_due(*, now=None) -> int:
    """The timed job: sends again every refund whose next attempt is due; returns how many landed."""
    now = now or timezone.now()
    landed = 0
    due = Refund.objects.filter(status__in=[Refund.Status.PENDING, Refund.Status.FAILED],
                                next_attempt_at__lte=now).order_by("next_attempt_at", "pk")
    for refund_id in due.values_list("pk", flat=True)[:500]:
        try:
            refund_process(refund=Refund(pk=refund_id), now=now)
        except RefundError:
            continue
        landed += Refund.objects.filter(pk=refund_id, status=Refund.Status.SUCCEEDED).exists()
    return landed


def commission_for(seller_order: SellerOrder) -> Decimal:
    """The platform's commission at the seller's rate, on the goods kept (refunds give it back)."""
    kept_goods = max(seller_order.subtotal - seller_order.refunded_amount, ZERO)
    return (kept_goods * seller_order.commission_rate).quantize(CENT, ROUND_HALF_UP)
