"""The seller API's returns: list them (keyset paging, incremental sync), accept one, mark it
received (the shopper is refunded), or refuse it with a reason (our staff then arbitrate).

Scoped to the key's seller: another seller's return does not exist (404). The same services as
the back office (orders.fulfilment, which moves states through orders.states) do the work. An
action already done answers 200 with the return as it is (a retry is harmless even without an
`Idempotency-Key`); an impossible one is a 409.
"""
from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict

from sellers.api_auth import ApiKeyAuth
from sellers.api_filters import UpdatedSinceFilter
from sellers.api_paging import Cursor, keyset_answer
from sellers.api_types import QueryInteger, Text
from sellers.permissions import Scope

from . import fulfilment
from .api import ERRORS, WITH_BODY_ERRORS
from .models import ReturnRequest

R = ReturnRequest.State
ReturnState = Literal["requested", "accepted", "disputed", "received", "refunded", "rejected"]
assert set(ReturnState.__args__) == set(R.values)
# The states in which each action is already done: repeating it changes nothing.
DONE = {"accept": {R.ACCEPTED, R.RECEIVED, R.REFUNDED}, "receive": {R.RECEIVED, R.REFUNDED},
        "refuse": {R.DISPUTED, R.REJECTED}}

router = Router(tags=["returns"], auth=ApiKeyAuth(write_scope=Scope.ORDERS))


class ReturnOut(Schema):
    id: int
    seller_order_id: int
    order_number: str
    order_line_id: int
    sku: str
    product_name: str
    reason: Literal["defective", "not_as_described", "damaged", "changed_mind", "other"]
    comment: str = Field(description="The shopper's words.")
    state: ReturnState
    amount: Decimal = Field(description="Refunded to the shopper once the item is received.")
    seller_note: str
    staff_note: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def of(ret: ReturnRequest) -> "ReturnOut":
        return ReturnOut(id=ret.pk, seller_order_id=ret.seller_order_id,
                         order_number=ret.seller_order.order.number, order_line_id=ret.order_line_id,
                         sku=ret.order_line.sku,
                         product_name=ret.order_line.product_name, reason=ret.reason, comment=ret.comment,
                         state=ret.state, amount=ret.amount, seller_note=ret.seller_note,
                         staff_note=ret.staff_note, created_at=ret.created_at, updated_at=ret.updated_at)


class ReturnPage(Schema):
    limit: int
    items: list[ReturnOut]
    next_cursor: str = Field(description="Send it as `cursor` for the next page (the same when nothing is "
                             "new).")
    has_more: bool


class ReturnFilters(UpdatedSinceFilter):
    state: ReturnState | None = Field(None, description="e.g. `requested`: the returns waiting for you.")
    limit: QueryInteger(50, ge=1, le=200)
    cursor: Cursor = "start"


class RefuseReturnIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: Text(2000) = Field(description="Why you refuse it; our staff read it and decide.",
                               examples=["The device came back with a cracked screen it did not have."])


def _seller_returns(seller):
    return ReturnRequest.objects.filter(seller_order__seller=seller).select_related("seller_order__order",
                                                                                    "order_line")


def _get(request, return_id: int) -> ReturnRequest:
    ret = _seller_returns(request.seller).filter(pk=return_id).first()
    if ret is None:
        raise Http404
    return ret


def _act(request, return_id: int, action: str, run) -> ReturnOut:
    ret = _get(request, return_id)
    if ret.state not in DONE[action]:
        try:
            run(ret)
        except fulfilment.TransitionError as exc:
            raise HttpError(409, exc.message) from exc
    return ReturnOut.of(_get(request, return_id))


@router.get("/returns", response={200: ReturnPage, **ERRORS}, summary="List your returns")
def returns_list(request, filters: Query[ReturnFilters]):
    """By id, each return once; with `updated_since`, by change time (a return changed during the
    walk comes again at the end with its latest state): keep the last `updated_at` for the next sync."""
    returns = _seller_returns(request.seller)
    if filters.state:
        returns = returns.filter(state=filters.state)
    if filters.updated_since:
        returns = returns.filter(updated_at__gte=filters.updated_since)
    return keyset_answer(returns, cursor=filters.cursor, limit=filters.limit,
                         by_update=filters.updated_since is not None, item=ReturnOut.of)


@router.get("/returns/{int:return_id}", response={200: ReturnOut, **ERRORS}, summary="Get a return")
def returns_get(request, return_id: int):
    return ReturnOut.of(_get(request, return_id))


@router.post("/returns/{int:return_id}/accept", response={200: ReturnOut, **ERRORS},
             summary="Accept a return: the shopper sends the item back")
def returns_accept(request, return_id: int):
    return _act(request, return_id, "accept", lambda ret: fulfilment.return_accept(ret=ret))


@router.post("/returns/{int:return_id}/received", response={200: ReturnOut, **ERRORS},
             summary="Mark the item received: the shopper is refunded")
def returns_received(request, return_id: int, restock: bool = False):
    """`?restock=true`: the item is sellable as listed, and its units go back into the listing's
    stock (a stock movement "Return restocked")."""
    return _act(request, return_id, "receive", lambda ret: fulfilment.return_mark_received(
        ret=ret, reason="item received (API)", restock=restock))


@router.post("/returns/{int:return_id}/refuse", response={200: ReturnOut, **WITH_BODY_ERRORS},
             summary="Refuse a return with a reason: our staff arbitrate")
def returns_refuse(request, return_id: int, payload: RefuseReturnIn):
    return _act(request, return_id, "refuse",
                lambda ret: fulfilment.return_dispute(ret=ret, note=payload.reason))
