"""Reads about listings: the buy box (one definition, used by every page and the API)."""
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from .models import Listing

CENT = Decimal("0.01")

# DOMAIN.md: lowest price; ties go to the better-rated seller, then the older listing.
BUY_BOX_ORDER = [F("price").asc(), F("seller__rating").desc(), F("created_at").asc(), F("pk").asc()]


def offers_ranked() -> "Listing.objects":
    """Buyable offers in buy-box order, with their seller; the first of a product × grade wins."""
    return Listing.objects.buyable().select_related("seller").order_by(*BUY_BOX_ORDER)


def buy_boxes(*, product_ids: Iterable[int], grade: str | None = None) -> dict[tuple[int, str], Listing]:
    """The winning listing of each (product, grade) among the given products, in one query.

    PostgreSQL picks the first row of each product × grade with DISTINCT ON (served by
    listing_buybox_idx); other databases number the rows with a window function.
    """
    product_ids = list(product_ids)
    if not product_ids:
        return {}
    offers = Listing.objects.buyable().filter(product_id__in=product_ids).select_related("seller")
    if grade is not None:
        offers = offers.filter(grade=grade)
    if connections[offers.db].vendor == "postgresql":
        winners = offers.order_by("product_id", "grade", *BUY_BOX_ORDER).distinct("product_id", "grade")
    else:
        winners = offers.annotate(
            buy_box_rank=Window(
                RowNumber(), partition_by=[F("product_id"), F("grade")], order_by=BUY_BOX_ORDER
            )
        ).filter(buy_box_rank=1)
    return {(listing.product_id, listing.grade): listing for listing in winners}


@dataclass(frozen=True)
class BuyBoxPosition:
    """Where a seller's listing stands against the buy box of its product and grade."""

    winner_price: Decimal | None  # None: no buyable offer at all
    is_winning: bool
    price_to_win: Decimal | None  # None when winning, or when no positive price would win


def buy_box_positions(listings: Iterable[Listing]) -> dict[int, BuyBoxPosition]:
    """The buy-box position of each listing, computed for all of them in one query."""
    listings = list(listings)
    winners = buy_boxes(product_ids={listing.product_id for listing in listings})
    positions = {}
    for listing in listings:
        winner = winners.get((listing.product_id, listing.grade))
        if winner is None:
            positions[listing.pk] = BuyBoxPosition(None, False, None)
        elif winner.pk == listing.pk:
            positions[listing.pk] = BuyBoxPosition(winner.price, True, None)
        else:
            target = winner.price - CENT
            positions[listing.pk] = BuyBoxPosition(
                winner.price, False, target if target > 0 else None
            )
    return positions


def with_buy_box_winner(queryset):
    """Annotates each listing with `buy_box_winner_id`, the pk of its product × grade's winner.

    The same rule as `buy_boxes`, as a SQL subquery, so that pages can filter and count
    "winning" / "losing" listings in the database (`buy_box_winner_id=F("pk")`).
    """
    from django.db.models import OuterRef, Subquery

    winner = (
        Listing.objects.buyable()
        .filter(product_id=OuterRef("product_id"), grade=OuterRef("grade"))
        .order_by(*BUY_BOX_ORDER)
        .values("pk")[:1]
    )
    return queryset.annotate(buy_box_winner_id=Subquery(winner))
