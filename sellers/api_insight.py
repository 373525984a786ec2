"""The buy-box insight in the seller API: each listing object's `buy_box`, and the list's filters.

The values come from sellers.buy_box_insight (one query for a whole page of listings), the filters
from sellers.listing_filters.listings_filtered, the selector the back-office list uses too.
"""
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import WithJsonSchema

from .buy_box_insight import BuyBoxInsight, buy_box_insights

MONEY = {"examples": ["419.00"]}


class BuyBoxOut(Schema):
    holds_box: bool = Field(description="This listing wins the buy box of its product and grade.")
    own_listing_wins: bool = Field(False, description="Another of your listings wins it (not a loss).")
    winner_price: Decimal | None = Field(None, description="The price of the offer holding the box; null "
                                         "when no offer is on sale.", **MONEY)
    winner_effective_price: Decimal | None = Field(None, description="Its effective price (price weighed by "
                                                   "the seller's quality score and the warranty).", **MONEY)
    runner_up_price: Decimal | None = Field(None, description="When you hold the box: the best other "
                                            "seller's price; null when nobody else offers it.", **MONEY)
    max_winning_price: Decimal | None = Field(None, description="When you hold the box: the highest price "
                                              "that still beats the runner-up.", **MONEY)
    room_to_raise: Decimal | None = Field(None, description="max_winning_price − your price, when above "
                                          "zero: what you could charge more and still win.", **MONEY)
    price_to_win: Decimal | None = Field(None, description="When you do not hold the box: the highest price "
                                         "that would take it; null when none would or nobody competes.",
                                         **MONEY)
    competing_offers: int = Field(0, description="Other sellers' offers on sale for this product and grade.")

    @staticmethod
    def of(insight: BuyBoxInsight) -> "BuyBoxOut":
        return BuyBoxOut(
            holds_box=insight.holds_box, own_listing_wins=insight.own_listing_wins,
            winner_price=insight.winner_price, winner_effective_price=insight.winner_effective_price,
            runner_up_price=insight.runner_up_price, max_winning_price=insight.max_winning_price,
            room_to_raise=insight.room_to_raise, price_to_win=insight.price_to_win,
            competing_offers=insight.competing_offers)


class InsightFilters(Schema):
    """The list's buy-box and stock filters (the back office's list has the same)."""

    buy_box: Literal["winning", "losing", "no_competitor"] | None = Field(
        None, description="winning: holds its box; losing: on sale and another seller holds the box; "
        "no_competitor: no other seller's offer is on sale for the product and grade.")
    # Published as a number (pydantic's Decimal schema also allows any string, which is refused).
    losing_within_percent: Annotated[Decimal, WithJsonSchema(
        {"type": "number", "exclusiveMinimum": 0, "maximum": 100, "multipleOf": 0.01})] | None = Field(
        None, gt=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False,
        description="Losing listings whose price to win is less than this share (%) below their price; "
        "implies buy_box=losing.", examples=["5"])
    stock: Literal["in", "out", "low"] | None = Field(
        None, description="in: units available; out: none available; low: some, at most the low-stock "
        "threshold.")

    def selector_values(self) -> dict:
        return {"buy_box": self.buy_box or "", "losing_within_percent": self.losing_within_percent,
                "stock": self.stock or ""}


def with_buy_box(items: list, listings: list, *, seller) -> list:
    """Sets each listing object's `buy_box` (items and listings in the same order), in one query."""
    insights = buy_box_insights(seller=seller, listings=listings)
    for item, listing in zip(items, listings, strict=True):
        insight = insights.get(listing.pk)
        item.buy_box = BuyBoxOut.of(insight) if insight else None
    return items
