"""Reads about listings: the buy box (one definition, used by every page and the API).

DOMAIN.md: the winner of a product × grade is the lowest effective price (price weighed by the
seller's quality score and the listing's warranty, sellers/quality.py), ties to the higher
score, then the older listing. The effective price is a SQL annotation over the seller's stored
score, so every page ranks in the database with the same rule the scorecard publishes.

For thousands of listings at once (a seller's list, its filters, the export, the dashboard), the
buy box is stored per product × grade (sellers.models_buybox.BuyBoxStanding): its winner and
runner-up, ranked by this module's rule in one window-function query over the boxes a write touched
(`buy_box_standings_refresh`, the table's only writer, called after commit by
catalog.cache.products_changed); sellers.buy_box_insight joins it. This module also answers live
for a page or one listing, and `buy_box_standings_differences` proves the stored table against it.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.db import connections, transaction
from django.db.models import F, Window
from django.db.models.functions import FirstValue, RowNumber
from django.utils import timezone

from . import quality
from .models import Listing

CENT = Decimal("0.01")

# The buy-box rule. Needs the `effective_price` annotation: use with_effective_price().
BUY_BOX_ORDER = [F("effective_price").asc(), F("seller__quality_score").desc(), F("created_at").asc(),
                 F("pk").asc()]


def with_effective_price(queryset):
    """Annotates each listing with `effective_price` (to the cent), from its seller's score."""
    return queryset.annotate(effective_price=quality.effective_price_sql())


def offers_ranked() -> "Listing.objects":
    """Buyable offers in buy-box order, with their seller; the first of a product × grade wins."""
    return with_effective_price(Listing.objects.buyable().select_related("seller")).order_by(*BUY_BOX_ORDER)


def buy_boxes(*, product_ids: Iterable[int], grade: str | None = None,
              exclude_seller_id: int | None = None) -> dict[tuple[int, str], Listing]:
    """The winning listing of each (product, grade) among the given products, in one query.

    `exclude_seller_id`: the best offer of the others (the one a seller has to beat).
    """
    product_ids = list(product_ids)
    if not product_ids:
        return {}
    offers = with_effective_price(Listing.objects.buyable().filter(product_id__in=product_ids)
                                  .select_related("seller"))
    if grade is not None:
        offers = offers.filter(grade=grade)
    if exclude_seller_id is not None:
        offers = offers.exclude(seller_id=exclude_seller_id)
    return {(listing.product_id, listing.grade): listing for listing in _winners(offers)}


def _winners(offers):
    """The first offer of each product × grade in buy-box order (`offers` has effective_price).

    PostgreSQL picks it with DISTINCT ON; other databases number the rows with a window function."""
    if connections[offers.db].vendor == "postgresql":
        return offers.order_by("product_id", "grade", *BUY_BOX_ORDER).distinct("product_id", "grade")
    return offers.annotate(
        buy_box_rank=Window(RowNumber(), partition_by=[F("product_id"), F("grade")], order_by=BUY_BOX_ORDER)
    ).filter(buy_box_rank=1)


def buy_box_values(*, offers, fields: Iterable[str]) -> list[tuple]:
    """The winner of each product × grade among `offers` (a filtered Listing.objects.buyable()),
    as rows of `fields`, in one query: what the device cards read for their from-prices over a
    whole category (no model instances: a category ranks thousands of offers)."""
    return list(_winners(with_effective_price(offers)).values_list(*fields))


@dataclass(frozen=True)
class BuyBoxPosition:
    """Where a seller's listing stands against the buy box of its product and grade.

    `winner_price` is the price of the offer to beat (another seller's best), `is_winning` says
    whether this listing holds the box, `price_to_win` the highest price, to the cent, at which it
    would take the box from that offer. A listing that loses only to its own seller's other
    listing is not shown as losing: `own_listing_wins` says so, with no price to win."""

    winner_price: Decimal | None  # None: no competing offer at all
    is_winning: bool
    price_to_win: Decimal | None  # None when winning, or when no positive price would win
    effective_price: Decimal | None = None  # this listing's, at its current price
    winner_effective_price: Decimal | None = None
    own_listing_wins: bool = False


