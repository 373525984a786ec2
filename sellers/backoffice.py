"""Reads for the seller back office: the listing list with its filters, and the dashboard figures."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Count, DecimalField, ExpressionWrapper, F, QuerySet, Sum, Value, Window
from django.db.models.functions import Coalesce, Least, RowNumber, TruncDate
from django.utils import timezone

from .buy_box_insight import buy_box_insights, position_of, seller_box_counts
from .ledger.selectors import reason_label, with_last_stock_change
from .listing_filters import LISTING_SORTS, ListingFilters, listings_filtered  # noqa: F401 (LISTING_SORTS)
from .models import Listing, Seller, buyable_q, low_stock_q

# A listing that can win: buyable by the one definition (a suspended seller's offers cannot).
BUYABLE = buyable_q()


def seller_listings(*, seller: Seller, q: str = "", grade: str = "", status: str = "", stock: str = "",
                    buy_box: str = "", losing_within_percent=None, sort: str = "recent") -> QuerySet:
    """The seller's listings for the list page, every filter applied in SQL by the one selector
    (sellers.listing_filters.listings_filtered), with each listing's last stock change."""
    listings = listings_filtered(seller=seller, filters=ListingFilters.of({
        "q": q, "grade": grade, "status": status, "stock": stock, "buy_box": buy_box,
        "losing_within_percent": losing_within_percent, "sort": sort}))
    return with_last_stock_change(listings)


def listings_page(listings: QuerySet, *, number, per_page: int, filtered: bool = False) -> Page:
    """One page of `listings` (seller_listings) in two queries whatever the page: the page's ids
    among the narrow rows of the list in its order, then those rows with their joins. A deep page
    sorted by price (page 20 of 28,000 losing listings) sorts ids and prices, not whole rows.

    `filtered`: the list is filtered (by standing, stock…), so counting it reads every listing of the
    seller anyway: the count comes with the ids, from the same pass (a window over the rows), instead
    of a second pass. Unfiltered, the count is the index's alone and the page stops after its rows.
    SQLite (`make run`'s demo) takes the plain path with the ids read first: its parser overflows on
    the nested queries of the filter by margin to win."""
    postgresql = connections[listings.db].vendor == "postgresql"
    if not filtered or not postgresql:
        page = Paginator(listings.values("pk"), per_page).get_page(number)
        ids = page.object_list if postgresql else [row["pk"] for row in page.object_list]
    else:
        try:
            number = min(max(int(number), 1), 10**7)  # past any seller's last page, within a bigint
        except (TypeError, ValueError):
            number = 1
        # Numbered in the list's order and picked by number, not by LIMIT: the planner then plans for
        # every row (a hash join with the stored boxes), not for the first few along an index. A number
        # past the end picks the last page, as Paginator.get_page does, in the same query.
        numbered = listings.order_by().annotate(
            row_number=Window(RowNumber(), order_by=list(listings.query.order_by)), total=Window(Count("pk")))
        first = Least(Value((number - 1) * per_page), (F("total") - 1) / per_page * per_page)
        picked = numbered.filter(row_number__gt=first, row_number__lte=first + per_page)
        rows = _without_parallel_workers(picked.values_list("pk", "total", "row_number"))
        number = (rows[0][2] - 1) // per_page + 1 if rows else 1
        paginator = Paginator(listings, per_page)
        paginator.count = rows[0][1] if rows else 0
        page, ids = Page([], number, paginator), [pk for pk, _total, _n in rows]
    page.object_list = with_last_stock_change(
        Listing.objects.filter(pk__in=ids).select_related("product__model", "seller")
        .order_by(*listings.query.order_by))
    return page


def _without_parallel_workers(rows: QuerySet) -> list[tuple]:
    """The rows of a PostgreSQL query planned without parallel workers, in one round trip.

    For the selective filters (losing by less than x %, no competitor) PostgreSQL plans the filtered
    pass as a parallel scan of the whole listing table in which each of three processes hashes the
    stored boxes again; the seller's own index and one hash, as it plans "losing", take about half
    the time (80 against 127 ms for "losing by less than 5 %" on bench_h2 under load, and about 60
    against 110 at best), and the pass is one request's, on a machine serving others. SET LOCAL holds
    for the statement's implicit transaction, and is set back after it for a caller's transaction.
    Other databases (SQLite for `make run`) have no parallel workers: the rows as they are."""
    if connections[rows.db].vendor != "postgresql":
        return list(rows)
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = 0; {sql}; "
                       "SET LOCAL max_parallel_workers_per_gather TO DEFAULT", params)
        cursor.nextset()  # the SELECT's rows, after the SET's
        return cursor.fetchall()


@dataclass(frozen=True)
class ListingRow:
    listing: Listing
    position: object  # sellers.selectors.BuyBoxPosition
    urls: dict[str, str] = field(default_factory=dict)  # the row's actions by URL name, if given
    insight: object = None  # sellers.buy_box_insight.BuyBoxInsight, on the list's rows

    @property
    def last_stock_change(self) -> tuple | None:
        """(when, why in words) of the listing's last stock movement, when the list read it."""
        when = getattr(self.listing, "last_stock_change_at", None)
        return (when, reason_label(self.listing.last_stock_reason)) if when else None


