"""The seller API's bulk call: up to 10,000 items, each updating or creating one listing by SKU.

Each item is checked alone: a bad item (`"price": "abc"`, a missing SKU, an unknown field) fails
with its index, field and reason while the good ones apply, through the ledger's bulk writer
(sellers.ledger.listings_apply_bulk) and its per-row results. Only a body that is not a list of
objects, or holds more than 10,000 of them, refuses the whole call (422).
"""
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, WithJsonSchema
from pydantic import ValidationError as PydanticValidationError

from catalog.models import Grade, Product

from .api_repricing import Strategy, rule_given
from .api_types import Amount, Flag, Text, WholeNumber
from .ledger import RowInput, StockCause, listings_apply_bulk
from .services import DEVICE_FIELDS, battery_clean, validate_price, validate_quantity, validate_warranty

BULK_MAX_ITEMS = 10_000
BULK_BATCH_SIZE = 2_000
GradeName = Literal["premium", "excellent", "good", "fair"]
assert set(GradeName.__args__) == set(Grade.values)


class BulkItemIn(Schema):
    """One item, validated on its own (its failure is the item's, not the call's)."""

    model_config = ConfigDict(extra="forbid")

    sku: Text(64)
    quantity: WholeNumber | None = None
    price: Amount | None = None
    product_reference: Text(40) | None = None
    grade: GradeName | None = None
    warranty_months: WholeNumber | None = None
    is_active: Flag | None = None
    battery_health: WholeNumber | None = None
    battery_new: Flag | None = None
    includes_charger: Flag | None = None
    includes_cable: Flag | None = None
    includes_box: Flag | None = None
    is_unlocked: Flag | None = None
    has_esim: Flag | None = None
    # Repricing (sellers.api_repricing): a null clears a rule field.
    floor_price: Amount | None = None
    ceiling_price: Amount | None = None
    repricing: Strategy | None = None
    beat_by: Amount | None = None
    raise_when_winning: Flag | None = None
    confirm_low_price: Flag | None = None


# Published loosely on purpose: any object is taken and each field is checked with the item.
_ITEM_SCHEMA = {
    "type": "object",
    "description": "Each field is checked with its item; a bad one fails that item only.",
    "properties": {
        "sku": {"description": "Your SKU (text, at most 64 characters). Required."},
        "quantity": {"description": "Units on hand: a JSON integer, 0 or more."},
        "price": {"description": "A JSON number or decimal string, 0.01 to 100000."},
        "product_reference": {"description": "To create the listing when the SKU is new: the catalog "
                                              "product's reference; then grade, price and quantity too."},
        "grade": {"description": "premium, excellent, good or fair (to create)."},
        "warranty_months": {"description": "12 to 120 months (to create or change)."},
        "is_active": {"description": "A JSON boolean."},
        "floor_price": {"description": "Repricing never goes below it (a rule needs one); null clears it."},
        "ceiling_price": {"description": "Repricing never goes above it; null clears it."},
        "repricing": {"description": "off, match or beat; null: your default."},
        "beat_by": {"description": "With beat: the amount under the price to win."},
        "raise_when_winning": {"description": "A JSON boolean; null: your default."},
        "confirm_low_price": {"description": "true publishes a price under the sane bound; else the item "
                                             "fails with the reason."},
        "battery_health": {"description": "Battery health in percent: a JSON integer, 0 to 100."},
        "battery_new": {"description": "A JSON boolean: a new battery (its health reads 100)."},
        "includes_charger": {"description": "A JSON boolean."},
        "includes_cable": {"description": "A JSON boolean."},
        "includes_box": {"description": "A JSON boolean: the original box."},
        "is_unlocked": {"description": "A JSON boolean; phones only."},
        "has_esim": {"description": "A JSON boolean; phones only."},
    },
    "examples": [{"sku": "GREEN-IP13-128-BLK-A", "quantity": 5}],
}
BulkItemRaw = Annotated[dict[str, Any], WithJsonSchema(_ITEM_SCHEMA)]


class BulkIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [
        {"sku": "GREEN-IP13-128-BLK-A", "quantity": 5},
        {"sku": "GREEN-IP13-128-BLK-B", "price": "389.00", "quantity": 0},
        {"sku": "GREEN-IP14-128-RED-B", "product_reference": "0194253408758", "grade": "good",
         "price": "489.00", "quantity": 3}]}]})

    items: list[BulkItemRaw] = Field(min_length=1, max_length=BULK_MAX_ITEMS)


class BulkItemOut(Schema):
    index: int = Field(description="Position of the item in the request.", examples=[0])
    sku: str
    status: Literal["created", "updated", "unchanged", "failed"]
    listing_id: int | None = None
    errors: dict[str, list[str]] = Field(default_factory=dict, description="Field → reasons, when failed.")


