"""Writes about carts, orders, stock allocation, payments and the shopper's saved data."""
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.cache import listings_changed_on_commit, products_changed_on_commit
from sellers.ledger import Reason as StockReason
from sellers.ledger import StockCause, stock_allocate, stock_allocations_record, stock_release
from sellers.models import Listing, Seller

from .models import (
    Address,
    Cart,
    CartLine,
    Order,
    OrderLine,
    Payment,
    ProviderEvent,
    SellerOrder,
)
from .payments import get_provider
from .payments.base import PaymentState, RefundResult
from .refunds import refund_unneeded_payment
from .selectors import shipping_fee_for
from .states import order_move, seller_order_move

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")
MAX_LINE_QUANTITY = 10  # per listing and cart: a marketplace of single devices, not a wholesaler
NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# --- Addresses --------------------------------------------------------------------------------
@transaction.atomic
def address_save(*, address: Address) -> Address:
    """Saves an address; making it the default takes the flag from the user's other addresses."""
    if address.is_default:
        Address.objects.filter(user=address.user, is_default=True).exclude(pk=address.pk).update(
            is_default=False
        )
    elif not Address.objects.filter(user=address.user).exclude(pk=address.pk).exists():
        address.is_default = True
    address.save()
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Deletes an address; if it was the default, the newest remaining one becomes the default."""
    was_default = address.is_default
    user = address.user
    address.delete()
    if was_default:
        newest = Address.objects.filter(user=user).order_by("-created_at").first()
        if newest:
            newest.is_default = True
            newest.save(update_fields=["is_default"])


# --- Cart -------------------------------------------------------------------------------------
def cart_get_or_create(*, user=None, cart_id: int | None = None, session_key: str | None = None) -> Cart:
    """The user's cart, or the anonymous cart `cart_id` (from the session), created when missing."""
    if user is not None:
        cart, _created = Cart.objects.get_or_create(user=user)
        return cart
    if cart_id:
        cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first()
        if cart is not None:
            return cart
    cart, _created = Cart.objects.get_or_create(session_key=session_key, user=None)
    return cart


def _quantity_error(*, listing: Listing, wanted: int) -> ValidationError | None:
    if wanted < 1:
        return ValidationError({"quantity": _("Choose a quantity of at least 1.")})
    if wanted > MAX_LINE_QUANTITY:
        return ValidationError({"quantity": _("You can buy at most %(max)d units of one offer.")
                                % {"max": MAX_LINE_QUANTITY}})
    if wanted > listing.available:
        return ValidationError({"quantity": _("Only %(available)d left of %(product)s from %(seller)s.")
                                % {"available": max(listing.available, 0), "product": listing.product,
                                   "seller": listing.seller.name}})
    return None


@transaction.atomic
def cart_add(*, cart: Cart, listing_id: int, quantity: int = 1) -> CartLine:
    """Adds units of a buyable listing, never beyond what is available; the price is the listing's."""
    listing = (Listing.objects.buyable().select_related("seller", "product__model")
               .filter(pk=listing_id).first())
    if listing is None:
        raise ValidationError(_("This offer is no longer available."))
    line = CartLine.objects.select_for_update().filter(cart=cart, listing=listing).first()
    wanted = quantity + (line.quantity if line else 0)
    if quantity < 1:
        wanted = quantity
    error = _quantity_error(listing=listing, wanted=wanted)
    if error:
        raise error
    if line is None:
        line = CartLine(cart=cart, listing=listing)
    line.quantity = wanted
    line.price_when_added = listing.price
    line.save()
    return line


@transaction.atomic
def cart_update(*, line: CartLine, quantity: int) -> CartLine | None:
    """Sets a line's quantity (0 removes it), bounded by the stock available now."""
    if quantity == 0:
        line.delete()
        return None
    listing = Listing.objects.select_related("seller", "product__model").get(pk=line.listing_id)
    error = _quantity_error(listing=listing, wanted=quantity)
    if error:
        raise error
    line.quantity = quantity
    line.price_when_added = listing.price  # the shopper has now seen the current price
    line.save(update_fields=["quantity", "price_when_added"])
    return line


