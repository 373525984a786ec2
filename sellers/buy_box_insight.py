"""Where each of a seller's listings stands against its buy box, for thousands of listings at once.

The buy box of each product × grade is stored (sellers.models_buybox.BuyBoxStanding: the winner and
the runner-up, the best offer of another seller), ranked by the one rule of sellers.selectors and
refreshed there for exactly the boxes each write touches. Each listing of the seller joins its box's
row: the offer to beat is the winner when another seller holds the box, the runner-up when the
seller does. The list page, its filters, the CSV export, the API and the dashboard read it with
joins; nothing ranks the market on a read, nothing runs one query per listing.

Plain SQL (a CTE, joins) that PostgreSQL and SQLite (`make run`) both run. The price to win is the
closed form of sellers.selectors.price_to_win: the effective price rounds half up to the cent, so
`round(p × f, 2) < R` holds exactly when `p × f < R − 0.005`; the highest such price to the cent is
`ceil(100 (R − 0.005) ÷ f) − 1` cents (tests check it against the Python rule).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, Round
from django.db.models.lookups import LessThan

from . import quality
from .models import BuyBoxStanding, Listing, Seller, buyable_q

CENT = Decimal("0.01")

# What the standing query gives per listing, in this order.
COLUMNS = ("listing_id", "price", "own_best_id", "own_price", "own_effective", "own_holds",
           "rival_price", "rival_effective", "competing", "price_to_win_cents")


def _factor_sql(score: str, warranty: str) -> str:
    """The effective-price factor of sellers.quality as SQL text (the same constants)."""
    years = (f"(CASE WHEN ({warranty} - {quality.WARRANTY_BASE_MONTHS}) / 12 > {quality.WARRANTY_MAX_YEARS} "
             f"THEN {quality.WARRANTY_MAX_YEARS} WHEN ({warranty} - {quality.WARRANTY_BASE_MONTHS}) / 12 < 0 "
             f"THEN 0 ELSE ({warranty} - {quality.WARRANTY_BASE_MONTHS}) / 12 END)")
    return (f"(({1 + quality.MAX_HANDICAP} - {quality.MAX_HANDICAP / 100} * {score}) "
            f"* (1 - {quality.WARRANTY_STEP} * {years}))")


def standing_sql(*, seller: Seller, listings=None, product_ids: list[int] | None = None) -> tuple[str, tuple]:
    """SQL (and params) of one row per listing of `listings` (default: all the seller's), in COLUMNS.

    `own_holds`: the seller's best offer on sale holds the box (`own_best_id`, the winner). `rival_*`:
    the best offer of another seller (the one to beat, or the runner-up). `competing`: other
    sellers' offers on sale in the box. `price_to_win_cents`: against the rival, the highest price in
    cents at which this listing's effective price would be lower. `product_ids`: the products of
    `listings`, when few (a page): the seller's own offers are counted on those only."""
    if listings is None:
        listings = Listing.objects.filter(seller=seller)
    listings = listings.filter(seller=seller).order_by()
    ids, id_params = listings.values("pk").query.sql_with_params()
    own = Listing.objects.filter(buyable_q(), seller=seller)
    if product_ids is not None:
        own = own.filter(product_id__in=product_ids)
    own_sql, own_params = (own.order_by().values("product_id", "grade").annotate(n=Count("pk"))
                           .values_list("product_id", "grade", "n").query.sql_with_params())
    table, boxes = Listing._meta.db_table, BuyBoxStanding._meta.db_table
    mine = "b.seller_id = %s"
    rival_effective = f"CASE WHEN {mine} THEN b.runner_up_effective_price ELSE b.effective_price END"
    factor = _factor_sql("%s", "l.warranty_months")
    # Only fixed names and the SQL Django compiled go into the text; every value is a parameter.
    sql = (
        f"WITH own (product_id, grade, n) AS ({own_sql}) "  # noqa: S608
        f"SELECT l.id, l.price, CASE WHEN {mine} THEN b.listing_id END, CASE WHEN {mine} THEN b.price END, "
        f"CASE WHEN {mine} THEN b.effective_price END, CASE WHEN {mine} THEN 1 ELSE 0 END, "
        f"CASE WHEN {mine} THEN b.runner_up_price ELSE b.price END, {rival_effective}, "
        f"COALESCE(b.offers - CASE WHEN {mine} THEN b.winner_seller_offers ELSE COALESCE(o.n, 0) END, 0), "
        f"CEILING(({rival_effective} - 0.005) * 100 / {factor}) - 1 "
        f'FROM "{table}" l '
        f'LEFT JOIN "{boxes}" b ON b.product_id = l.product_id AND b.grade = l.grade '
        f"LEFT JOIN own o ON o.product_id = l.product_id AND o.grade = l.grade "
        f"WHERE l.id IN ({ids})"
    )
    return sql, (*own_params, *(seller.pk,) * sql.count(mine), seller.quality_score, *id_params)


@dataclass(frozen=True)
class BuyBoxInsight:
    """A listing against its buy box (product × grade), as the list, the export and the API show it.

    `holds_box`: this listing wins. `own_listing_wins`: another listing of the same seller wins (not
    losing: a seller never loses to itself). `winner_*`: the offer holding the box (None when none
    is on sale). `runner_up_price`: when holding, the best offer of another seller;
    `max_winning_price` the highest price that still beats it. `price_to_win`: when not holding,
    the highest price that would beat the best other offer (None when none would).
    `competing_offers`: other sellers' offers on sale in the box."""

    listing_id: int
    price: Decimal
    holds_box: bool
    own_listing_wins: bool
    winner_price: Decimal | None
    winner_effective_price: Decimal | None
    runner_up_price: Decimal | None
    runner_up_effective_price: Decimal | None
    max_winning_price: Decimal | None
    price_to_win: Decimal | None
    competing_offers: int
    rival_price: Decimal | None = None  # the best offer of another seller, whatever the standing
    rival_effective_price: Decimal | None = None

    @property
    def standing(self) -> str:
        """In one word (the export's `buy_box` column): winning, your_other_listing, losing, no_offer."""
        if self.holds_box:
            return "winning"
        if self.own_listing_wins:
            return "your_other_listing"
        return "no_offer" if self.winner_price is None else "losing"

    @property
    def is_losing(self) -> bool:
        return not self.holds_box and not self.own_listing_wins and self.winner_price is not None

    @property
    def room_to_raise(self) -> Decimal | None:
        """When holding the box: how much more it could cost and still win ("€X more")."""
        if self.max_winning_price is None or self.max_winning_price <= self.price:
            return None
        return self.max_winning_price - self.price

    @property
    def cut_to_win(self) -> Decimal | None:
        """When losing: how much below the current price the price to win is."""
        if self.price_to_win is None or not self.is_losing:
            return None
        return max(self.price - self.price_to_win, Decimal("0.00"))


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT)


