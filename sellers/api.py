"""The seller REST API (django-ninja), mounted under /api/v1/.

Every endpoint is authenticated by an API key and scoped to the key's seller: another seller's
listing does not exist (404). Endpoints stay thin: single-listing writes go through
sellers.services, bulk writes through sellers.ledger.listings_apply_bulk, the price to win
through sellers.selectors.buy_box_positions. Bad input is a 4xx with one entry per field.
"""
from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status
from pydantic import ConfigDict

from catalog.models import Grade, Product

from .access import seller_listing_get
from .api_auth import ApiKeyAuth, RateLimited
from .api_bulk import BulkIn, BulkOut, bulk_items_apply
from .api_filters import UpdatedSinceFilter
from .api_insight import BuyBoxOut, InsightFilters, with_buy_box
from .api_integration import SellerNinjaAPI
from .api_paging import Cursor, keyset_page
from .api_repricing import RuleIn, RuleOut, listing_rule_set, rule_given, rule_values
from .api_types import (
    MAX_OFFSET,
    BatteryHealth,
    Flag,
    Price,
    Quantity,
    QueryFlag,
    QueryInteger,
    Text,
    WarrantyMonths,
    forbid_unknown_query_parameters,
)
from .ledger import Reason, StockCause
from .listing_filters import ListingFilters as ListingFilterValues
from .listing_filters import listings_filtered
from .models import Listing, in_stock_q
from .permissions import Scope
from .selectors import buy_box_positions
from .services import DEVICE_FIELDS, listing_archive, listing_create, listing_update

PAGE_MAX = 500

api = SellerNinjaAPI(
    title="Refurb seller API",
    version="1.0.0",
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=ApiKeyAuth(),
    description=(
        "Keep your listings' stock and prices true from your own systems.\n\n"
        "**Authentication**: create a key in the seller back office (Stock sync › API keys) and "
        "send it as `Authorization: Bearer <key>`. Every call sees only your own listings.\n\n"
        "**Errors** are JSON: `{\"detail\": \"...\", \"errors\": {\"<field>\": [\"<reason>\", ...]}}` "
        "with status 400 (the body is not JSON), 401 (no or bad key), 403 (the key's scopes do not "
        "allow the write: every key reads, `listings` changes listings and stock, `orders` accepts, "
        "refuses and ships), 404 (not found or not yours), 422 (invalid input, each field by its path "
        "such as `items.3.quantity`, or a query parameter the operation does not take) or 429 "
        "(rate limit; wait the number of seconds in the `Retry-After` header).\n\n"
        "**Types are strict**: an integer is a JSON integer (not `true`, not `\"5\"`), a flag a JSON "
        "boolean, a price a JSON number or a decimal string such as `\"429.90\"`, a date-time RFC 3339 "
        "with its offset (`2026-01-31T08:00:00Z`); text holds no control characters. Every bound "
        "(price, quantity, warranty 12–120 months, page size and offset) is in the schema below.\n\n"
        "**Retries**: send an `Idempotency-Key` header with any write; for 24 hours the same key and "
        "request return the first answer unchanged, another request with it is a 422. **Paging**: "
        "`cursor=start`, then each answer's `next_cursor` (stable under writes; `offset` is deprecated). "
        "**Rate limits**: every answer carries `RateLimit-Limit`, `RateLimit-Remaining` and "
        "`RateLimit-Reset`. **Webhooks**: deliveries are signed `Refurb-Signature: t=<unix>,v1=<hex "
        "HMAC-SHA256 of \"t.body\">` with the endpoint's secret (after a rotation, a second `v1=` with "
        "the previous one during the grace period: accept any); at least once, in order per endpoint, "
        "retried for 72 hours. `GET /events` lists every event by cursor. The seller back office's "
        "Webhooks page shows every attempt and documents the signature."
    ),
)


# --- Errors: always JSON, one entry per field, never a 500 for bad input ---------------------------
class ErrorOut(Schema):
    detail: str = Field(examples=["Invalid input."])
    errors: dict[str, list[str]] = Field(default_factory=dict,
                                         examples=[{"price": ["The price must be more than zero."]}])


def _field_name(location) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "payload")]
    return ".".join(parts) or "body"