def cart_remove(*, line: CartLine) -> None:
    line.delete()


@transaction.atomic
def cart_line_replace(*, line: CartLine, listing_id: int, price: Decimal) -> CartLine:
    """Swaps a line that can no longer be bought for the offer the cart proposed in its place:
    the buy box of the same product × grade (orders.selectors.cart_replacements), checked again
    now. `listing_id` and `price` are what the shopper was shown: an offer that changed since, or
    costs more now, is refused (the cart then shows the new one). The quantity is kept within
    what the new offer has; a line of that offer already in the cart takes the units instead."""
    from .selectors import cart_replacements

    line = CartLine.objects.select_for_update().select_related("listing").filter(pk=line.pk).first()
    if line is None:
        raise ValidationError(_("This line is no longer in your cart."))
    if Listing.objects.buyable().filter(pk=line.listing_id).exists():
        raise ValidationError(_("This line can still be bought as it is."))
    replacement = cart_replacements(listings=[line.listing]).get(line.listing_id)
    if replacement is None:
        raise ValidationError(_("No other seller offers this device in this condition right now."))
    if replacement.pk != listing_id or replacement.price > price:
        raise ValidationError(_("That offer changed a moment ago: your cart shows the best one now."))
    into = CartLine.objects.select_for_update().filter(cart_id=line.cart_id, listing=replacement).first()
    wanted = line.quantity + (into.quantity if into else 0)
    quantity = min(wanted, replacement.available, MAX_LINE_QUANTITY)
    if into is not None:
        line.delete()
        line = into
    line.listing = replacement
    line.quantity = quantity
    line.price_when_added = replacement.price
    line.save()
    return line


@transaction.atomic
def cart_merge(*, source: Cart, target: Cart) -> None:
    """Moves an anonymous cart's lines into the user's cart at login; the anonymous cart goes.

    Quantities add up, capped by what is available; a line that cannot be bought any more is
    kept so the cart can say so.
    """
    if source.pk == target.pk:
        return
    existing = {line.listing_id: line for line in target.lines.select_for_update()}
    for line in source.lines.select_related("listing"):
        listing = line.listing
        into = existing.get(line.listing_id)
        wanted = line.quantity + (into.quantity if into else 0)
        cap = min(MAX_LINE_QUANTITY, listing.available)
        quantity = min(wanted, cap) if cap >= 1 else wanted
        if into is None:
            CartLine.objects.create(cart=target, listing=listing, quantity=quantity,
                                    price_when_added=line.price_when_added)
        else:
            into.quantity = quantity
            into.save(update_fields=["quantity"])
    source.delete()


# --- Orders and allocation --------------------------------------------------------------------
class CheckoutError(Exception):
    """Checkout cannot go on; the message says why, for the shopper."""

    def __init__(self, message: str, *, line_id: int | None = None):
        super().__init__(message)
        self.message = message
        self.line_id = line_id


@dataclass(frozen=True)
class ShippingAddress:
    full_name: str
    line1: str
    postal_code: str
    city: str
    country: str
    line2: str = ""
    phone: str = ""


def _order_number() -> str:
    return "R" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(9))


def _line_refused(line: CartLine, listing: Listing, available: int) -> CheckoutError:
    if available <= 0:
        message = _("%(product)s (%(grade)s) from %(seller)s is no longer available. "
                    "Remove it from your cart to continue.")
    else:
        message = _("Only %(available)d left of %(product)s (%(grade)s) from %(seller)s; "
                    "you asked for %(quantity)d. Change the quantity to continue.")
    return CheckoutError(message % {"product": listing.product, "grade": listing.get_grade_display(),
                                    "seller": listing.seller.name, "available": max(available, 0),
                                    "quantity": line.quantity}, line_id=line.pk)