def _beats(listing: Listing, score: Decimal, price: Decimal, rival: "RankedOffer") -> bool:
    """Whether `listing` (its seller scoring `score`) at `price` ranks before `rival`."""
    mine = quality.effective_price(price=price, score=score, warranty_months=listing.warranty_months)
    return (mine, -score, listing.created_at, listing.pk) < rival.rank


def price_to_win(listing: Listing, rival: "RankedOffer", *, score: Decimal | None = None) -> Decimal | None:
    """The highest price, to the cent, at which the effective price of `listing` would beat
    (be lower than) the effective price of `rival`; None when no positive price would. Winning on
    a tie-break is not promised: it hangs on the rival's score, which moves. Checked with
    quality.effective_price, the twin of the SQL."""
    score = listing.seller.quality_score if score is None else score
    factor = quality.score_factor(score) * quality.warranty_factor(listing.warranty_months)
    # Rounding moves the effective price by at most half a cent: start a few cents above the exact
    # bound and step down to the first price that wins.
    price = (rival.effective_price / factor).quantize(CENT, ROUND_FLOOR) + 3 * CENT
    while price >= CENT:
        mine = quality.effective_price(price=price, score=score, warranty_months=listing.warranty_months)
        if mine < rival.effective_price:
            return price
        price -= CENT
    return None


def _seller_scores(listings: list[Listing]) -> dict[int, Decimal]:
    """Each listing's seller's score: from the loaded seller, else in one query for all."""
    scores = {listing.seller_id: listing.seller.quality_score for listing in listings
              if Listing.seller.is_cached(listing)}
    missing = {listing.seller_id for listing in listings} - set(scores)
    if missing:
        from .models import Seller

        scores.update(Seller.objects.filter(pk__in=missing).values_list("pk", "quality_score"))
    return scores


@dataclass(frozen=True)
class RankedOffer:
    """What the buy-box rule reads of an offer (no model instance: a page ranks thousands)."""

    pk: int
    seller_id: int
    score: Decimal
    price: Decimal
    effective_price: Decimal
    created_at: object

    @property
    def rank(self) -> tuple:
        return (self.effective_price, -self.score, self.created_at, self.pk)


def _best_offer_of_each_seller(*, product_ids: set[int]) -> dict[tuple[int, str], list[RankedOffer]]:
    """For each product × grade, each seller's best buyable offer, in buy-box order: the first is
    the winner, the second (another seller's) the one the winner's seller must beat. One query,
    read as plain values (a page of a big seller's listings ranks a thousand offers)."""
    if not product_ids:
        return {}
    offers = (with_effective_price(Listing.objects.buyable().filter(product_id__in=product_ids))
              .order_by("product_id", "grade", "seller_id", *BUY_BOX_ORDER))
    if connections[offers.db].vendor == "postgresql":
        offers = offers.distinct("product_id", "grade", "seller_id")
    rows = offers.values_list("product_id", "grade", "pk", "seller_id", "seller__quality_score", "price",
                              "effective_price", "created_at")
    found: dict[tuple[int, str], list[RankedOffer]] = {}
    seen = set()
    for product_id, grade, pk, seller_id, score, price, effective, created_at in rows:
        if (product_id, grade, seller_id) not in seen:  # the first is its best
            seen.add((product_id, grade, seller_id))
            found.setdefault((product_id, grade), []).append(
                RankedOffer(pk, seller_id, score, price, effective, created_at))
    for row in found.values():
        row.sort(key=lambda o: o.rank)
    return found


