"""Writes about sellers and their listings. Validation lives here, so pages, CSV and API agree."""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from catalog.cache import products_changed_on_commit, seller_products_changed_on_commit
from catalog.models import Grade, Product
from marketplace.controls import has_control_characters

from .ledger import STOCK_FIELDS, Reason, StockCause, stock_listing_insert, stock_set
from .models import MIN_WARRANTY_MONTHS, Listing, Seller, SellerMember, low_stock_q
from .permissions import Perm, member_require, member_user_require
from .price_guard import price_guard_check

MAX_PRICE = Decimal("100000.00")
MAX_QUANTITY = 100_000
MAX_WARRANTY_MONTHS = 120


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
    if months > MAX_WARRANTY_MONTHS:
        raise ValidationError({"warranty_months": _("The warranty must be at most %(max)s months.")
                               % {"max": MAX_WARRANTY_MONTHS}})
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
    if has_control_characters(sku):
        raise ValidationError({"sku": _("The SKU cannot hold line breaks or other control characters.")})
    return sku


def skus_valid(values: list[str]) -> bool:
    """Whether validate_sku accepts every one of these values as it is (the bulk paths check a whole
    column at once, then only the values of a column that fails one by one, for their reasons)."""
    return (all(values) and max(map(len, values), default=0) <= 64
            and values == list(map(str.strip, values)) and not has_control_characters("".join(values)))


# --- The device itself: battery, what is in the box, and for phones unlocked and eSIM --------------
# Every door (back office, API, bulk API, CSV import, admin) reads these fields through
# device_details_clean (one listing) or device_rows_refused (bulk rows): the rules live here.
DEVICE_FIELDS = ("battery_health", "battery_new", "includes_charger", "includes_cable", "includes_box",
                 "is_unlocked", "has_esim")
PHONE_FIELDS = ("is_unlocked", "has_esim")
PHONE_CATEGORY_SLUG = "smartphones"  # this category and its subcategories hold the phones


def validate_battery_health(value) -> int:
    try:
        health = int(str(value).strip().rstrip("%").strip())
    except (ValueError, TypeError) as exc:
        raise ValidationError({"battery_health": _("Enter the battery health as a whole percentage, "
                                                   "0 to 100.")}) from exc
    if not 0 <= health <= 100:
        raise ValidationError({"battery_health": _("The battery health must be between 0 and 100 %.")})
    return health


def battery_clean(*, health=None, new: bool | None = None) -> dict:
    """The battery fields to write for what was given (None: not given). A new battery reads 100 %;
    a measured health below 100 % is not a new battery. The pair written always agrees."""
    values: dict = {}
    if health is not None:
        values["battery_health"] = validate_battery_health(health)
    if new:
        if values.get("battery_health", 100) != 100:
            raise ValidationError({"battery_health": _("A new battery has a health of 100 %; leave the "
                                                       "health empty or untick “new battery”.")})
        values.update(battery_health=100, battery_new=True)
    elif new is False or "battery_health" in values:
        values["battery_new"] = False
    return values


def phone_product_ids(product_ids) -> set[int]:
    """The products among these that are phones (one query)."""
    return set(Product.objects.filter(pk__in=set(product_ids)).filter(
        Q(model__category__slug=PHONE_CATEGORY_SLUG) | Q(model__category__parent__slug=PHONE_CATEGORY_SLUG))
        .values_list("pk", flat=True))


def _phone_only_error() -> str:
    return _("Only a phone is unlocked or has an eSIM; leave it empty for this device.")


