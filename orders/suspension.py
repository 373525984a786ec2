"""A suspended seller's open orders: paid or accepted seller orders it will not ship.

Staff suspending a seller see how many such orders it has and what they are worth, and choose for
all of them: reassign each to the next buyable offer of the same product × grade (another seller,
at a price no higher than what the shopper paid, the difference refunded), or cancel and refund it.
A seller order no offer can take is cancelled and refunded whatever the choice. States move only
through orders.states, stock only through sellers.ledger, money back only through orders.refunds;
each seller order is handled in its own transaction under its row lock, so running the decision
twice (two staff at once, a retried request) finds it already handled and refunds nothing twice.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.cache import listings_changed_on_commit
from sellers.ledger import Reason as StockReason
from sellers.ledger import StockCause, stock_allocate_one, stock_release
from sellers.models import Listing, Seller
from sellers.selectors import offers_ranked

from .fulfilment import seller_order_cancel
from .models import OrderLine, SellerOrder
from .refunds import commission_for, refund_for_seller_order
from .states import TransitionError, seller_order_move

S = SellerOrder.State
OPEN_STATES = (S.PAID, S.ACCEPTED)  # paid for, not shipped: the seller still has to act
REASSIGN, CANCEL = "reassign", "cancel"
CHOICES = [(REASSIGN, gettext_lazy("Reassign each to the next offer of the same product and grade "
                                   "(cancel and refund those no offer can take)")),
           (CANCEL, gettext_lazy("Cancel and refund them all"))]
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OpenOrders:
    count: int
    value: Decimal


def seller_open_orders(*, seller_ids) -> dict[int, OpenOrders]:
    """Each seller's open seller orders: how many and their total (one query for all sellers)."""
    rows = (SellerOrder.objects.filter(seller_id__in=list(seller_ids), state__in=OPEN_STATES)
            .order_by().values("seller_id")
            .annotate(n=Count("pk"), value=Coalesce(Sum("total"), ZERO)))
    found = {row["seller_id"]: OpenOrders(row["n"], row["value"]) for row in rows}
    return {pk: found.get(pk, OpenOrders(0, ZERO)) for pk in seller_ids}


@dataclass
class Resolution:
    reassigned: list[int] = field(default_factory=list)  # the new seller orders
    cancelled: list[int] = field(default_factory=list)


def seller_open_orders_resolve(*, seller: Seller, choice: str, actor=None) -> Resolution:
    """Reassigns or cancels and refunds every open seller order of a suspended seller."""
    if choice not in (REASSIGN, CANCEL):
        raise ValueError(choice)
    if seller.status != Seller.Status.SUSPENDED:
        raise ValueError("only a suspended seller's orders are handed over")
    resolution = Resolution()
    for seller_order_id in (SellerOrder.objects.filter(seller=seller, state__in=OPEN_STATES)
                            .order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            seller_order = (SellerOrder.objects.select_for_update().select_related("order")
                            .filter(pk=seller_order_id, state__in=OPEN_STATES).first())
            if seller_order is None:  # handled meanwhile
                continue
            new = _reassign(seller_order, actor=actor) if choice == REASSIGN else None
            if new is not None:
                resolution.reassigned.append(new.pk)
                continue
        # Cancelled in its own transaction: the cancel service takes the lock again and refunds once.
        try:
            seller_order_cancel(seller_order=seller_order, cause=SellerOrder.CancelCause.STAFF, actor=actor,
                                reason=_("The seller was suspended; the order is cancelled and refunded."))
        except TransitionError:  # cancelled or reassigned meanwhile by someone else: nothing to do
            continue
        resolution.cancelled.append(seller_order_id)
    return resolution


def _replacement(line: OrderLine, *, excluded_sellers: set[int], seller_id: int | None = None
                 ) -> Listing | None:
    """The best buyable offer (in buy-box order) of the line's product × grade, from a seller not
    already in the order (or from `seller_id`), with the units and at most the price paid."""
    offers = (offers_ranked().filter(product_id=line.listing.product_id, grade=line.grade,
                                     price__lte=line.unit_price, quantity__gte=F("allocated") + line.quantity)
              .exclude(seller_id__in=excluded_sellers))
    if seller_id is not None:
        offers = offers.filter(seller_id=seller_id)
    return offers.first()


def _reassign(old: SellerOrder, *, actor) -> SellerOrder | None:
    """Moves a locked open seller order to another seller, or returns None when no offer can take
    every line (from one seller, so the shopper still gets one parcel for it)."""
    lines = list(old.lines.select_related("listing").order_by("pk"))
    excluded = set(old.order.seller_orders.values_list("seller_id", flat=True))
    offers = []
    for line in lines:
        offer = _replacement(line, excluded_sellers=excluded)
        if offer is None:
            return None
        offers.append(offer)
    new_seller = offers[0].seller
    if any(offer.seller_id != new_seller.pk for offer in offers):
        # One parcel per seller order: take every line from the first line's seller when it can.
        offers = [_replacement(line, excluded_sellers=excluded, seller_id=new_seller.pk) for line in lines]
        if any(offer is None for offer in offers):
            return None
    subtotal = sum((offer.price * line.quantity for offer, line in zip(offers, lines, strict=True)), ZERO)
    new = SellerOrder.objects.create(
        order=old.order, seller=new_seller, state=S.AWAITING_PAYMENT, subtotal=subtotal,
        shipping_fee=old.shipping_fee, total=subtotal + old.shipping_fee,
        commission_rate=new_seller.commission_rate)
    for offer, line in zip(offers, lines, strict=True):
        if not stock_allocate_one(listing_id=offer.pk, quantity=line.quantity, cause=StockCause(
                StockReason.ORDER_PLACED, order_id=old.order_id, seller_order_id=new.pk,
                user_id=getattr(actor, "pk", None))):
            transaction.set_rollback(True)  # taken meanwhile: this order is cancelled instead
            return None
        OrderLine.objects.create(seller_order=new, listing=offer, product_name=line.product_name,
                                 grade=line.grade, sku=offer.sku, unit_price=offer.price,
                                 quantity=line.quantity, warranty_months=offer.warranty_months)
    new.commission_amount = commission_for(new)
    new.save(update_fields=["commission_amount"])
    reason = _("Reassigned from %(seller)s, suspended.") % {"seller": old.seller.name}
    seller_order_move(seller_order=new, to_state=S.PAID, actor=actor, reason=reason)
    seller_order_move(seller_order=old, to_state=S.CANCELLED, actor=actor,
                      cancel_cause=SellerOrder.CancelCause.STAFF,
                      reason=_("The seller was suspended; reassigned to %(seller)s.")
                      % {"seller": new_seller.name})
    released = [(line.listing_id, line.quantity) for line in sorted(lines, key=lambda line: line.listing_id)]
    stock_release(lines=released, cause=StockCause(StockReason.CANCELLED, order_id=old.order_id,
                                                   seller_order_id=old.pk))
    listings_changed_on_commit([listing_id for listing_id, _units in released] + [o.pk for o in offers])
    if new.total < old.total:  # the new offers cost less: the difference goes back to the shopper
        refund_for_seller_order(seller_order=old, amount=old.total - new.total, actor=actor,
                                key=f"refurb-so-{old.pk}-reassigned", reason=reason)
    return new
