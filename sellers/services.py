"""Writes about sellers and their listings. Validation lives here, so pages, CSV and API agree."""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Grade, Product

from .models import MIN_WARRANTY_MONTHS, Listing, Seller

MAX_PRICE = Decimal("100000.00")
MAX_QUANTITY = 100_000


def validate_price(value) -> Decimal:
    try:
        price = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({"price": _("Enter a price such as 249.90.")}) from exc
    if not price.is_finite() or price <= 0:
        raise ValidationError({"price": _("The price must be more than zero.")})
    if price > MAX_PRICE:
        raise ValidationError({"price": _("The price must be at most %(max)s.") % {"max": MAX_PRICE}})
    return price


def validate_quantity(value) -> int:
    try:
        quantity = int(str(value).strip())
    except (ValueError, TypeError) as exc:
        raise ValidationError({"quantity": _("Enter a whole number of units.")}) from exc
    if quantity < 0:
        raise ValidationError({"quantity": _("The quantity cannot be negative.")})
    if quantity > MAX_QUANTITY:
        raise ValidationError({"quantity": _("The quantity must be at most %(max)s.")
                               % {"max": MAX_QUANTITY}})
    return quantity


def validate_warranty(value) -> int:
    try:
        months = int(str(value).strip())
    except (ValueError, TypeError) as exc:
        raise ValidationError({"warranty_months": _("Enter a number of months.")}) from exc
    if months < MIN_WARRANTY_MONTHS:
        raise ValidationError({"warranty_months": _("The warranty must be at least %(min)s months.")
                               % {"min": MIN_WARRANTY_MONTHS}})
    if months > 120:
        raise ValidationError({"warranty_months": _("The warranty must be at most 120 months.")})
    return months


def validate_grade(value) -> str:
    grade = str(value).strip().lower()
    if grade not in Grade.values:
        raise ValidationError({"grade": _("Choose one of: %(grades)s.")
                               % {"grades": ", ".join(Grade.values)}})
    return grade


def validate_sku(value) -> str:
    sku = str(value or "").strip()
    if not sku:
        raise ValidationError({"sku": _("Enter your SKU for this offer.")})
    if len(sku) > 64:
        raise ValidationError({"sku": _("The SKU must be at most 64 characters.")})
    return sku


def _ensure_can_publish(seller: Seller) -> None:
    if seller.status != Seller.Status.APPROVED:
        raise ValidationError(_("Only approved sellers can publish listings."))


@transaction.atomic
def listing_create(*, seller: Seller, product: Product, grade: str, sku: str, price,
                   quantity, warranty_months=MIN_WARRANTY_MONTHS, is_active: bool = True) -> Listing:
    """Creates a seller's offer; every rule is checked, and a duplicate SKU is a clear error."""
    _ensure_can_publish(seller)
    if not product.is_active:
        raise ValidationError({"product": _("This product is not sold on the marketplace.")})
    listing = Listing(
        seller=seller, product=product, grade=validate_grade(grade), sku=validate_sku(sku),
        price=validate_price(price), quantity=validate_quantity(quantity),
        warranty_months=validate_warranty(warranty_months), is_active=is_active,
    )
    if Listing.objects.filter(seller=seller, sku=listing.sku).exists():
        raise ValidationError({"sku": _("You already have a listing with the SKU %(sku)s.")
                               % {"sku": listing.sku}})
    try:
        with transaction.atomic():
            listing.save()
    except IntegrityError as exc:  # a concurrent create with the same SKU
        raise ValidationError({"sku": _("You already have a listing with the SKU %(sku)s.")
                               % {"sku": listing.sku}}) from exc
    return listing


@dataclass(frozen=True)
class ListingChange:
    """What changed: the API and CSV report 'unchanged' when nothing did."""

    listing: Listing
    changed_fields: tuple[str, ...]


@transaction.atomic
def listing_update(*, listing: Listing, price=None, quantity=None, warranty_months=None,
                   is_active: bool | None = None) -> ListingChange:
    """Changes price, quantity, warranty or the active flag of one listing.

    The row is locked while it changes, and quantity can never drop below the units already
    allocated to orders (those are promised to shoppers).
    """
    locked = Listing.objects.select_for_update().get(pk=listing.pk)
    changes = {}
    if price is not None:
        changes["price"] = validate_price(price)
    if quantity is not None:
        new_quantity = validate_quantity(quantity)
        if new_quantity < locked.allocated:
            raise ValidationError({"quantity": _(
                "%(allocated)s units are already sold and waiting to ship; the quantity cannot "
                "be lower.") % {"allocated": locked.allocated}})
        changes["quantity"] = new_quantity
    if warranty_months is not None:
        changes["warranty_months"] = validate_warranty(warranty_months)
    if is_active is not None:
        if is_active and locked.seller.status != Seller.Status.APPROVED:
            raise ValidationError(_("Only approved sellers can publish listings."))
        changes["is_active"] = bool(is_active)
    changed = tuple(name for name, value in changes.items() if getattr(locked, name) != value)
    for name in changed:
        setattr(locked, name, changes[name])
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    for name in ("price", "quantity", "allocated", "warranty_months", "is_active", "updated_at"):
        setattr(listing, name, getattr(locked, name))
    return ListingChange(listing=listing, changed_fields=changed)


@transaction.atomic
def listing_archive(*, listing: Listing) -> Listing:
    """Takes the listing off the marketplace for good; it stays in the seller's records."""
    listing.is_active = False
    listing.archived_at = timezone.now()
    listing.save(update_fields=["is_active", "archived_at", "updated_at"])
    return listing


def low_stock_alerts_send() -> int:
    """Daily e-mail to opted-in sellers listing their low-stock offers; returns e-mails sent.

    Implemented by the seller back office (issue 4).
    """
    raise NotImplementedError