def buy_box_positions(listings: Iterable[Listing]) -> dict[int, BuyBoxPosition]:
    """The buy-box position of each listing, for all of them in one query (PostgreSQL)."""
    listings = list(listings)
    if not listings:
        return {}
    best = _best_offer_of_each_seller(product_ids={listing.product_id for listing in listings})
    scores = _seller_scores(listings)
    positions = {}
    for listing in listings:
        score = scores[listing.seller_id]
        mine = quality.effective_price(price=listing.price, score=score,
                                       warranty_months=listing.warranty_months)
        offers = best.get((listing.product_id, listing.grade), [])
        winner = offers[0] if offers else None
        if winner is not None and winner.seller_id == listing.seller_id:
            rival = offers[1] if len(offers) > 1 else None
            is_winning = winner.pk == listing.pk
            own = not is_winning
        else:
            rival, is_winning, own = winner, False, False
        if rival is None:
            positions[listing.pk] = BuyBoxPosition(None, is_winning, None, mine, None, own)
            continue
        beats = is_winning or _beats(listing, score, listing.price, rival)
        positions[listing.pk] = BuyBoxPosition(
            rival.price, is_winning, None if beats or own else price_to_win(listing, rival, score=score),
            mine, rival.effective_price, own)
    return positions


# --- The buy box stored per box ----------------------------------------------------------------------
STANDING_FIELDS = ("product_id", "grade", "listing_id", "seller_id", "price", "effective_price",
                   "runner_up_listing_id", "runner_up_seller_id", "runner_up_price",
                   "runner_up_effective_price", "offers", "winner_seller_offers")


def _standings_sql(product_ids: list[int] | None) -> tuple[str, tuple]:
    """SQL (and params) of one row per product × grade with an offer on sale, in STANDING_FIELDS and
    the time of the refresh (the last parameter, given by the caller): the
    offers ranked once by BUY_BOX_ORDER; the first wins, the first of another seller is the runner-up.
    Plain SQL that PostgreSQL and SQLite (`make run`) both run."""
    offers = Listing.objects.buyable()
    if product_ids is not None:
        offers = offers.filter(product_id__in=product_ids)
    box = [F("product_id"), F("grade")]
    ranked = with_effective_price(offers.order_by()).annotate(
        box_rank=Window(RowNumber(), partition_by=box, order_by=BUY_BOX_ORDER),
        top_seller=Window(FirstValue("seller_id"), partition_by=box, order_by=BUY_BOX_ORDER),
    ).values_list("pk", "product_id", "grade", "seller_id", "price", "effective_price", "box_rank",
                  "top_seller")
    ranked_sql, params = ranked.query.sql_with_params()
    # Only fixed names and the SQL Django compiled go into the text; every value is a parameter.
    sql = (
        "WITH ranked (id, product_id, grade, seller_id, price, effective, box_rank, top_seller) "  # noqa: S608
        f"AS ({ranked_sql}), "
        "box AS (SELECT product_id, grade, COUNT(*) AS offers, "
        "SUM(CASE WHEN seller_id = top_seller THEN 1 ELSE 0 END) AS own, "
        "MIN(CASE WHEN seller_id <> top_seller THEN box_rank END) AS runner_up_rank "
        "FROM ranked GROUP BY product_id, grade) "
        "SELECT w.product_id, w.grade, w.id, w.seller_id, w.price, w.effective, "
        "r.id, r.seller_id, r.price, r.effective, b.offers, b.own, %s "
        "FROM box b JOIN ranked w ON w.product_id = b.product_id AND w.grade = b.grade AND w.box_rank = 1 "
        "LEFT JOIN ranked r ON r.product_id = b.product_id AND r.grade = b.grade "
        "AND r.box_rank = b.runner_up_rank"
    )
    return sql, params


def _lock_boxes(cursor, product_ids: list[int]) -> None:
    """Serialises refreshes of the same products (row locks, however many): a refresh then reads
    every write committed before the one that ran last, so the last refresh of a box leaves it right."""
    if cursor.db.vendor != "postgresql":
        return
    from catalog.models import Product

    table = Product._meta.db_table
    cursor.execute(f'SELECT id FROM "{table}" WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE',  # noqa: S608
                   [product_ids])


