"""Reads of the stock ledger for the seller: a listing's history, the seller's movements (feed and
export) and each listing's last stock change, every one scoped to its seller."""
from datetime import datetime

from django.db.models import F, OuterRef, QuerySet, Subquery, Sum, Window

from ..models import Seller, StockMovement

_CAUSES = ("stock_import", "seller_order", "order", "api_key", "user")


def listing_movements(*, listing) -> QuerySet:
    """The listing's movements, newest first, each with the quantity and available units just after it
    (a running sum in SQL, so a page of the history reads one query)."""
    running = {"order_by": [F("id").asc()]}
    return (StockMovement.objects.filter(listing=listing)
            .select_related(*_CAUSES, "trade_in")  # the trade-in a "trade-in received" names (tradein)
            .annotate(quantity_after=Window(Sum("quantity_delta"), **running),
                      available_after=Window(Sum(F("quantity_delta") - F("allocated_delta")), **running))
            .order_by("-id"))


def seller_movements(*, seller: Seller, after_id: int | None = None, since: datetime | None = None,
                     until: datetime | None = None) -> QuerySet:
    """The seller's movements in ledger order (oldest first), from one index range: after a cursor
    (the last id read) and/or within [since, until)."""
    movements = StockMovement.objects.filter(seller=seller).select_related("listing").order_by("id")
    if after_id is not None:
        movements = movements.filter(id__gt=after_id)
    if since is not None:
        movements = movements.filter(created_at__gte=since)
    if until is not None:
        movements = movements.filter(created_at__lt=until)
    return movements


def with_last_stock_change(listings: QuerySet) -> QuerySet:
    """Each listing with when and why its stock last changed (two correlated subqueries on the
    ledger's (listing, -id) index, in the list's own query: no query per row)."""
    last = StockMovement.objects.filter(listing=OuterRef("pk")).order_by("-id")
    return listings.annotate(last_stock_change_at=Subquery(last.values("created_at")[:1]),
                             last_stock_reason=Subquery(last.values("reason")[:1]))


def reason_label(reason: str | None) -> str:
    return str(StockMovement.Reason(reason).label) if reason in StockMovement.Reason.values else ""
