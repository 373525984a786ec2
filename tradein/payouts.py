"""Money of a bought device: the shopper's payout ledger entry (due, then sent by staff with the
transfer's reference) and the seller's payout ledger debited by the price plus the platform's
trade-in commission (TRADE_IN_COMMISSION_RATE)."""
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import PayoutEntry

from . import emails
from .models import ShopperPayout, TradeIn
from .states import trade_in_move

CENT = Decimal("0.01")


def commission_for(price: Decimal) -> Decimal:
    rate = Decimal(settings.TRADE_IN_COMMISSION_RATE)
    return (Decimal(price) * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def trade_in_settle(*, trade_in: TradeIn, price: Decimal) -> dict:
    """In the caller's transaction, with the trade-in locked and about to become bought: the
    shopper's payout falls due and the seller's balance is debited. Returns the trade-in's fields."""
    commission = commission_for(price)
    ShopperPayout.objects.create(trade_in=trade_in, shopper_id=trade_in.shopper_id, amount=price,
                                 iban=trade_in.iban)
    entries = [PayoutEntry(seller_id=trade_in.seller_id, trade_in=trade_in, kind=PayoutEntry.Kind.TRADE_IN,
                           amount=-price)]
    if commission:
        entries.append(PayoutEntry(seller_id=trade_in.seller_id, trade_in=trade_in,
                                   kind=PayoutEntry.Kind.TRADE_IN_COMMISSION, amount=-commission))
    PayoutEntry.objects.bulk_create(entries)
    return {"agreed_price": price, "commission": commission}


def shopper_payout_mark_sent(*, payout: ShopperPayout, actor, reference: str) -> ShopperPayout:
    """Staff made the bank transfer: the entry is sent, with its reference; the trade-in is paid."""
    reference = (reference or "").strip()
    if not reference or len(reference) > 100:
        raise ValidationError({"reference": _("Enter the bank transfer's reference "
                                              "(at most 100 characters).")})
    with transaction.atomic():
        trade_in = TradeIn.objects.select_for_update().get(pk=payout.trade_in_id)
        payout = ShopperPayout.objects.select_for_update().get(pk=payout.pk)
        if payout.status == ShopperPayout.Status.SENT:
            raise ValidationError(_("This payout was already sent (reference %(reference)s).")
                                  % {"reference": payout.reference})
        now = timezone.now()
        payout.status, payout.reference, payout.sent_at, payout.sent_by = (
            ShopperPayout.Status.SENT, reference, now, actor)
        payout.save(update_fields=["status", "reference", "sent_at", "sent_by"])
        trade_in_move(trade_in=trade_in, to_state=TradeIn.State.PAID, actor=actor, now=now,
                      reason=f"payout sent, reference {reference}")
        emails.notify_on_commit(trade_in.pk, "paid")
    return payout