class PricesChanged(CheckoutError):
    """A line costs more than when the shopper reviewed it, or the cart changed since: review again."""

    def __init__(self, message: str, *, changes: list[dict]):
        super().__init__(message)
        self.changes = changes


def cart_price_snapshot(*, cart: Cart) -> dict[str, str]:
    """What the shopper sees on the review page: each listing's unit price, to check at placing."""
    return {str(listing_id): str(price) for listing_id, price
            in cart.lines.values_list("listing_id", "listing__price")}


def _prices_rose(*, lines: list[CartLine], reviewed: dict[str, str]) -> list[dict]:
    """The lines whose price went up since review (a fall is honoured), and lines not reviewed."""
    changes = []
    for line in lines:
        seen = reviewed.get(str(line.listing_id))
        if seen is None or line.listing.price > Decimal(seen):
            changes.append({"product": str(line.listing.product), "seller": line.listing.seller.name,
                            "was": Decimal(seen) if seen is not None else None, "now": line.listing.price})
    return changes


def _same_order(order: Order, *, lines: list[CartLine], email: str, address, shipping_method: str) -> bool:
    """Is this live order exactly what the cart would place now (a repeated POST, a second tab)?"""
    placed = sorted(OrderLine.objects.filter(seller_order__order=order)
                    .values_list("listing_id", "quantity"))
    wanted = sorted((line.listing_id, line.quantity) for line in lines)
    return (placed == wanted and order.email == email and order.shipping_method == shipping_method
            and (order.ship_full_name, order.ship_line1, order.ship_line2 or "", order.ship_postal_code,
                 order.ship_city, order.ship_country, order.ship_phone or "")
            == (address.full_name, address.line1, address.line2 or "", address.postal_code, address.city,
                address.country, address.phone or ""))


