"""The seller API's order endpoints (django-ninja), mounted by sellers/api.py under /api/v1/orders/.

Authenticated by the seller's API key (sellers.api_auth.ApiKeyAuth on the API) and scoped to the
key's seller: another seller's order does not exist (404). The same services as the back office
(orders.fulfilment) do the work; a refused transition is a 409, bad input a 422 with one entry
per field.
"""
from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict

from sellers.api_auth import ApiKeyAuth
from sellers.api_filters import UpdatedSinceFilter
from sellers.api_paging import Cursor, keyset_page
from sellers.api_types import MAX_OFFSET, ById, QueryInteger, Text, text_schema
from sellers.permissions import Scope

from . import fulfilment
from .models import OrderLine, SellerOrder

PAGE_MAX = 200
StateName = Literal["awaiting_payment", "paid", "accepted", "shipped", "delivered", "cancelled", "refunded"]
assert set(StateName.__args__) == set(SellerOrder.State.values)


class OrderErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


ERRORS = {401: OrderErrorOut, 403: OrderErrorOut, 404: OrderErrorOut, 409: OrderErrorOut,
          422: OrderErrorOut, 429: OrderErrorOut}
WITH_BODY_ERRORS = {400: OrderErrorOut, **ERRORS}  # 400: the body is not JSON


class OrderLineOut(Schema):
    id: int
    sku: str
    product_name: str
    grade: str
    quantity: int
    unit_price: Decimal
    warranty_months: int
    serials: list[str] = Field(description="IMEI or serial number of each unit, once shipped.")


class ShippingAddressOut(Schema):
    full_name: str
    line1: str
    line2: str
    postal_code: str
    city: str
    country: str
    phone: str


class SellerOrderOut(Schema):
    id: int = Field(description="The seller order's id: use it in the other order endpoints.")
    order_number: str = Field(examples=["R7K2M9QX4P"])
    state: StateName
    shipping_method: str
    subtotal: Decimal
    shipping_fee: Decimal
    total: Decimal
    commission_amount: Decimal
    refunded_amount: Decimal
    carrier: str
    tracking_number: str
    shipping_address: ShippingAddressOut
    lines: list[OrderLineOut]
    created_at: datetime
    paid_at: datetime | None
    accept_by: datetime | None = Field(description="Paid and not yet accepted: accept it before this moment, "
                                       "or it is cancelled and refunded (SELLER_ACCEPT_HOURS after payment). "
                                       "Null otherwise.")
    accepted_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    updated_at: datetime

    @staticmethod
    def from_seller_order(so: SellerOrder) -> "SellerOrderOut":
        order = so.order
        return SellerOrderOut(
            id=so.pk, order_number=order.number, state=so.state, shipping_method=order.shipping_method,
            subtotal=so.subtotal, shipping_fee=so.shipping_fee, total=so.total,
            commission_amount=so.commission_amount, refunded_amount=so.refunded_amount, carrier=so.carrier,
            tracking_number=so.tracking_number,
            shipping_address=ShippingAddressOut(
                full_name=order.ship_full_name, line1=order.ship_line1, line2=order.ship_line2,
                postal_code=order.ship_postal_code, city=order.ship_city, country=order.ship_country,
                phone=order.ship_phone),
            lines=[OrderLineOut(id=line.pk, sku=line.sku, product_name=line.product_name, grade=line.grade,
                                quantity=line.quantity, unit_price=line.unit_price,
                                warranty_months=line.warranty_months,
                                serials=[s.serial for s in line.serials.all()])
                   for line in so.lines.all()],
            created_at=so.created_at, paid_at=so.paid_at, accepted_at=so.accepted_at,
            shipped_at=so.shipped_at, delivered_at=so.delivered_at, cancelled_at=so.cancelled_at,
            updated_at=so.updated_at, accept_by=so.accept_by if so.state == SellerOrder.State.PAID else None,
        )


class SellerOrderPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SellerOrderOut]
    next_cursor: str | None = Field(None, description="With `cursor`: send it as `cursor` for the next page.")
    has_more: bool = Field(False, description="With `cursor`: more orders follow this page.")


class OrderFilters(UpdatedSinceFilter):
    state: StateName | None = Field(None, description="Only orders in this state, e.g. paid (to accept).")
    limit: QueryInteger(50, ge=1, le=PAGE_MAX)
    offset: QueryInteger(0, ge=0, le=MAX_OFFSET, description="Deprecated: use `cursor`. Ignored with it.")
    cursor: Cursor | None = None


class RefuseIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: Text(255) = Field(examples=["The last unit failed our final test."])


class ShipIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "carrier": "Colissimo", "tracking_number": "6A12345678901",
        "serials": {"981": ["356938035643809"]}}]})
    carrier: Text(40, description="One of: " + ", ".join(fulfilment.CARRIERS))
    tracking_number: Text(40)
    serials: ById(list[Text(40)], {"type": "array", "items": text_schema(40)},
                  description="For each line id, one IMEI or serial number per unit.")


# Every key reads; accepting, refusing and shipping needs the key's "orders" scope.
router = Router(tags=["orders"], auth=ApiKeyAuth(write_scope=Scope.ORDERS))


def _seller_orders(seller):
    """The key's seller's orders only, with their lines and serials (three queries a page)."""
    return (SellerOrder.objects.filter(seller=seller).select_related("order")
            .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.prefetch_related("serials")
                                       .order_by("pk"))))


def _get(request, seller_order_id: int) -> SellerOrder:
    seller_order = _seller_orders(request.seller).filter(pk=seller_order_id).first()
    if seller_order is None:
        raise Http404
    return seller_order


def _errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {"__all__": exc.messages}
    errors = {}
    for key, items in exc.error_dict.items():
        if key.startswith("serial_"):  # serial_<line>_<unit> → serials.<line>.<unit>
            _prefix, line_id, unit = key.split("_")
            key = f"serials.{line_id}.{unit}"
        errors[key] = [message for error in items for message in error.messages]
    return errors


def _act(request, seller_order_id: int, action) -> SellerOrderOut:
    seller_order = _get(request, seller_order_id)
    try:
        action(seller_order)
    except fulfilment.TransitionError as exc:
        raise HttpError(409, exc.message) from exc
    except DjangoValidationError as exc:
        # The API's handler answers 422 with one entry per field, serials as serials.<line>.<unit>.
        raise DjangoValidationError(_errors(exc)) from exc
    return SellerOrderOut.from_seller_order(_get(request, seller_order_id))


@router.get("", response={200: SellerOrderPage, **ERRORS}, summary="List your orders")
def orders_list(request, filters: Query[OrderFilters]):
    """Newest change first. Poll with `updated_since` set to the latest `updated_at` you have seen;
    `state=paid` lists the orders waiting for you to accept them."""
    queryset = _seller_orders(request.seller).order_by("-updated_at", "-id")
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.updated_since:
        queryset = queryset.filter(updated_at__gte=filters.updated_since)
    if filters.cursor is not None:
        page, next_cursor, more = keyset_page(queryset, cursor=filters.cursor, limit=filters.limit,
                                              by_update=filters.updated_since is not None)
        return {"count": queryset.count(), "limit": filters.limit, "offset": 0, "next_cursor": next_cursor,
                "has_more": more, "items": [SellerOrderOut.from_seller_order(so) for so in page]}
    page = list(queryset[filters.offset:filters.offset + filters.limit])
    count = len(page) + filters.offset if 0 < len(page) < filters.limit else queryset.count()
    return {"count": count, "limit": filters.limit, "offset": filters.offset,
            "items": [SellerOrderOut.from_seller_order(so) for so in page]}


@router.get("/{int:seller_order_id}", response={200: SellerOrderOut, **ERRORS}, summary="Get an order")
def orders_get(request, seller_order_id: int):
    return SellerOrderOut.from_seller_order(_get(request, seller_order_id))


@router.post("/{int:seller_order_id}/accept", response={200: SellerOrderOut, **ERRORS},
             summary="Accept a paid order")
def orders_accept(request, seller_order_id: int):
    return _act(request, seller_order_id, lambda so: fulfilment.seller_order_accept(
        seller_order=so, reason="accepted through the API"))


@router.post("/{int:seller_order_id}/refuse", response={200: SellerOrderOut, **WITH_BODY_ERRORS},
             summary="Refuse an order: its stock is released and the shopper refunded")
def orders_refuse(request, seller_order_id: int, payload: RefuseIn):
    return _act(request, seller_order_id, lambda so: fulfilment.seller_order_refuse(
        seller_order=so, reason=payload.reason))


@router.post("/{int:seller_order_id}/ship", response={200: SellerOrderOut, **WITH_BODY_ERRORS},
             summary="Ship an accepted order with carrier, tracking number and serials")
def orders_ship(request, seller_order_id: int, payload: ShipIn):
    return _act(request, seller_order_id, lambda so: fulfilment.seller_order_ship(
        seller_order=so, carrier=payload.carrier, tracking_number=payload.tracking_number,
        serials=payload.serials))

