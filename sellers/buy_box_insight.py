"""Where each of a seller's listings stands against its buy box, for thousands of listings at once.

One set-based query, built on the buy-box rule of sellers.selectors (with_effective_price and
BUY_BOX_ORDER, the one ranking): for each product × grade the seller lists, a window function
ranks the offers on sale and keeps two rows, the seller's own best offer and the best offer of the
other sellers, each with its rank in the box (1 holds it) and the number of competing offers. Each
listing of the seller then joins those two rows. The list page, its filters, the CSV export, the
API and the dashboard read it; nothing runs one query per listing.

Plain SQL (a CTE, window functions, joins) that PostgreSQL and SQLite (`make run`) both run. The
price to win is the closed form of sellers.selectors.price_to_win: the effective price rounds half
up to the cent, so `round(p × f, 2) < R` holds exactly when `p × f < R − 0.005`; the highest such
price to the cent is `ceil(100 (R − 0.005) ÷ f) − 1` cents (tests check it against the Python rule).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    RowRange,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from . import quality
from .models import Listing, Seller
from .selectors import BUY_BOX_ORDER, with_effective_price

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


def _box_bests(*, seller_id: int, listings, product_ids: list[int] | None) -> tuple[str, tuple]:
    """SQL (and params) of the two best offers of each product × grade of `listings`: the seller's
    own and the others', with their rank in the box and the number of competing offers."""
    mine = Q(seller_id=seller_id)
    boxes = listings.filter(product_id=OuterRef("product_id"), grade=OuterRef("grade"))
    offers = Listing.objects.buyable().filter(Exists(boxes))
    if product_ids is not None:  # a page of listings: read only its products' offers (by the index)
        offers = offers.filter(product_id__in=product_ids)
    offers = with_effective_price(offers.order_by())
    box = [F("product_id"), F("grade")]
    # Every window reads the box in buy-box order, so one sort serves them all: the running count of
    # the seller's own offers tells each side's first (its best) without a second ranking.
    offers = offers.annotate(
        is_own=ExpressionWrapper(mine, output_field=BooleanField()),
        box_rank=Window(RowNumber(), partition_by=box, order_by=BUY_BOX_ORDER),
        own_so_far=Window(Sum(Case(When(mine, then=Value(1)), default=Value(0))), partition_by=box,
                          order_by=BUY_BOX_ORDER, frame=RowRange(start=None, end=0)),
        competing=Window(Sum(Case(When(mine, then=Value(0)), default=Value(1))), partition_by=box),
    ).annotate(
        side_rank=Case(When(mine, then=F("own_so_far")), default=F("box_rank") - F("own_so_far")),
    ).filter(side_rank=1).values_list("pk", "product_id", "grade", "is_own", "price", "effective_price",
                                      "box_rank", "competing")
    return offers.query.sql_with_params()


def standing_sql(*, seller: Seller, listings=None, product_ids: list[int] | None = None) -> tuple[str, tuple]:
    """SQL (and params) of one row per listing of `listings` (default: all the seller's), in COLUMNS.

    `own_holds`: the seller's best offer on sale holds the box. `rival_*`: the best offer of
    another seller (the one to beat, or the runner-up). `price_to_win_cents`: against the rival,
    the highest price in cents at which this listing's effective price would be lower."""
    if listings is None:
        listings = Listing.objects.filter(seller=seller)
    listings = listings.filter(seller=seller).order_by()
    bests, best_params = _box_bests(seller_id=seller.pk, listings=listings, product_ids=product_ids)
    ids, id_params = listings.values("pk").query.sql_with_params()
    table = Listing._meta.db_table
    factor = _factor_sql("%s", "l.warranty_months")
    # Only fixed names and the SQL Django compiled go into the text; every value is a parameter.
    sql = (
        f"WITH best (id, product_id, grade, is_own, price, effective, box_rank, competing) AS ({bests}) "  # noqa: S608
        f"SELECT l.id, l.price, o.id, o.price, o.effective, CASE WHEN o.box_rank = 1 THEN 1 ELSE 0 END, "
        f"r.price, r.effective, "
        f"COALESCE(o.competing, r.competing, 0), "
        f"CASE WHEN r.id IS NOT NULL THEN CEILING((r.effective - 0.005) * 100 / {factor}) - 1 END "
        f'FROM "{table}" l '
        f"LEFT JOIN best o ON o.product_id = l.product_id AND o.grade = l.grade AND o.is_own "
        f"LEFT JOIN best r ON r.product_id = l.product_id AND r.grade = l.grade AND NOT r.is_own "
        f"WHERE l.id IN ({ids})"
    )
    return sql, (*best_params, seller.quality_score, *id_params)


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