def order_place(*, cart: Cart, email: str, address, user=None,
                shipping_method: str = Order.ShippingMethod.STANDARD,
                reviewed_prices: dict[str, str] | None = None) -> Order:
    """Places an order for the whole cart, allocating every line's stock at once.

    One cart has at most one live unpaid order: the cart row is locked first, so a double click,
    a second tab or a retried POST waits for the first and then gets the same order back; a cart
    that changed meanwhile replaces the earlier order (its stock goes back first). The database
    holds the rule too (a partial unique constraint). With `reviewed_prices` (what the review page
    showed), a line that costs more now raises PricesChanged; a price that fell is honoured.

    Each line is a guarded single UPDATE, taken in listing primary-key order so concurrent
    checkouts over the same listings queue instead of deadlocking. If any line cannot be
    allocated the transaction rolls back — nothing stays allocated — and CheckoutError names
    the line. Prices and totals come from the listings, never from the request.
    """
    if shipping_method not in Order.ShippingMethod.values:
        raise CheckoutError(_("Choose a shipping method."))
    with transaction.atomic():
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        lines = list(cart.lines.select_related("listing__seller", "listing__product__model")
                     .order_by("listing_id"))
        if not lines:
            raise CheckoutError(_("Your cart is empty."))
        if reviewed_prices is not None:
            changes = _prices_rose(lines=lines, reviewed=reviewed_prices)
            if changes:
                raise PricesChanged(_("Some prices changed since you reviewed your order. "
                                      "Check the new total before you place it."), changes=changes)
        live = Order.objects.filter(cart=cart, status=Order.Status.AWAITING_PAYMENT).first()
        if live is not None:
            if _same_order(live, lines=lines, email=email, address=address, shipping_method=shipping_method):
                return live
            # The cart changed since: the earlier order gives its stock back before this one takes it.
            _release(order=live, status=Order.Status.CANCELLED,
                     reason="replaced by a newer order from the same cart")
        for line in lines:
            listing = line.listing
            if listing.seller.status != Seller.Status.APPROVED:
                raise _line_refused(line, listing, 0)
            if not stock_allocate(listing_id=listing.pk, quantity=line.quantity):
                now = Listing.objects.filter(pk=listing.pk).values("quantity", "allocated",
                                                                    "is_active", "archived_at").get()
                buyable = now["is_active"] and now["archived_at"] is None
                raise _line_refused(line, listing, now["quantity"] - now["allocated"] if buyable else 0)
        # Re-read under the row locks the updates hold: the snapshot is what was allocated.
        listings = Listing.objects.select_related("seller", "product__model").in_bulk(
            [line.listing_id for line in lines])
        products_changed_on_commit({listing.product_id for listing in listings.values()})

        by_seller: dict[int, list[tuple[CartLine, Listing]]] = {}
        for line in lines:
            listing = listings[line.listing_id]
            by_seller.setdefault(listing.seller_id, []).append((line, listing))

        order = Order(
            number=_order_number(), user=user, email=email, cart=cart, shipping_method=shipping_method,
            ship_full_name=address.full_name, ship_line1=address.line1, ship_line2=address.line2 or "",
            ship_postal_code=address.postal_code, ship_city=address.city, ship_country=address.country,
            ship_phone=address.phone or "", currency=settings.MARKETPLACE_CURRENCY,
            subtotal=Decimal("0"), shipping_total=Decimal("0"), total=Decimal("0"),
            expires_at=timezone.now() + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES),
        )
        seller_orders = []
        for group in by_seller.values():
            seller = group[0][1].seller
            subtotal = sum((listing.price * line.quantity for line, listing in group), Decimal("0"))
            fee = shipping_fee_for(seller=seller, shipping_method=shipping_method)
            seller_orders.append(SellerOrder(
                seller=seller, subtotal=subtotal, shipping_fee=fee, total=subtotal + fee,
                commission_rate=seller.commission_rate,
                # The platform's commission is on the goods, not on the seller's shipping.
                commission_amount=(subtotal * seller.commission_rate).quantize(CENT, ROUND_HALF_UP),
            ))
        order.subtotal = sum((so.subtotal for so in seller_orders), Decimal("0"))
        order.shipping_total = sum((so.shipping_fee for so in seller_orders), Decimal("0"))
        order.total = order.subtotal + order.shipping_total
        order.save()
        for seller_order in seller_orders:
            seller_order.order = order
        SellerOrder.objects.bulk_create(seller_orders)
        order_lines = []
        for seller_order, group in zip(seller_orders, by_seller.values(), strict=True):
            for line, listing in group:
                order_lines.append(OrderLine(
                    seller_order=seller_order, listing=listing, product_name=str(listing.product),
                    grade=listing.grade, sku=listing.sku, unit_price=listing.price,
                    quantity=line.quantity, warranty_months=listing.warranty_months,
                ))
        OrderLine.objects.bulk_create(order_lines)
        stock_allocations_record(order=order, user=user)  # the ledger's movements of the allocation
    return order


def order_mark_paid(*, order: Order, payment: Payment) -> bool:
    """Confirms an order on a verified provider event: its seller orders go to `paid`, the stock
    stays allocated, the cart lines go and the e-mails leave after commit. Idempotent."""
    from . import tasks

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        already_succeeded = payment.status == Payment.Status.SUCCEEDED
        payment.status = Payment.Status.SUCCEEDED
        payment.failure_reason = ""
        if order.status != Order.Status.AWAITING_PAYMENT:
            if order.status != Order.Status.PAID or not already_succeeded:
                payment.save(update_fields=["status", "failure_reason", "updated_at"])
            if not already_succeeded and (order.status != Order.Status.PAID
                                          or order.payments.filter(status=Payment.Status.SUCCEEDED)
                                          .exclude(pk=payment.pk).exists()):
                # Money for an order released meanwhile, or a second payment: it is owed back,
                # recorded now and sent (and retried) after commit.
                refund_unneeded_payment(payment=payment)
            return False
        payment.save(update_fields=["status", "failure_reason", "updated_at"])
        now = timezone.now()
        reason = f"payment {payment.provider} {payment.provider_reference}"
        order_move(order=order, to_status=Order.Status.PAID, reason=reason, paid_at=now)
        seller_orders = list(order.seller_orders.select_for_update()
                             .filter(state=SellerOrder.State.AWAITING_PAYMENT).order_by("pk"))
        for seller_order in seller_orders:
            seller_order_move(seller_order=seller_order, to_state=SellerOrder.State.PAID, reason=reason,
                              now=now)
        if order.cart_id:
            listing_ids = OrderLine.objects.filter(seller_order__order=order).values("listing_id")
            CartLine.objects.filter(cart_id=order.cart_id, listing_id__in=listing_ids).delete()
        order_id = order.pk
        seller_order_ids = [so.pk for so in seller_orders]

        def send_emails():
            tasks.send_order_confirmation.delay(order_id)
            for seller_order_id in seller_order_ids:
                tasks.send_seller_order_notice.delay(seller_order_id)

        transaction.on_commit(send_emails)
    return True


