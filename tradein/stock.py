"""Into stock: a device the seller bought becomes one unit of a listing in one step, through the
stock ledger (sellers.ledger, the only writer of stock) with the reason "trade-in received"; the
trade-in names that movement, once."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.cache import products_changed_on_commit
from sellers.ledger import Reason, stock_cause, stock_restock
from sellers.models import Listing
from sellers.permissions import Perm, member_user_require
from sellers.services import listing_create, listing_update, validate_grade, validate_price

from .models import TradeIn

STOCKABLE = (TradeIn.State.BOUGHT, TradeIn.State.PAID)


def trade_in_to_stock(*, trade_in: TradeIn, actor, grade: str, price) -> Listing:
    """Adds the device to the seller's listing of its product at `grade` (created if the seller
    has none, under the SKU of the trade-in number) at `price`: quantity + 1, one movement."""
    grade, price = validate_grade(grade), validate_price(price)
    member_user_require(user_id=getattr(actor, "pk", None), seller_id=trade_in.seller_id,
                        permission=Perm.LISTINGS_WRITE)
    cause = stock_cause(Reason.TRADE_IN, user=actor)
    with transaction.atomic():
        trade_in = TradeIn.objects.select_for_update(of=("self",)).select_related("seller", "product").get(
            pk=trade_in.pk)
        if trade_in.state not in STOCKABLE:
            raise ValidationError(_("Only a device the seller has bought can go into stock."))
        if trade_in.stocked_at is not None:
            raise ValidationError(_("This device is already in stock (listing %(sku)s).")
                                  % {"sku": trade_in.listing.sku})
        listing = (Listing.objects.filter(seller=trade_in.seller, product=trade_in.product, grade=grade,
                                          archived_at__isnull=True).order_by("pk").first())
        if listing is None:
            listing = listing_create(seller=trade_in.seller, product=trade_in.product, grade=grade,
                                     sku=trade_in.number, price=price, quantity=0, cause=cause)
        elif listing.price != price:
            listing_update(listing=listing, price=price, cause=cause)
        movement = stock_restock(listing_id=listing.pk, quantity=1, cause=cause)
        trade_in.listing, trade_in.stock_movement, trade_in.stocked_at = listing, movement, timezone.now()
        trade_in.save(update_fields=["listing", "stock_movement", "stocked_at", "updated_at"])
        products_changed_on_commit([listing.product_id])
    listing.refresh_from_db()
    return listing