@api.exception_handler(NinjaValidationError)
def _on_schema_error(request, exc):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_name(error.get("loc", ())), []).append(error.get("msg", "Invalid."))
    return api.create_response(request, {"detail": _("Invalid input."), "errors": errors}, status=422)


def _validation_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {("product_reference" if key == "product" else key):
                [message for error in errors for message in error.messages]
                for key, errors in exc.error_dict.items()}
    return {"__all__": exc.messages}


@api.exception_handler(DjangoValidationError)
def _on_rule_error(request, exc):
    return api.create_response(request, {"detail": _("Invalid input."), "errors": _validation_errors(exc)},
                               status=422)


@api.exception_handler(Http404)
def _on_not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found."), "errors": {}}, status=404)


@api.exception_handler(HttpError)
def _on_http_error(request, exc):
    return api.create_response(request, {"detail": str(exc), "errors": {}}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def _on_unauthenticated(request, exc):
    return api.create_response(
        request, {"detail": _("Send a valid, unrevoked API key as “Authorization: Bearer <key>”."),
                  "errors": {}}, status=401)


@api.exception_handler(RateLimited)
def _on_rate_limited(request, exc):
    response = api.create_response(
        request, {"detail": _("Too many requests; retry in %(seconds)s seconds.")
                  % {"seconds": exc.retry_after}, "errors": {}}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
WITH_BODY_ERRORS = {400: ErrorOut, **ERRORS}  # 400: the body is not JSON

# --- Schemas ---------------------------------------------------------------------------------------
GradeName = Literal["premium", "excellent", "good", "fair"]
assert set(GradeName.__args__) == set(Grade.values)


class ListingOut(RuleOut):
    id: int = Field(examples=[4812])
    sku: str = Field(examples=["GREEN-IP13-128-BLK-A"])
    product_reference: str = Field(examples=["0194252707272"])
    grade: str = Field(examples=["excellent"])
    price: Decimal = Field(examples=["429.90"])
    quantity: int = Field(description="Units on hand.", examples=[7])
    allocated: int = Field(description="Units held by unpaid or unshipped orders.", examples=[1])
    available: int = Field(description="quantity − allocated: what shoppers can buy.", examples=[6])
    warranty_months: int = Field(examples=[12])
    is_active: bool
    archived: bool
    updated_at: datetime
    buy_box: BuyBoxOut | None = Field(None, description="Where the listing stands against its buy box "
                                      "(in the list and when getting one listing).")
    battery_health: int | None = Field(None, description="Battery health in percent; null: not stated; "
                                       "100 with `battery_new`.", examples=[92])
    battery_new: bool = Field(False, description="A new battery was fitted.")
    includes_charger: bool = False
    includes_cable: bool = False
    includes_box: bool = Field(False, description="The original box.")
    is_unlocked: bool | None = Field(None, description="Phones only; null: not stated or not a phone.")
    has_esim: bool | None = Field(None, description="Phones only; null: not stated or not a phone.")

    @staticmethod
    def from_listing(listing: Listing) -> "ListingOut":
        return ListingOut(
            id=listing.pk, sku=listing.sku, product_reference=listing.product.reference,
            grade=listing.grade, price=listing.price, quantity=listing.quantity,
            allocated=listing.allocated, available=listing.available,
            warranty_months=listing.warranty_months, is_active=listing.is_active,
            archived=listing.archived_at is not None, updated_at=listing.updated_at,
            **{name: getattr(listing, name) for name in DEVICE_FIELDS},
            **rule_values(listing),
        )


class ListingPage(Schema):
    count: int = Field(examples=[1])
    limit: int = Field(examples=[100])
    offset: int = Field(examples=[0])
    items: list[ListingOut]
    next_cursor: str | None = Field(None, description="With `cursor`: send it as `cursor` for the next "
                                    "page (the same cursor when nothing is new). Null when paging by offset.",
                                    examples=["4812"])
    has_more: bool = Field(False, description="With `cursor`: more rows follow this page.")


class ListingFilters(UpdatedSinceFilter, InsightFilters):
    sku: Text(64, description="Exact SKU.") | None = None
    grade: GradeName | None = None
    in_stock: QueryFlag | None = Field(None, description="true: available > 0; false: nothing available.")
    limit: QueryInteger(100, ge=1, le=PAGE_MAX)
    offset: QueryInteger(0, ge=0, le=MAX_OFFSET, description="Deprecated: rows shift under writes; use "
                         "`cursor`. Ignored with `cursor`.")
    cursor: Cursor | None = None


class ListingCreateIn(RuleIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "sku": "GREEN-IP13-128-BLK-A", "product_reference": "0194252707272", "grade": "excellent",
        "price": "429.90", "quantity": 7, "warranty_months": 12, "is_active": True}]})

    sku: Text(64)
    product_reference: Text(40)
    grade: GradeName
    price: Price
    quantity: Quantity
    warranty_months: WarrantyMonths = 12
    is_active: Flag = True
    battery_health: BatteryHealth | None = None
    battery_new: Flag | None = None
    includes_charger: Flag | None = None
    includes_cable: Flag | None = None
    includes_box: Flag | None = None
    is_unlocked: Flag | None = None
    has_esim: Flag | None = None