def _release(*, order: Order, status: str, reason: str, actor=None) -> bool:
    from . import tasks

    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.AWAITING_PAYMENT:
        return False
    lines = (OrderLine.objects.filter(seller_order__order=order).order_by("listing_id")
             .values_list("listing_id", "quantity"))
    stock_release(lines=lines, cause=StockCause(
        StockReason.PAYMENT_FAILED if status == Order.Status.EXPIRED else StockReason.CANCELLED,
        order_id=order.pk))
    listings_changed_on_commit([listing_id for listing_id, _quantity in lines])
    now = timezone.now()
    seller_orders = list(order.seller_orders.select_for_update()
                         .filter(state=SellerOrder.State.AWAITING_PAYMENT).order_by("pk"))
    for seller_order in seller_orders:
        seller_order_move(seller_order=seller_order, to_state=SellerOrder.State.CANCELLED, reason=reason,
                          now=now, cancel_cause=SellerOrder.CancelCause.UNPAID, actor=actor)
    order_move(order=order, to_status=status, reason=reason, actor=actor)
    open_payments = list(order.payments.filter(status__in=[Payment.Status.PENDING, Payment.Status.FAILED])
                         .values_list("pk", flat=True))
    order.payments.filter(pk__in=open_payments).update(status=Payment.Status.CANCELLED)

    def stop_checkouts():
        # Each is asked again with back-off while the provider is down: a release never waits on it.
        for payment_id in open_payments:
            tasks.cancel_checkout.delay(payment_id)

    transaction.on_commit(stop_checkouts)
    return True


def order_release(*, order: Order, reason: str, status: str = Order.Status.EXPIRED, actor=None) -> bool:
    """Gives an unpaid order's stock back and cancels its seller orders (`actor`: the staff member
    who cancelled it). Idempotent: a paid or already released order is left alone (returns False)."""
    with transaction.atomic():
        return _release(order=order, status=status, reason=reason, actor=actor)


def orders_release_expired(*, now=None) -> int:
    """Releases every unpaid order past its payment deadline; returns how many were released."""
    now = now or timezone.now()
    released = 0
    for order in Order.objects.filter(status=Order.Status.AWAITING_PAYMENT, expires_at__lt=now
                                      ).only("pk").order_by("pk"):
        released += order_release(order=order, reason="payment not received in time")
    return released


# --- Payments ---------------------------------------------------------------------------------
class PaymentError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _hold_for_checkout(*, order: Order, provider) -> None:
    """The stock hold and the provider's checkout end together: a checkout that cannot close
    sooner than the provider's minimum (Stripe: 30 minutes) lengthens the hold to match."""
    earliest = timezone.now() + provider.min_checkout_lifetime
    if order.expires_at is None or order.expires_at < earliest:
        order.expires_at = earliest
        order.save(update_fields=["expires_at", "updated_at"])