def _insight(row) -> BuyBoxInsight:
    listing_id, price, own_id, own_price, own_effective, own_holds, rival_price, rival_effective, competing, \
        ptw_cents = row
    price = _money(price)
    own_holds = bool(own_holds) and own_id is not None
    holds = own_holds and own_id == listing_id
    ptw = _money(Decimal(int(ptw_cents)) / 100) if ptw_cents is not None and ptw_cents >= 1 else None
    if own_holds:
        winner_price, winner_effective = _money(own_price), _money(own_effective)
    else:
        winner_price, winner_effective = _money(rival_price), _money(rival_effective)
    return BuyBoxInsight(
        listing_id=listing_id, price=price, holds_box=holds, own_listing_wins=own_holds and not holds,
        winner_price=winner_price, winner_effective_price=winner_effective,
        runner_up_price=_money(rival_price) if holds else None,
        runner_up_effective_price=_money(rival_effective) if holds else None,
        max_winning_price=ptw if holds else None,
        # A listing whose current price already beats the rival (offline, paused) has none to reach.
        price_to_win=ptw if not own_holds and rival_price is not None and ptw is not None and ptw < price
        else None,
        competing_offers=int(competing or 0),
        rival_price=_money(rival_price), rival_effective_price=_money(rival_effective),
    )


def position_of(listing: Listing, insight: BuyBoxInsight):
    """The insight as the single listing's BuyBoxPosition (sellers.selectors) the row templates read."""
    from .selectors import BuyBoxPosition

    mine = quality.effective_price(price=listing.price, score=listing.seller.quality_score,
                                   warranty_months=listing.warranty_months)
    return BuyBoxPosition(insight.rival_price, insight.holds_box, insight.price_to_win, mine,
                          insight.rival_effective_price, insight.own_listing_wins)


def buy_box_insights(*, seller: Seller, listings: Iterable[Listing]) -> dict[int, BuyBoxInsight]:
    """The insight of each of these listings of the seller (a page of them), in one query."""
    listings = list(listings)
    if not listings:
        return {}
    sql, params = standing_sql(seller=seller,
                               listings=Listing.objects.filter(pk__in=[x.pk for x in listings]),
                               product_ids=sorted({x.product_id for x in listings}))
    with connections[Listing.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: _insight(row) for row in cursor.fetchall()}