class ListingUpdateIn(RuleIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"quantity": 3}, {"price": "399.00", "quantity": 10}]})

    price: Price | None = None
    quantity: Quantity | None = None
    warranty_months: WarrantyMonths | None = None
    is_active: Flag | None = None
    battery_health: BatteryHealth | None = None
    battery_new: Flag | None = None
    includes_charger: Flag | None = None
    includes_cable: Flag | None = None
    includes_box: Flag | None = None
    is_unlocked: Flag | None = None
    has_esim: Flag | None = None


class ListingChangeOut(Schema):
    listing: ListingOut
    changed_fields: list[str] = Field(examples=[["quantity"]])


class PriceToWinOut(Schema):
    listing_id: int
    your_price: Decimal = Field(examples=["429.90"])
    is_winning: bool = Field(description="Your listing holds the buy box of its product and grade.")
    winner_price: Decimal | None = Field(None, description="The buy box's price; null if no offer is "
                                         "buyable.", examples=["419.00"])
    price_to_win: Decimal | None = Field(None, description="The highest price that would win (winner "
                                         "minus one cent); null when winning or not reachable.",
                                         examples=["418.99"])


# --- Listings --------------------------------------------------------------------------------------
# Every key reads; creating, changing and archiving listings needs the key's "listings" scope.
router = Router(tags=["listings"], auth=ApiKeyAuth(write_scope=Scope.LISTINGS))


def _listings(seller):
    return Listing.objects.filter(seller=seller).select_related("product")


@router.get("/listings", response={200: ListingPage, **ERRORS}, summary="List your listings")
def listings_list(request, filters: Query[ListingFilters]):
    """By offset (deprecated), newest change first; or by keyset with `cursor=start`, then each
    answer's `next_cursor`: stable while listings change (see the `cursor` parameter)."""
    # The buy-box and stock filters are the back office's (one selector); archived listings too.
    queryset = listings_filtered(seller=request.seller, filters=ListingFilterValues.of(
        {"status": "all", **filters.selector_values()})).select_related("product")
    queryset = queryset.order_by("-updated_at", "-id")
    if filters.sku is not None:
        queryset = queryset.filter(sku=filters.sku)
    if filters.grade is not None:
        queryset = queryset.filter(grade=filters.grade)
    if filters.in_stock is True:
        queryset = queryset.filter(in_stock_q())
    elif filters.in_stock is False:
        queryset = queryset.exclude(in_stock_q())
    if filters.updated_since is not None:
        queryset = queryset.filter(updated_at__gte=filters.updated_since)
    if filters.cursor is not None:
        page, next_cursor, more = keyset_page(queryset, cursor=filters.cursor, limit=filters.limit,
                                              by_update=filters.updated_since is not None)
        return {"count": queryset.count(), "limit": filters.limit, "offset": 0, "next_cursor": next_cursor,
                "has_more": more, "items": _with_buy_box(request, page)}
    page = list(queryset[filters.offset:filters.offset + filters.limit])
    count = len(page) + filters.offset if 0 < len(page) < filters.limit else queryset.count()
    return {"count": count, "limit": filters.limit, "offset": filters.offset,
            "items": _with_buy_box(request, page)}