def payment_start(*, order: Order, success_url: str, cancel_url: str) -> Payment:
    """The payment to send the shopper to: the pending one with the current provider, or a new one.

    The provider is called outside any transaction: no lock is held across the network.
    """
    provider = get_provider()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != Order.Status.AWAITING_PAYMENT:
            raise PaymentError(_("This order can no longer be paid."))
        # A pending payment is reused even before its checkout exists (a second tab asking while
        # the first waits on the provider): the provider's idempotency makes it the same checkout.
        pending = (order.payments.filter(status=Payment.Status.PENDING, provider=provider.name)
                   .order_by("pk").first())
        if pending is not None and pending.redirect_url:
            return pending
        if pending is None:
            _hold_for_checkout(order=order, provider=provider)
        payment = pending or Payment.objects.create(order=order, provider=provider.name,
                                                    amount=order.total, currency=order.currency)
        payment.order = order
    try:
        checkout = provider.checkout_create(payment=payment, success_url=success_url,
                                            cancel_url=cancel_url)
    except Exception as exc:
        logger.exception("payment provider refused to create payment %s", payment.pk)
        payment.status = Payment.Status.FAILED
        payment.failure_reason = str(exc)[:255]
        payment.save(update_fields=["status", "failure_reason", "updated_at"])
        raise PaymentError(_("The payment service is not answering. Please try again in a moment.")
                           ) from exc
    payment.provider_reference = checkout.reference
    payment.redirect_url = checkout.redirect_url
    payment.save(update_fields=["provider_reference", "redirect_url", "updated_at"])
    return payment


def payment_event_process(*, provider_name: str, payload: bytes, signature: str) -> str:
    """Handles one provider event — a Stripe webhook or the test provider's — exactly once.

    Raises InvalidEvent when the signature does not verify. The payment's state is read from the
    provider (outside any transaction), then the event id is stored and the state applied in one
    transaction: a duplicate delivery finds the id already stored and does nothing. Only this
    path ever marks an order paid.
    """
    provider = get_provider(provider_name)
    event = provider.event_verify(payload=payload, signature=signature)
    if event is None:
        return "ignored"
    payment = (Payment.objects.select_related("order").filter(pk=event.payment_id, provider=provider_name)
               .exclude(provider_reference="").first())
    if payment is None:
        return "unknown payment"
    if ProviderEvent.objects.filter(provider=provider_name, event_id=event.event_id).exists():
        return "duplicate"
    status = provider.payment_status(payment=payment, event=event)
    with transaction.atomic():
        try:
            with transaction.atomic():
                ProviderEvent.objects.create(provider=provider_name, event_id=event.event_id,
                                             event_type=event.event_type, payload=event.payload)
        except IntegrityError:
            return "duplicate"
        if status.state == PaymentState.SUCCEEDED:
            order_mark_paid(order=payment.order, payment=payment)
            return "paid"
        if status.state == PaymentState.FAILED:
            Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
                status=Payment.Status.FAILED, failure_reason=status.failure_reason[:255],
                updated_at=timezone.now())
            return "failed"
        if status.state == PaymentState.EXPIRED:
            Payment.objects.filter(pk=payment.pk, status__in=[Payment.Status.PENDING, Payment.Status.FAILED]
                                   ).update(status=Payment.Status.CANCELLED, updated_at=timezone.now())
            if not payment.order.payments.filter(status=Payment.Status.PENDING).exists():
                order_release(order=payment.order, reason="payment session expired")
            return "expired"
    return "pending"


def payment_refund(*, payment: Payment, amount: Decimal, idempotency_key: str) -> RefundResult:
    """Refunds part or all of a succeeded payment through its provider (never twice per key)."""
    if payment.status != Payment.Status.SUCCEEDED:
        raise PaymentError(_("Only a succeeded payment can be refunded."))
    if amount <= 0 or amount > payment.amount:
        raise PaymentError(_("A refund must be more than zero and at most the amount paid."))
    return get_provider(payment.provider).refund(payment=payment, amount=amount,
                                                 idempotency_key=idempotency_key)


