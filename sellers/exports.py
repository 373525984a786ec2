"""CSV files for sellers: their listings in the import format, import error reports, the template.

Every cell that a spreadsheet would run as a formula (starting with = + - @ tab or CR) is
prefixed with an apostrophe; the import removes that prefix again, so files round-trip.
"""
import csv
import io
from collections.abc import Iterable, Iterator
from itertools import chain

from catalog.models import Product

from .buy_box_insight import buy_box_insight_all
from .models import Listing, Seller
from .stock_sync import COLUMNS, FORMULA_PREFIXES

TEMPLATE_EXAMPLE = ("GREEN-IP13-128-BLK-A", "0194252707272", "excellent", "429.90", "7", "12", "yes",
                    "92", "no", "yes", "no", "yes", "yes")
_DEVICE_VALUES = ("battery_health", "battery_new", "includes_charger", "includes_cable", "includes_box",
                  "is_unlocked", "has_esim")


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    if text and text[0] in FORMULA_PREFIXES:
        return "'" + text
    return text


def _csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Yields the CSV text line by line, so a large export streams instead of filling memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff"  # a BOM, so spreadsheet programs read the file as UTF-8
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# After the import's columns (which the import reads back), where each listing stands against its buy
# box (sellers.buy_box_insight): columns the import ignores, so the file still round-trips.
INSIGHT_COLUMNS = ("buy_box", "buy_box_price", "buy_box_effective_price", "runner_up_price",
                   "max_winning_price", "price_to_win", "competing_offers")


def listings_export_lines(*, seller: Seller) -> Iterator[str]:
    """All of the seller's listings (archived ones too), in the import's columns and order, then
    their buy-box insight."""
    return _csv_lines(listings_export_rows(seller=seller))


def listings_export_rows(*, seller: Seller) -> Iterator[tuple]:
    """The rows of the export (header first), also for the XLSX export: two streams in SKU order,
    the listings and their insight (one query each, whatever the number of listings)."""
    rows = (Listing.objects.filter(seller=seller).order_by("sku", "pk")
            .values_list("pk", "sku", "product__reference", "grade", "price", "quantity", "warranty_months",
                         "is_active", *_DEVICE_VALUES).iterator(chunk_size=5000))
    return _export_rows(rows, buy_box_insight_all(seller=seller))


def _money_cell(value) -> str:
    return "" if value is None else f"{value:.2f}"


def _export_rows(rows, insights) -> Iterator[tuple]:
    yield (*COLUMNS, *INSIGHT_COLUMNS)
    said = {True: "yes", False: "no", None: ""}
    for (pk, sku, reference, grade, price, quantity, warranty, active, health, new, *device), insight \
            in zip(rows, insights, strict=True):
        if insight.listing_id != pk:  # both streams are in SKU order: a mismatch is a bug, not data
            raise RuntimeError("listing export: insight out of step")
        battery = "new" if new else ("" if health is None else health)
        yield (sku, reference, grade, price, quantity, warranty, said[active], battery,
               *map(said.__getitem__, device), insight.standing, _money_cell(insight.winner_price),
               _money_cell(insight.winner_effective_price), _money_cell(insight.runner_up_price),
               _money_cell(insight.max_winning_price), _money_cell(insight.price_to_win),
               insight.competing_offers)


def template_example() -> tuple:
    """The template's example row, naming a product of the catalog: the example's iPhone 13 when
    the catalog has it (the demo's does), else the first product a seller can list."""
    reference = TEMPLATE_EXAMPLE[1]
    listable = Product.objects.filter(is_active=True, model__is_published=True)
    if not listable.filter(reference=reference).exists():
        reference = listable.order_by("pk").values_list("reference", flat=True).first() or reference
    return (TEMPLATE_EXAMPLE[0], reference, *TEMPLATE_EXAMPLE[2:])


def template_lines() -> Iterator[str]:
    return _csv_lines([COLUMNS, template_example()])


MOVEMENT_COLUMNS = ("date", "sku", "reason", "quantity_change", "allocated_change", "stock_import",
                    "seller_order", "api_key", "user")


def movements_export_lines(*, movements) -> Iterator[str]:
    """Stock movements (a queryset in ledger order, with their listings) as CSV, streamed."""
    from .ledger.selectors import reason_label

    rows = movements.select_related("api_key", "user").iterator(chunk_size=2000)
    yield from _csv_lines(chain([MOVEMENT_COLUMNS], (
        (m.created_at.isoformat(), m.listing.sku, reason_label(m.reason), m.quantity_delta, m.allocated_delta,
         m.stock_import_id or "", m.seller_order_id or "", m.api_key.name if m.api_key else "",
         m.user.email if m.user else "")
        for m in rows)))