def _with_buy_box(request, listings: list) -> list:
    """The listing objects with their buy-box insight, one query for the page."""
    return with_buy_box([ListingOut.from_listing(listing) for listing in listings], listings,
                        seller=request.seller)


def _stock_cause(request) -> StockCause:
    """Stock moved through the API: the ledger names the key."""
    return StockCause(Reason.API, api_key_id=request.api_key.pk)


@router.get("/listings/{int:listing_id}", response={200: ListingOut, **ERRORS}, summary="Get a listing")
def listings_get(request, listing_id: int):
    return _with_buy_box(request, [seller_listing_get(seller=request.seller, pk=listing_id)])[0]


@router.post("/listings", response={201: ListingOut, **WITH_BODY_ERRORS}, summary="Create a listing")
def listings_create(request, payload: ListingCreateIn):
    product = Product.objects.filter(reference=payload.product_reference).first()
    if product is None:
        raise DjangoValidationError({"product_reference": _(
            "No product in the catalog has the reference %(ref)s.") % {"ref": payload.product_reference}})
    rule, confirm = rule_given(payload.model_dump(exclude_unset=True))
    with transaction.atomic():  # a refused rule creates nothing
        listing = listing_create(
            seller=request.seller, product=product, grade=payload.grade, sku=payload.sku,
            price=payload.price, quantity=payload.quantity, warranty_months=payload.warranty_months,
            is_active=payload.is_active, cause=_stock_cause(request), confirm_low_price=confirm,
            **{name: getattr(payload, name) for name in DEVICE_FIELDS},
        )
        listing_rule_set(listing=listing, rule=rule, confirm=confirm)
    listing.product = product
    return Status(201, ListingOut.from_listing(listing))


@router.patch("/listings/{int:listing_id}", response={200: ListingChangeOut, **WITH_BODY_ERRORS},
              summary="Change price, quantity, warranty, active flag or device details")
def listings_update(request, listing_id: int, payload: ListingUpdateIn):
    listing = seller_listing_get(seller=request.seller, pk=listing_id)
    data = payload.model_dump(exclude_unset=True)
    rule, confirm = rule_given(data)
    with transaction.atomic():
        change = listing_update(listing=listing, **data, confirm_low_price=confirm,
                                cause=_stock_cause(request))
        changed = [*change.changed_fields,
                   *listing_rule_set(listing=change.listing, rule=rule, confirm=confirm)]
    return {"listing": ListingOut.from_listing(change.listing), "changed_fields": changed}


@router.delete("/listings/{int:listing_id}", response={200: ListingOut, **ERRORS},
               summary="Archive a listing (it leaves the marketplace for good)")
def listings_archive(request, listing_id: int):
    listing = seller_listing_get(seller=request.seller, pk=listing_id)
    return ListingOut.from_listing(listing_archive(listing=listing))


@router.get("/listings/{int:listing_id}/price-to-win", response={200: PriceToWinOut, **ERRORS},
            summary="Where the listing stands against the buy box")
def listings_price_to_win(request, listing_id: int):
    listing = seller_listing_get(seller=request.seller, pk=listing_id)
    position = buy_box_positions([listing])[listing.pk]
    return {"listing_id": listing.pk, "your_price": listing.price, "is_winning": position.is_winning,
            "winner_price": position.winner_price, "price_to_win": position.price_to_win}


@router.post("/listings/bulk", response={200: BulkOut, **WITH_BODY_ERRORS},
             summary="Update or create up to 10,000 listings by SKU, each item answered alone")
def listings_bulk(request, payload: BulkIn):
    """Each item names one of your SKUs and the new `quantity`, `price`, `warranty_months` and/or
    `is_active`; with `product_reference`, `grade`, `price` and `quantity` a new SKU is created.
    Items are checked one by one with the same rules as single calls: a bad item fails alone (its
    `index`, and each field with its reasons, in `errors`) and the good ones apply (one transaction
    per batch of 2,000). A quantity below the units already allocated to orders fails that item."""
    return bulk_items_apply(seller=request.seller, items=payload.items, cause=_stock_cause(request))


forbid_unknown_query_parameters(router)
api.add_router("/", router)
# The stock ledger's and the orders' routers join this API in marketplace/api.py.
