"""The seller API's stock ledger: a listing's movements, and a feed of all the seller's movements
after a cursor (the last id read), so an ERP can follow every change of its stock in order. Both
take the keyset `cursor` of every seller-API list (sellers.api_paging); movements never change, so
they walk by id."""
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from .access import seller_listing_get
from .api import ERRORS
from .api_auth import ApiKeyAuth
from .api_paging import IdCursor, keyset_page
from .api_types import MAX_OFFSET, QueryInteger, forbid_unknown_query_parameters
from .ledger.selectors import listing_movements, seller_movements
from .models import StockMovement

FEED_MAX = 1000

router = Router(tags=["stock movements"], auth=ApiKeyAuth())


class MovementOut(Schema):
    id: int = Field(description="Increases with every movement: use the last one read as the feed's cursor.",
                    examples=[90211])
    listing_id: int = Field(examples=[4812])
    sku: str = Field(examples=["GREEN-IP13-128-BLK-A"])
    quantity_change: int = Field(description="Change of the units on hand.", examples=[-1])
    allocated_change: int = Field(description="Change of the units held by orders.", examples=[-1])
    reason: str = Field(description="One of: " + ", ".join(StockMovement.Reason.values) + ".",
                        examples=["shipped"])
    stock_import_id: int | None = None
    seller_order_id: int | None = None
    api_key_id: int | None = None
    created_at: datetime

    @staticmethod
    def of(movement: StockMovement, sku: str) -> "MovementOut":
        return MovementOut(id=movement.pk, listing_id=movement.listing_id, sku=sku,
                           quantity_change=movement.quantity_delta, allocated_change=movement.allocated_delta,
                           reason=movement.reason, stock_import_id=movement.stock_import_id,
                           seller_order_id=movement.seller_order_id, api_key_id=movement.api_key_id,
                           created_at=movement.created_at)


class MovementPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MovementOut]
    next_cursor: str | None = Field(None, description="With `cursor`: send it as `cursor` for the next page.")
    has_more: bool = Field(False, description="With `cursor`: more movements follow this page.")


class MovementFeed(Schema):
    items: list[MovementOut]
    next_after: int = Field(description="Pass as `after` to read on; the same as `after` when nothing is "
                                        "new.", examples=[90211])
    next_cursor: str = Field(description="The same position as a `cursor` (send either).", examples=["90211"])
    has_more: bool = Field(description="More movements follow this page.")


class PageFilters(Schema):
    limit: QueryInteger(100, ge=1, le=500)
    offset: QueryInteger(0, ge=0, le=MAX_OFFSET, description="Newest first by offset; deprecated: use "
                         "`cursor` (oldest first, by id). Ignored with it.")
    cursor: IdCursor | None = None


class FeedFilters(Schema):
    after: QueryInteger(0, ge=0, le=2 ** 62, description="The last movement id read (0: from the start).")
    limit: QueryInteger(500, ge=1, le=FEED_MAX)
    cursor: IdCursor | None = Field(None, description="Instead of `after`: `start` or a `next_cursor`.")


def _id_cursor(cursor: str) -> int:
    if "_" in cursor:
        raise ValidationError({"cursor": [_("This list walks by id: send “start” or a next_cursor it "
                                            "gave.")]})
    return 0 if cursor == "start" else int(cursor)


@router.get("/listings/{int:listing_id}/movements", response={200: MovementPage, **ERRORS},
            summary="A listing's stock movements, newest first")
def listing_movements_list(request, listing_id: int, filters: Query[PageFilters]):
    listing = seller_listing_get(seller=request.seller, pk=listing_id)
    if filters.cursor is not None:
        _id_cursor(filters.cursor)
        own = StockMovement.objects.filter(listing=listing)
        page, next_cursor, more = keyset_page(own, by_update=False, cursor=filters.cursor,
                                              limit=filters.limit)
        return {"count": own.count(), "limit": filters.limit, "offset": 0, "next_cursor": next_cursor,
                "has_more": more, "items": [MovementOut.of(movement, listing.sku) for movement in page]}
    movements = listing_movements(listing=listing)
    page = list(movements[filters.offset:filters.offset + filters.limit])
    return {"count": movements.count(), "limit": filters.limit, "offset": filters.offset,
            "items": [MovementOut.of(movement, listing.sku) for movement in page]}


@router.get("/movements", response={200: MovementFeed, **ERRORS},
            summary="Every stock movement of yours after a cursor")
def movements_feed(request, filters: Query[FeedFilters]):
    """Oldest first, at most `limit` per call: call again with `next_after` until `items` is empty."""
    after = filters.after if filters.cursor is None else _id_cursor(filters.cursor)
    page = list(seller_movements(seller=request.seller, after_id=after)[:filters.limit + 1])
    more, page = len(page) > filters.limit, page[:filters.limit]
    next_after = page[-1].pk if page else after
    return {"items": [MovementOut.of(movement, movement.listing.sku) for movement in page],
            "next_after": next_after, "next_cursor": str(next_after) if next_after else "start",
            "has_more": more}


forbid_unknown_query_parameters(router)