def listing_rows(listings) -> list[ListingRow]:
    """Each listing of a page (one seller's) with its buy-box position and insight: runner-up, price
    to win, competing offers; one query each for the whole page."""
    listings = list(listings)
    if not listings:
        return []
    insights = buy_box_insights(seller=listings[0].seller, listings=listings)
    return [ListingRow(listing, position_of(listing, insights[listing.pk]), insight=insights[listing.pk])
            for listing in listings]


# --- Dashboard --------------------------------------------------------------------------------

SALE_STATES = ("paid", "accepted", "shipped", "delivered", "refunded")


@dataclass(frozen=True)
class DaySales:
    day: date
    orders: int
    revenue: Decimal


@dataclass
class Dashboard:
    days: list[DaySales]
    orders_total: int
    revenue_total: Decimal
    awaiting_count: int
    awaiting_orders: list
    buyable_count: int  # buy boxes (product × grade) the seller has an offer on sale in
    winning_count: int  # of those, the boxes its offer holds
    losing: list[ListingRow] = field(default_factory=list)
    losing_listings_count: int = 0
    low_stock_count: int = 0
    low_stock: list[Listing] = field(default_factory=list)

    @property
    def losing_count(self) -> int:
        return self.buyable_count - self.winning_count

    @property
    def winning_share(self) -> int | None:
        """Percentage of the boxes the seller competes in that it holds; None without any."""
        if not self.buyable_count:
            return None
        return round(100 * self.winning_count / self.buyable_count)


def sales_by_day(*, seller: Seller, days: int = 30) -> list[DaySales]:
    """Seller orders paid and revenue kept (total minus refunds) per day, zero-filled, one query."""
    from orders.models import SellerOrder

    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(timezone.datetime.combine(first, timezone.datetime.min.time()))
    revenue = ExpressionWrapper(F("total") - F("refunded_amount"),
                                output_field=DecimalField(max_digits=12, decimal_places=2))
    rows = (SellerOrder.objects.filter(seller=seller, state__in=SALE_STATES, paid_at__gte=start)
            .annotate(day=TruncDate("paid_at", tzinfo=timezone.get_current_timezone()))
            .values("day").order_by("day")
            .annotate(orders=Count("pk"), revenue=Coalesce(Sum(revenue), Decimal("0.00"))))
    by_day = {row["day"]: row for row in rows}
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = by_day.get(day)
        result.append(DaySales(day, row["orders"] if row else 0,
                               row["revenue"] if row else Decimal("0.00")))
    return result


def seller_dashboard(*, seller: Seller) -> Dashboard:
    """Every figure of the dashboard from real orders and listings, in a fixed number of queries."""
    from orders.models import SellerOrder

    days = sales_by_day(seller=seller)
    awaiting = (SellerOrder.objects.filter(seller=seller, state=SellerOrder.State.PAID)
                .select_related("order").order_by("paid_at", "pk"))
    # Boxes (product × grade), not listings: a second listing on a box the seller holds is no loss.
    boxes = seller_box_counts(seller=seller)
    losing = []
    if boxes.losing_listings:
        losing = listing_rows(seller_listings(seller=seller, buy_box="losing")[:5])
    low_stock_count, low_stock = _low_stock(seller=seller)
    return Dashboard(
        days=days, orders_total=sum(d.orders for d in days),
        revenue_total=sum((d.revenue for d in days), Decimal("0.00")),
        awaiting_count=awaiting.count(), awaiting_orders=list(awaiting[:5]),
        buyable_count=boxes.boxes_competed, winning_count=boxes.boxes_held, losing=losing,
        losing_listings_count=boxes.losing_listings, low_stock_count=low_stock_count, low_stock=low_stock,
    )


def _low_stock(*, seller: Seller, shown: int = 5) -> tuple[int, list[Listing]]:
    """How many of the seller's listings are low on stock, and the lowest few: their ids and the
    count from one pass (a window), then those rows with their product.

    For the 50,000-listing seller PostgreSQL planned the few lowest as a parallel scan of the whole
    listing table (60-70 ms on bench_h2) and the count as a second pass (13 ms); without parallel
    workers it reads the seller's rows through its (seller, sku) index in about 10 ms for both."""
    first = (Listing.objects.filter(seller=seller).filter(low_stock_q())
             .annotate(total=Window(Count("pk"))).order_by("quantity", "sku")
             .values_list("pk", "total")[:shown])
    rows = _without_parallel_workers(first)
    listings = list(Listing.objects.filter(pk__in=[pk for pk, _total in rows])
                    .select_related("product__model").order_by("quantity", "sku"))
    return (rows[0][1] if rows else 0), listings


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: DaySales


def revenue_chart(days: list[DaySales], *, width: int = 600, height: int = 180) -> dict:
    """Geometry of the server-rendered SVG bar chart of revenue per day."""
    top = max((d.revenue for d in days), default=Decimal("0")) or Decimal("1")
    slot = width / max(len(days), 1)
    bars = []
    for i, day in enumerate(days):
        bar_height = float(day.revenue / top) * (height - 10) if day.revenue else 0.0
        bars.append(Bar(x=round(i * slot + slot * 0.15, 2), y=round(height - bar_height, 2),
                        width=round(slot * 0.7, 2), height=round(bar_height, 2), day=day))
    return {"bars": bars, "width": width, "height": height, "max": top if any(d.revenue for d in days)
            else Decimal("0")}
