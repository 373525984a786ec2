"""The filters of a seller's listings, in one selector: the back-office list, the API and bulk actions.

`listings_filtered(seller=..., filters=...)` is the only place a filter is turned into SQL, so
"the 312 listings losing by less than 5 %" means the same rows on the page, in the API and in a
bulk action over the current filter. The buy-box standings come from sellers.buy_box_insight
(set-based, the one buy-box rule); stock words from the one definitions in sellers.models.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal

from django.db.models import Q, QuerySet

from .buy_box_insight import standing_q
from .models import Listing, Seller, buyable_q, in_stock_q, low_stock_q

LISTING_SORTS = {
    "recent": ("-updated_at", "-pk"),
    "price": ("price", "pk"),
    "-price": ("-price", "-pk"),
    "quantity": ("quantity", "pk"),
    "-quantity": ("-quantity", "-pk"),
    "sku": ("sku",),
    "product": ("product__model__name", "product__storage_gb", "grade", "pk"),
}
STATUSES = ("active", "paused", "archived", "all")
STOCKS = ("in", "out", "low")
# winning: holds its box; losing: on sale and another seller holds the box; no_competitor: no other
# seller's offer is on sale in the box.
BUY_BOX_STANDINGS = ("winning", "losing", "no_competitor")


@dataclass(frozen=True)
class ListingFilters:
    """What a seller filters its listings by. Empty values filter nothing.

    `losing_within_percent` (0 < x ≤ 100): losing listings whose price to win is less than x % below
    their price (the ones a small cut wins back); it implies `buy_box="losing"`."""

    q: str = ""
    grade: str = ""
    status: str = ""  # "" (active and paused), active, paused, archived, all (archived ones too)
    stock: str = ""  # in, out (nothing available), low (some available, at most the threshold)
    buy_box: str = ""  # winning, losing, no_competitor
    losing_within_percent: Decimal | None = None
    sort: str = "recent"

    @classmethod
    def of(cls, values: ListingFilters | Mapping | None) -> ListingFilters:
        if values is None:
            return cls()
        if isinstance(values, cls):
            return values
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names and v not in (None, "")})

    def __post_init__(self):
        if self.losing_within_percent is not None:
            object.__setattr__(self, "buy_box", "losing")


def listings_filtered(*, seller: Seller, filters: ListingFilters | Mapping | None = None) -> QuerySet:
    """The seller's listings matching `filters`, every filter in SQL, sorted; not yet evaluated.

    Unknown values of a choice are ignored (forms and the API validate them first)."""
    f = ListingFilters.of(filters)
    listings = Listing.objects.filter(seller=seller).select_related("product__model", "seller")
    if f.status == "archived":
        listings = listings.filter(archived_at__isnull=False)
    elif f.status != "all":
        listings = listings.filter(archived_at__isnull=True)
        if f.status == "active":
            listings = listings.filter(is_active=True)
        elif f.status == "paused":
            listings = listings.filter(is_active=False)
    if f.grade:
        listings = listings.filter(grade=f.grade)
    if f.stock == "in":
        listings = listings.filter(in_stock_q())
    elif f.stock == "out":
        listings = listings.exclude(in_stock_q())
    elif f.stock == "low":
        listings = listings.filter(low_stock_q())
    if f.q:
        listings = listings.filter(Q(sku__icontains=f.q) | Q(product__model__name__icontains=f.q)
                                   | Q(product__reference__iexact=f.q))
    if f.buy_box in ("winning", "losing"):
        # Only an offer on sale wins or loses (a suspended seller's offers cannot).
        listings = listings.filter(buyable_q()).filter(standing_q(
            seller=seller, standing=f.buy_box, losing_within_percent=f.losing_within_percent))
    elif f.buy_box == "no_competitor":
        listings = listings.filter(standing_q(seller=seller, standing="no_competitor"))
    return listings.order_by(*LISTING_SORTS.get(f.sort, LISTING_SORTS["recent"]))