def buy_box_insight_all(*, seller: Seller) -> Iterator[BuyBoxInsight]:
    """The insight of every listing of the seller, by SKU, streamed in one query: the export."""
    sql, params = standing_sql(seller=seller)
    sql += " ORDER BY l.sku, l.id"
    with connections[Listing.objects.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(2000):
            yield from (_insight(row) for row in rows)


# --- The seller's standings, for filters and counts -----------------------------------------------

def _box() -> BuyBoxStanding.objects:
    """The stored buy box of the outer listing's product × grade."""
    return BuyBoxStanding.objects.filter(product_id=OuterRef("product_id"), grade=OuterRef("grade"))


def _within_percent(boxes, *, seller: Seller, percent: Decimal):
    """Boxes whose winner a price cut of less than `percent` beats: price − price to win < price × x ÷
    100, with the price to win in the closed form of the module's docstring — without working it out.

    In cents C, with x = n ÷ d and the effective-price factor f (the seller's score × the listing's
    warranty): C − ptw < C·n ÷ 100d holds exactly when ptw ≥ m = ⌊C·(100d − n) ÷ 100d⌋ + 1, and as
    ptw is the largest whole number of cents below (100·R − 0.5) ÷ f (R: the winner's effective
    price), that is m·f < 100·R − 0.5 (m ≥ 1, so the price to win is a positive price too). One
    integer division of the listing's cents and one product with one of four constants (a factor
    per warranty year, worked out here) against the box's column, where the price to win took a
    decimal division and a ceiling per listing."""
    n, d = Decimal(percent).as_integer_ratio()
    if n < 100 * d:
        cents = Cast(Round(OuterRef("price") * 100), BigIntegerField())
        least = ExpressionWrapper(cents * (100 * d - n) / (100 * d) + 1, output_field=BigIntegerField())
    else:  # a cut of 100 % or more beats any winner a positive price beats: m = 1
        least = Value(1)
    score = quality.score_factor(seller.quality_score)
    money = DecimalField(max_digits=20, decimal_places=8)
    # The warranty's full years beyond the base, as quality.warranty_years counts them.
    below = quality.WARRANTY_BASE_MONTHS + 12
    factor = Case(*(When(LessThan(OuterRef("warranty_months"), below + 12 * years),
                         then=Value(score * (1 - quality.WARRANTY_STEP * years), output_field=money))
                    for years in range(quality.WARRANTY_MAX_YEARS)),
                  default=Value(score * (1 - quality.WARRANTY_STEP * quality.WARRANTY_MAX_YEARS),
                                output_field=money), output_field=money)
    return boxes.annotate(
        least_factor=ExpressionWrapper(least * factor, output_field=money),
        bound=ExpressionWrapper(F("effective_price") * 100 - Value(Decimal("0.5"), output_field=money),
                                output_field=money),
    ).filter(least_factor__lt=F("bound"))


def standing_q(*, seller: Seller, standing: str, losing_within_percent: Decimal | None = None) -> Q:
    """A filter of the seller's listings by buy-box standing, joining the stored boxes.

    winning: holds its box. losing: another seller's offer holds the box (with
    `losing_within_percent`, only those whose price to win is less than that share below the price);
    both for listings on sale (the caller keeps those). no_competitor: no other seller has an offer on
    sale in the box."""
    if standing == "winning":
        return Q(Exists(BuyBoxStanding.objects.filter(seller=seller, listing_id=OuterRef("pk"))))
    if standing == "losing":
        boxes = _box().exclude(seller=seller)
        if losing_within_percent is not None:
            boxes = _within_percent(boxes, seller=seller, percent=losing_within_percent)
        return Q(Exists(boxes))
    if standing == "no_competitor":
        return ~Q(Exists(_box().filter(~Q(seller=seller) | Q(runner_up_listing_id__isnull=False))))
    raise ValueError(standing)


@dataclass(frozen=True)
class BoxCounts:
    """Boxes (product × grade) the seller has an offer on sale in, those it holds, and its listings
    on sale in boxes another seller holds (the "losing" filter's count)."""

    boxes_competed: int
    boxes_held: int
    losing_listings: int


def seller_box_counts(*, seller: Seller) -> BoxCounts:
    """The dashboard's buy-box figures, in one query over the seller's listings on sale and their boxes."""
    on_sale, params = (Listing.objects.filter(buyable_q(), seller=seller).order_by()
                       .values_list("product_id", "grade").query.sql_with_params())
    boxes = BuyBoxStanding._meta.db_table
    sql = (
        "SELECT COUNT(*), COALESCE(SUM(held), 0), COALESCE(SUM(losing), 0) FROM ("  # noqa: S608
        "SELECT MAX(CASE WHEN b.seller_id = %s THEN 1 ELSE 0 END) AS held, "
        "SUM(CASE WHEN b.seller_id <> %s THEN 1 ELSE 0 END) AS losing "
        f'FROM ({on_sale}) l LEFT JOIN "{boxes}" b '
        "ON b.product_id = l.product_id AND b.grade = l.grade GROUP BY l.product_id, l.grade) AS box"
    )
    with connections[Listing.objects.db].cursor() as cursor:
        cursor.execute(sql, (seller.pk, seller.pk, *params))
        competed, held, losing = cursor.fetchone()
    return BoxCounts(int(competed), int(held), int(losing))