def device_details_clean(*, product: Product, **given) -> dict:
    """The device fields to write on a listing of `product` (given None: unchanged), checked.
    Unlocked and eSIM mean something for phones only: another device refuses "yes" and stores
    "not said" for "no"."""
    unknown = set(given) - set(DEVICE_FIELDS)
    assert not unknown, unknown
    errors: dict[str, list[str]] = {}
    try:
        values = battery_clean(health=given.get("battery_health"), new=given.get("battery_new"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        values = {}
    for name in ("includes_charger", "includes_cable", "includes_box"):
        if given.get(name) is not None:
            values[name] = bool(given[name])
    phone_values = {name: bool(given[name]) for name in PHONE_FIELDS if given.get(name) is not None}
    if phone_values:
        if product.pk in phone_product_ids([product.pk]):
            values.update(phone_values)
        else:
            for name, value in phone_values.items():
                if value:
                    errors[name] = [_phone_only_error()]
                else:
                    values[name] = None
    if errors:
        raise ValidationError(errors)
    return values


def device_rows_refused(*, seller_id: int, rows) -> dict[int, dict[str, list[str]]]:
    """The bulk rows (sellers.ledger.RowInput) saying "unlocked" or "eSIM" of a device that is not
    a phone, by row key with their errors; "no" of such a device becomes "not said". One query,
    and none when no row gives these fields."""
    given = [row for row in rows if row.is_unlocked is not None or row.has_esim is not None]
    if not given:
        return {}
    # Only the rows naming no product (an existing SKU) need their listing's product.
    unnamed = [row.sku for row in given if row.product_id is None]
    product_of = dict(Listing.objects.filter(seller_id=seller_id, sku__in=unnamed)
                      .values_list("sku", "product_id")) if unnamed else {}
    phones = phone_product_ids([row.product_id or product_of.get(row.sku) for row in given])
    refused = {}
    for row in given:
        if (row.product_id or product_of.get(row.sku)) in phones:
            continue
        errors = {name: [_phone_only_error()] for name in PHONE_FIELDS if getattr(row, name)}
        if errors:
            refused[row.key] = errors
        else:
            row.is_unlocked = row.has_esim = None
    return refused


# --- The rules about an existing listing, for every door ---------------------------------------
# The back office, the API, the CSV import and the admin all call these: an archived listing stays
# archived; product and grade never change after creation; price, quantity and warranty keep their
# bounds; quantity never drops below the units allocated to orders.

def listing_rule_errors(*, sku: str, archived: bool, product_id: int, grade: str,
                        new_product_id: int | None = None, new_grade: str | None = None,
                        is_active: bool | None = None) -> dict[str, list[str]]:
    """What the listing's own state refuses in a change, by field (empty when allowed)."""
    errors: dict[str, list[str]] = {}
    if (new_product_id is not None and new_product_id != product_id) or (
            new_grade is not None and new_grade != grade):
        errors["sku"] = [_("The SKU %(sku)s is already used for another product or grade; product and grade "
                           "of a listing cannot change.") % {"sku": sku}]
    if archived and is_active:
        errors["is_active"] = [_("An archived listing cannot be activated.")]
    return errors


def listing_change_validate(*, listing: Listing, price=None, quantity=None, warranty_months=None,
                            is_active: bool | None = None, product_id: int | None = None,
                            grade: str | None = None) -> None:
    """Raises ValidationError naming every refused field of a change to `listing` (None: unchanged)."""
    errors = listing_rule_errors(sku=listing.sku, archived=listing.archived_at is not None,
                                 product_id=listing.product_id, grade=listing.grade,
                                 new_product_id=product_id, new_grade=grade, is_active=is_active)
    for value, check in ((price, validate_price), (quantity, validate_quantity),
                         (warranty_months, validate_warranty)):
        if value is None:
            continue
        try:
            checked = check(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if check is validate_quantity and checked < listing.allocated:
            errors["quantity"] = [_("%(allocated)s units are already sold and waiting to ship; the quantity "
                                    "cannot be lower.") % {"allocated": listing.allocated}]
    if errors:
        raise ValidationError(errors)


def _ensure_can_publish(seller: Seller) -> None:
    if seller.status != Seller.Status.APPROVED:
        raise ValidationError(_("Only approved sellers can publish listings."))


@transaction.atomic
def listing_create(*, seller: Seller, product: Product, grade: str, sku: str, price,
                   quantity, warranty_months=MIN_WARRANTY_MONTHS, is_active: bool = True,
                   cause: StockCause | None = None, confirm_low_price: bool = False, **device) -> Listing:
    """Creates a seller's offer; every rule is checked, and a duplicate SKU is a clear error.
    Its quantity is its first stock movement, of `cause` (the door and who; back office by default).
    `device`: the DEVICE_FIELDS given (battery, box contents, unlocked, eSIM). A price that looks
    mistaken (sellers.price_guard) is refused unless `confirm_low_price`."""
    _ensure_can_publish(seller)
    member_user_require(user_id=cause and cause.user_id, seller_id=seller.pk, permission=Perm.LISTINGS_WRITE)
    if not product.is_active:
        raise ValidationError({"product": _("This product is not sold on the marketplace.")})
    listing = Listing(
        seller=seller, product=product, grade=validate_grade(grade), sku=validate_sku(sku),
        price=validate_price(price), quantity=validate_quantity(quantity),
        warranty_months=validate_warranty(warranty_months), is_active=is_active,
        **device_details_clean(product=product, **device),
    )
    if Listing.objects.filter(seller=seller, sku=listing.sku).exists():
        raise ValidationError({"sku": _("You already have a listing with the SKU %(sku)s.")
                               % {"sku": listing.sku}})
    price_guard_check(product_id=product.pk, grade=listing.grade, price=listing.price,
                      confirmed=confirm_low_price)
    try:
        with transaction.atomic():
            stock_listing_insert(listing=listing, cause=cause or StockCause(Reason.BACK_OFFICE))
    except IntegrityError as exc:  # a concurrent create with the same SKU
        raise ValidationError({"sku": _("You already have a listing with the SKU %(sku)s.")
                               % {"sku": listing.sku}}) from exc
    products_changed_on_commit([listing.product_id])
    return listing


@dataclass(frozen=True)
class ListingChange:
    """What changed: the API and CSV report 'unchanged' when nothing did."""

    listing: Listing
    changed_fields: tuple[str, ...]


@transaction.atomic
def listing_update(*, listing: Listing, price=None, quantity=None, warranty_months=None,
                   is_active: bool | None = None, cause: StockCause | None = None,
                   confirm_low_price: bool = False, **device) -> ListingChange:
    """Changes price, quantity, warranty, the active flag or the device details (`device`: the
    DEVICE_FIELDS given) of one listing.

    The row is locked while it changes, and quantity can never drop below the units already
    allocated to orders (those are promised to shoppers). A new quantity goes through the stock
    ledger as a movement of `cause` (the door and who; back office by default). A new price that
    looks mistaken (sellers.price_guard) is refused unless `confirm_low_price`.
    """
    member_user_require(user_id=cause and cause.user_id, seller_id=listing.seller_id,
                        permission=Perm.LISTINGS_WRITE)
    locked = Listing.objects.select_for_update().get(pk=listing.pk)
    listing_change_validate(listing=locked, price=price, quantity=quantity,
                            warranty_months=warranty_months, is_active=is_active)
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
    if any(value is not None for value in device.values()):
        changes.update(device_details_clean(product=locked.product, **device))
    changed = tuple(name for name, value in changes.items() if getattr(locked, name) != value)
    if "price" in changed:
        price_guard_check(product_id=locked.product_id, grade=locked.grade, price=changes["price"],
                          confirmed=confirm_low_price)
    if "quantity" in changed:
        locked.updated_at = timezone.now()
        stock_set(listing_id=locked.pk, quantity=changes["quantity"], now=locked.updated_at,
                  cause=cause or StockCause(Reason.BACK_OFFICE))
    for name in changed:
        setattr(locked, name, changes[name])
    others = [name for name in changed if name not in STOCK_FIELDS]  # stock went through the ledger
    if others:
        locked.save(update_fields=[*others, "updated_at"])
    if changed:
        products_changed_on_commit([locked.product_id])
    for name in ("price", "quantity", "allocated", "warranty_months", "is_active", "updated_at",
                 *DEVICE_FIELDS):
        setattr(listing, name, getattr(locked, name))
    return ListingChange(listing=listing, changed_fields=changed)


@transaction.atomic
def listing_archive(*, listing: Listing) -> Listing:
    """Takes the listing off the marketplace for good; it stays in the seller's records."""
    listing.is_active = False
    listing.archived_at = listing.archived_at or timezone.now()
    listing.save(update_fields=["is_active", "archived_at", "updated_at"])
    products_changed_on_commit([listing.product_id])
    return listing


def listing_match_price_to_win(*, listing: Listing, expected_price) -> ListingChange:
    """Sets the listing's price to its price to win, as the seller saw it when confirming.

    The buy box may move between the confirmation and the click: if the price to win is no longer
    the one the seller confirmed, nothing changes and the seller is told the new figure.
    """
    from .selectors import buy_box_positions

    position = buy_box_positions([listing])[listing.pk]
    if position.is_winning:
        raise ValidationError(_("This listing already wins the buy box."))
    if position.price_to_win is None:
        raise ValidationError(_("There is no price at which this listing would win the buy box."))
    try:
        expected = Decimal(str(expected_price)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        expected = None
    if expected != position.price_to_win:
        raise ValidationError(_("The buy box has changed: the price to win is now %(price)s.")
                              % {"price": _money(position.price_to_win)})
    return listing_update(listing=listing, price=position.price_to_win)


def _money(amount: Decimal) -> str:
    from marketplace.templatetags.money import format_money

    return format_money(amount)


# --- Onboarding --------------------------------------------------------------------------------

def _unique_slug(name: str) -> str:
    base = slugify(name)[:150] or "seller"
    slug, n = base, 1
    while Seller.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def seller_apply(*, user, name: str, vat_number: str, contact_name: str, contact_email: str,
                 phone: str = "", business_address: str, return_address: str,
                 accepted_terms: bool) -> Seller:
    """A user applies to sell: the seller starts `pending` with the user as its owner."""
    if not accepted_terms:
        raise ValidationError({"accepted_terms": _("You must accept the seller terms to apply.")})
    if SellerMember.objects.filter(user=user).exists():
        raise ValidationError(_("You already belong to a seller."))
    seller = Seller.objects.create(
        name=name.strip(), slug=_unique_slug(name), status=Seller.Status.PENDING,
        vat_number=vat_number.strip().upper().replace(" ", ""), contact_name=contact_name.strip(),
        contact_email=contact_email.strip(), phone=phone.strip(),
        business_address=business_address.strip(), return_address=return_address.strip(),
        accepted_terms_at=timezone.now(),
    )
    SellerMember.objects.create(seller=seller, user=user, role=SellerMember.Role.OWNER)
    return seller


def _decision_email_on_commit(seller: Seller) -> None:
    from .tasks import send_seller_status_email

    # The decision's own time tells it from a later one to the same status: a task run twice mails once.
    change = seller.updated_at.isoformat()
    transaction.on_commit(lambda: send_seller_status_email.delay(seller.pk, seller.status, change))
    # Every status change moves the seller's offers in or out of the buy boxes.
    seller_products_changed_on_commit(seller.pk)


@transaction.atomic
def seller_approve(*, seller: Seller) -> Seller:
    """Staff approve a pending (or reinstate a suspended) seller; the seller gets an e-mail."""
    if seller.status == Seller.Status.APPROVED:
        return seller
    seller.status = Seller.Status.APPROVED
    seller.status_reason = ""
    seller.approved_at = seller.approved_at or timezone.now()
    seller.save(update_fields=["status", "status_reason", "approved_at", "updated_at"])
    _decision_email_on_commit(seller)
    return seller


def _seller_status_set(*, seller: Seller, status: str, reason: str) -> Seller:
    seller.status = status
    seller.status_reason = reason
    seller.save(update_fields=["status", "status_reason", "updated_at"])
    _decision_email_on_commit(seller)
    return seller


@transaction.atomic
def seller_reject(*, seller: Seller, reason: str = "") -> Seller:
    """Staff turn down a pending application; the applicant gets an e-mail with the reason."""
    if seller.status != Seller.Status.PENDING:
        raise ValidationError(_("Only pending applications can be rejected."))
    return _seller_status_set(seller=seller, status=Seller.Status.REJECTED,
                              reason=reason or seller.status_reason)


@transaction.atomic
def seller_suspend(*, seller: Seller, reason: str = "") -> Seller:
    """Staff suspend an approved seller: its listings leave the marketplace at once."""
    if seller.status != Seller.Status.APPROVED:
        raise ValidationError(_("Only approved sellers can be suspended."))
    return _seller_status_set(seller=seller, status=Seller.Status.SUSPENDED,
                              reason=reason or seller.status_reason)


@transaction.atomic
def seller_reinstate(*, seller: Seller, reason: str = "") -> Seller:
    """Staff lift a suspension: the seller's listings are back in the buy box at once."""
    if seller.status != Seller.Status.SUSPENDED:
        raise ValidationError(_("Only suspended sellers can be reinstated."))
    return _seller_status_set(seller=seller, status=Seller.Status.APPROVED, reason=reason)


@transaction.atomic
def seller_settings_update(*, seller: Seller, actor: SellerMember, low_stock_alerts: bool) -> Seller:
    """An owner changes the seller's settings."""
    member_require(actor, Perm.SETTINGS_WRITE, seller_id=seller.pk)
    seller.low_stock_alerts = bool(low_stock_alerts)
    seller.save(update_fields=["low_stock_alerts", "updated_at"])
    return seller


# --- Low stock ---------------------------------------------------------------------------------

def low_stock_listings(seller: Seller):
    """Active offers whose available units are at or under the low-stock threshold."""
    return (Listing.objects.filter(low_stock_q(), seller=seller)
            .annotate(available_units=F("quantity") - F("allocated"))
            .select_related("product__model").order_by("available_units", "sku"))


def low_stock_alerts_send() -> int:
    """Daily e-mail to opted-in sellers listing their low-stock offers; returns e-mails sent.

    Each seller is claimed for the day with one guarded UPDATE, so running the task twice (or
    on two workers) sends one e-mail per seller per day.
    """
    from .emails import send_low_stock_email
    from .webhooks import event_record

    today = timezone.localdate()
    sent = 0
    # Opted in to the e-mail, or subscribed to the `listing.low_stock` webhook event.
    subscribed = Q(webhook_endpoints__is_active=True,
                   webhook_endpoints__event_types__contains=["listing.low_stock"])
    sellers = (Seller.objects.filter(Q(low_stock_alerts=True) | subscribed, status=Seller.Status.APPROVED)
               .distinct())
    for seller in sellers.iterator():
        listings = list(low_stock_listings(seller)[:200])
        if not listings:
            continue
        with transaction.atomic():
            claimed = (Seller.objects.filter(pk=seller.pk)
                       .exclude(low_stock_alert_sent_on=today)
                       .update(low_stock_alert_sent_on=today))
            if claimed:  # the day's event, in the transaction of the day's claim
                event_record(seller_id=seller.pk, type="listing.low_stock", payload={
                    "threshold": settings.LOW_STOCK_THRESHOLD,
                    "listings": [{"id": listing.pk, "sku": listing.sku, "available": listing.available_units}
                                 for listing in listings]})
        if claimed and seller.low_stock_alerts:
            sent += send_low_stock_email(seller=seller, listings=listings)
    return sent
