"""Reads about listings: the buy box (one definition, used by every page and the API).

DOMAIN.md: the winner of a product × grade is the lowest effective price (price weighed by the
seller's quality score and the listing's warranty, sellers/quality.py), ties to the higher
score, then the older listing. The effective price is a SQL annotation over the seller's stored
score, so every page ranks in the database with the same rule the scorecard publishes.

For thousands of listings at once (a seller's list, its filters, the export, the dashboard), the
set-based standings of sellers.buy_box_insight rank with this module's BUY_BOX_ORDER and
with_effective_price in one window-function query; this module answers for a page or one listing.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.db import connections
from django.db.models import F, Window
from django.db.models.functions import RowNumber

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