class BulkOut(Schema):
    created: int = Field(0, examples=[0])
    updated: int = Field(examples=[1])
    unchanged: int = Field(examples=[0])
    failed: int = Field(examples=[1])
    items: list[BulkItemOut] = Field(examples=[[
        {"index": 0, "sku": "GREEN-IP13-128-BLK-A", "status": "updated", "listing_id": 4812, "errors": {}},
        {"index": 1, "sku": "NOPE", "status": "failed", "listing_id": None,
         "errors": {"sku": ["You have no listing with the SKU NOPE."]}}]])


def _schema_errors(exc: PydanticValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        field = ".".join(str(part) for part in error.get("loc", ())) or "__all__"
        message = _("This field is not known.") if error.get("type") == "extra_forbidden" else error["msg"]
        errors.setdefault(field, []).append(message)
    return errors


def _rule_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {key: [m for e in errs for m in e.messages] for key, errs in exc.error_dict.items()}
    return {"__all__": exc.messages}


def _row(index: int, item: BulkItemIn, products: dict[str, Product]) -> tuple[RowInput, dict]:
    errors: dict[str, list[str]] = {}
    row = RowInput(key=index, sku=item.sku.strip(), is_active=item.is_active,
                   confirm_low_price=bool(item.confirm_low_price))
    rule, _confirm = rule_given(item.model_dump(include=item.model_fields_set))
    row.rule = rule or None
    for name, check in (("price", validate_price), ("quantity", validate_quantity),
                        ("warranty_months", validate_warranty)):
        value = getattr(item, name)
        if value is not None:
            try:
                setattr(row, name, check(value))
            except DjangoValidationError as exc:
                errors.update(_rule_errors(exc))
    try:  # the battery's health and "new" always agree; unlocked and eSIM are checked on apply
        for name, value in battery_clean(health=item.battery_health, new=item.battery_new).items():
            setattr(row, name, value)
    except DjangoValidationError as exc:
        errors.update(_rule_errors(exc))
    for name in DEVICE_FIELDS[2:]:
        setattr(row, name, getattr(item, name))
    if item.product_reference is not None:
        product = products.get(item.product_reference)
        if product is None:
            errors["product_reference"] = [_("No product in the catalog has the reference %(ref)s.")
                                           % {"ref": item.product_reference}]
        else:
            row.product_id, row.product_active = product.pk, product.is_active
        for name in ("grade", "price", "quantity"):
            if getattr(item, name) is None:
                errors.setdefault(name, []).append(_("Give it to create a listing."))
        row.grade = item.grade
    elif item.grade is not None:
        errors["product_reference"] = [_("Give the product reference with the grade.")]
    elif not row.rule and all(getattr(item, name) is None for name in (
            "quantity", "price", "warranty_months", "is_active", *DEVICE_FIELDS)):
        errors["__all__"] = [_("Give a quantity, a price or both.")]
    return row, errors


def bulk_items_apply(*, seller, items: list[dict], cause: StockCause) -> dict:
    """Checks each item alone, applies the good ones (one transaction per batch of 2,000; a row
    naming a product may create its listing) and answers every item by its index."""
    results: dict[int, BulkItemOut] = {}
    parsed: dict[int, BulkItemIn] = {}
    for index, raw in enumerate(items):
        try:
            parsed[index] = BulkItemIn.model_validate(raw)
        except PydanticValidationError as exc:
            sku = raw.get("sku") if isinstance(raw.get("sku"), str) else ""
            results[index] = BulkItemOut(index=index, sku=sku[:64], status="failed",
                                         errors=_schema_errors(exc))
    references = {item.product_reference for item in parsed.values() if item.product_reference}
    products = {product.reference: product for product in Product.objects.filter(reference__in=references)}
    rows: dict[bool, list[RowInput]] = {False: [], True: []}
    seen: dict[str, int] = {}
    for index, item in parsed.items():
        row, errors = _row(index, item, products)
        if row.sku in seen:
            errors.setdefault("sku", []).append(_("This SKU is already item %(index)s of this request.")
                                                % {"index": seen[row.sku]})
        seen.setdefault(row.sku, index)
        if errors:
            results[index] = BulkItemOut(index=index, sku=row.sku, status="failed", errors=errors)
        else:
            rows[row.product_id is not None].append(row)
    for may_create, group in rows.items():
        for start in range(0, len(group), BULK_BATCH_SIZE):
            with transaction.atomic():
                applied = listings_apply_bulk(seller=seller, rows=group[start:start + BULK_BATCH_SIZE],
                                              allow_create=may_create, cause=cause)
            for result in applied:
                # A price the guard holds fails its item (send it with confirm_low_price: true).
                status = "failed" if result.status == "held" else result.status
                results[result.key] = BulkItemOut(index=result.key, sku=result.sku, status=status,
                                                  listing_id=result.listing_id, errors=result.errors)
    answered = [results[index] for index in range(len(items))]
    counts = {status: sum(item.status == status for item in answered)
              for status in ("created", "updated", "unchanged", "failed")}
    return {**counts, "items": answered}