@dataclass(frozen=True)
class Standings:
    """Which of a seller's listings win, lose or stand alone, and how many boxes it holds.

    `losing`: (listing id, price in cents, price to win in cents or None) of each listing whose box
    another seller holds. Boxes: a product × grade where the seller has an offer on sale."""

    winning: frozenset[int]
    losing: tuple[tuple[int, int, int | None], ...]
    no_competitor: frozenset[int]
    boxes_competed: int
    boxes_held: int

    def losing_ids(self, *, within_percent: Decimal | None = None) -> list[int]:
        """Losing listings; with `within_percent`, those whose price to win is less than that share
        below their price (price − price to win < price × x ÷ 100)."""
        if within_percent is None:
            return [pk for pk, _price, _ptw in self.losing]
        # In integers, exactly: (price − ptw) ÷ price < n ÷ (100 d), for tens of thousands of listings.
        n, d = Decimal(within_percent).as_integer_ratio()
        return [pk for pk, price, ptw in self.losing
                if ptw is not None and (price - ptw) * 100 * d < price * n]


def _cents(value) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


def standings_compute(*, seller: Seller) -> Standings:
    """The seller's standings from the standing query over all its listings (one query)."""
    winning, losing, alone = set(), [], set()
    competed, held = set(), set()
    for row in _standing_rows(seller=seller):
        listing_id, price, own_id, _own_price, _own_eff, own_holds, rival_price, _rival_eff, _n, ptw = row
        if own_id is not None:
            competed.add(own_id)
            if own_holds:
                held.add(own_id)
        if own_holds and own_id == listing_id:
            winning.add(listing_id)
        elif own_id is not None and not own_holds and rival_price is not None:
            losing.append((listing_id, _cents(price), int(ptw) if ptw is not None and ptw >= 1 else None))
        if rival_price is None:
            alone.add(listing_id)
    return Standings(frozenset(winning), tuple(losing), frozenset(alone), len(competed), len(held))


def _standing_rows(*, seller: Seller) -> Iterator[tuple]:
    sql, params = standing_sql(seller=seller)
    with connections[Listing.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            yield from rows


STANDINGS_KEY = "sellers:standings:{}"
STANDINGS_TTL = 60 * 60  # a safety net: the key holds the offers generation


def seller_standings(*, seller: Seller) -> Standings:
    """The seller's standings, computed once per generation of all offers.

    Every writer of offers bumps that generation after commit (catalog.cache.products_changed: listing
    services, stock sync, orders' allocations, seller status and score), so a cached value is never
    older than the last change; a big seller's standings rank the whole market (seconds at 50,000
    listings), its pages then read them in one cache round trip."""
    from catalog.cache import generations

    _catalog, offers = generations()
    key = STANDINGS_KEY.format(seller.pk)
    stamp = (offers, str(seller.quality_score))
    cached = cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    value = standings_compute(seller=seller)
    cache.set(key, (stamp, value), STANDINGS_TTL)
    return value


class _InArray(Func):
    """`pk = ANY(<one array parameter>)` on PostgreSQL: one placeholder, not one per id (a big seller
    loses thousands of boxes), and a hashed test the planner can apply while it walks an index in
    the page's order."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s::bigint[]))"
    output_field = BooleanField()


def _ids_q(ids):
    ids = sorted(ids)
    if ids and connections[Listing.objects.db].vendor == "postgresql":
        # As one text literal: PostgreSQL plans '{1,2,…}'::bigint[] six times faster than ARRAY[1,2,…].
        return _InArray(F("pk"), Value("{" + ",".join(map(str, ids)) + "}", output_field=CharField()))
    return Q(pk__in=ids)


def standing_q(*, seller: Seller, standing: str, losing_within_percent: Decimal | None = None) -> Q:
    """A filter of the seller's listings by buy-box standing (see Standings).

    winning: holds its box. losing: another seller's offer holds the box (with
    `losing_within_percent`, only those whose price to win is less than that share below the price).
    no_competitor: no other seller has an offer on sale in the box."""
    standings = seller_standings(seller=seller)
    if standing == "winning":
        return _ids_q(standings.winning)
    if standing == "losing":
        return _ids_q(standings.losing_ids(within_percent=losing_within_percent))
    if standing == "no_competitor":
        return _ids_q(standings.no_competitor)
    raise ValueError(standing)
