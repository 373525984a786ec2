"""The seller API's stock ledger: a listing's movements, and a feed of all the seller's movements
after a cursor (the last id read), so an ERP can follow every change of its stock in order."""
from datetime import datetime

from ninja import Field, Query, Router, Schema

from .access import seller_listing_get
from .api import ERRORS
from .api_auth import ApiKeyAuth
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


class MovementFeed(Schema):
    items: list[MovementOut]
    next_after: int = Field(description="Pass as `after` to read on; the same as `after` when nothing is "
                                        "new.", examples=[90211])


class PageFilters(Schema):
    limit: QueryInteger(100, ge=1, le=500)
    offset: QueryInteger(0, ge=0, le=MAX_OFFSET)


class FeedFilters(Schema):
    after: QueryInteger(0, ge=0, le=2 ** 62, description="The last movement id read (0: from the start).")
    limit: QueryInteger(500, ge=1, le=FEED_MAX)


@router.get("/listings/{int:listing_id}/movements", response={200: MovementPage, **ERRORS},
            summary="A listing's stock movements, newest first")
def listing_movements_list(request, listing_id: int, filters: Query[PageFilters]):
    listing = seller_listing_get(seller=request.seller, pk=listing_id)
    movements = listing_movements(listing=listing)
    page = list(movements[filters.offset:filters.offset + filters.limit])
    return {"count": movements.count(), "limit": filters.limit, "offset": filters.offset,
            "items": [MovementOut.of(movement, listing.sku) for movement in page]}


@router.get("/movements", response={200: MovementFeed, **ERRORS},
            summary="Every stock movement of yours after a cursor")
def movements_feed(request, filters: Query[FeedFilters]):
    """Oldest first, at most `limit` per call: call again with `next_after` until `items` is empty."""
    page = list(seller_movements(seller=request.seller, after_id=filters.after)[:filters.limit])
    return {"items": [MovementOut.of(movement, movement.listing.sku) for movement in page],
            "next_after": page[-1].pk if page else filters.after}


forbid_unknown_query_parameters(router)