def buy_box_standings_refresh(*, product_ids: Iterable[int] | None = None) -> int:
    """Stores the buy box of every grade of these products (None: of every product) as the rule ranks
    it now, set-based: the boxes' rows replaced in one transaction. The only writer of
    BuyBoxStanding; catalog.cache.products_changed calls it after every write to offers commits.
    Returns the number of boxes with an offer on sale."""
    from .buybox_watch import standings_are_deferred
    from .models import BuyBoxStanding

    ids = None if product_ids is None else sorted({int(pk) for pk in product_ids})
    if ids == [] or (ids is not None and standings_are_deferred()):
        return 0  # none, or a stock import's batch: the import stores its boxes once when it is done
    db = Listing.objects.db
    table = BuyBoxStanding._meta.db_table
    select, params = _standings_sql(ids)
    columns = ", ".join(STANDING_FIELDS + ("refreshed_at",))
    with transaction.atomic(using=db), connections[db].cursor() as cursor:
        if cursor.db.vendor == "postgresql":
            if ids is not None:
                _lock_boxes(cursor, ids)
            cursor.execute(_standings_merge_sql(table, select, columns, scoped=ids is not None),
                           (*params, timezone.now(), *([ids] if ids is not None else [])))
            return cursor.fetchone()[0]
        if ids is None:
            cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608
        else:
            BuyBoxStanding.objects.using(db).filter(product_id__in=ids).delete()
        cursor.execute(f'INSERT INTO "{table}" ({columns}) {select}', (*params, timezone.now()))  # noqa: S608
        return cursor.rowcount


def _standings_merge_sql(table: str, select: str, columns: str, *, scoped: bool) -> str:
    """PostgreSQL: the ranked boxes merged into the table in one statement — a box gone is deleted, a
    new one inserted, and a stored one rewritten only if something in it changed (its refreshed_at
    then says when). Most refreshes change few of their boxes: rewriting every row would leave as
    many dead rows as boxes at each refresh, for vacuum to clear and every reader to skip."""
    kept = STANDING_FIELDS[2:]
    scope = "t.product_id = ANY(%s) AND " if scoped else ""
    return (
        f"WITH fresh ({columns}) AS MATERIALIZED ({select}), "  # noqa: S608 - fixed names, values are parameters
        f'gone AS (DELETE FROM "{table}" t WHERE {scope}NOT EXISTS (SELECT 1 FROM fresh f '
        "WHERE f.product_id = t.product_id AND f.grade = t.grade)), "
        f'merged AS (INSERT INTO "{table}" AS t ({columns}) SELECT {columns} FROM fresh '
        "ON CONFLICT (product_id, grade) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in (*kept, "refreshed_at"))
        + " WHERE " + " OR ".join(f"t.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in kept)
        + " RETURNING 1) SELECT COUNT(*) FROM fresh"
    )


def buy_box_standings_differences(*, product_ids: Iterable[int] | None = None) -> list[str]:
    """Where the stored standings differ from the rule applied now, from scratch (buy_boxes for the
    winners, each seller's best offer for the runner-up, offers counted): one line per box."""
    from .models import BuyBoxStanding

    stored = BuyBoxStanding.objects.all()
    if product_ids is not None:
        product_ids = sorted(set(product_ids))
        stored = stored.filter(product_id__in=product_ids)
    stored = {(row[0], row[1]): row for row in stored.values_list(*STANDING_FIELDS)}
    offers = Listing.objects.buyable()
    if product_ids is not None:
        offers = offers.filter(product_id__in=product_ids)
    counts: dict[tuple[int, str], dict[int, int]] = {}
    for product_id, grade, seller_id in offers.values_list("product_id", "grade", "seller_id"):
        by_seller = counts.setdefault((product_id, grade), {})
        by_seller[seller_id] = by_seller.get(seller_id, 0) + 1
    products = {product_id for product_id, _grade in counts}
    winners = buy_boxes(product_ids=products)
    bests = _best_offer_of_each_seller(product_ids=products)
    expected = {}
    for key, winner in winners.items():
        runner_up = next((o for o in bests[key] if o.seller_id != winner.seller_id), None)
        expected[key] = (*key, winner.pk, winner.seller_id, winner.price, winner.effective_price,
                         *((runner_up.pk, runner_up.seller_id, runner_up.price, runner_up.effective_price)
                           if runner_up else (None, None, None, None)),
                         sum(counts[key].values()), counts[key][winner.seller_id])
    return [f"box {key[0]}/{key[1]}: stored {stored.get(key)}, expected {expected.get(key)}"
            for key in sorted(stored.keys() | expected.keys()) if stored.get(key) != expected.get(key)]
