"""A seller's listings matching a filter, as a CSV or XLSX file with each row's buy-box insight.

A small export (at most LISTING_EXPORT_STREAM_MAX_ROWS rows) is written into the answer as it is
read. A larger one is a ListingExport built by a worker on the `imports` queue (bulk work on a
seller's stock files, like an import; it never delays e-mails, webhooks or the short `default`
tasks): the request answers at once with a page that shows the rows done, the file goes to the
private storage and its seller downloads it there (sellers.export_views) until
LISTING_EXPORT_KEEP_HOURS have passed, when the timed purge deletes it. A second request of the
same filter and format while one is queued or running — a double click, a second tab, another
member of the team — gets that export, and so does one within LISTING_EXPORT_REUSE_SECONDS after
it finished.

The file is read in one pass: the listings as tuples (values_list) from a server-side cursor, and
their insight in bulk (sellers.buy_box_insight), either for the listings read (a small export: one
query over their boxes) or as the seller's whole stream in the same SKU order, merged (a large
export: the market is ranked once, not once per chunk). The rows are in SKU order whatever the
list's sort, in the import's columns, so a file round-trips.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict
from datetime import timedelta
from decimal import Decimal
from itertools import islice
from typing import NamedTuple

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .buy_box_insight import BuyBoxInsight, buy_box_insight_all, buy_box_insights
from .exports import _DEVICE_VALUES, INSIGHT_COLUMNS, neutralise
from .listing_filters import ListingFilters, listings_filtered
from .models import Seller
from .models_export import ListingExport
from .stock_sync import COLUMNS
from .stock_sync.failed_rows import XLSX_TYPE
from .xlsx import write_xlsx

logger = logging.getLogger(__name__)

HEADER = (*COLUMNS, *INSIGHT_COLUMNS)
_VALUES = ("pk", "product_id", "sku", "product__reference", "grade", "price", "quantity", "warranty_months",
           "is_active", *_DEVICE_VALUES)
CHUNK_ROWS = 2000  # rows fetched from the cursor, written and counted at a time
# A queued or running export that has not moved for this long is taken to be dead: it is no longer
# handed out again, and the purge marks it failed.
STALLED_AFTER = timedelta(minutes=10)
CONTENT_TYPES = {ListingExport.Format.CSV: "text/csv; charset=utf-8", ListingExport.Format.XLSX: XLSX_TYPE}


class _Ref(NamedTuple):
    """What buy_box_insights reads of a listing, without a model instance."""

    pk: int
    product_id: int


# --- The filter --------------------------------------------------------------------------------

def export_filters(filters: ListingFilters | Mapping | None) -> dict[str, str]:
    """The filter as stored on an export: its non-empty values as text, without the sort (the file
    is in SKU order), numbers in one spelling (5 and 5.00 are one filter)."""
    values = asdict(ListingFilters.of(filters))
    values.pop("sort")
    stored = {}
    for name, value in values.items():
        if isinstance(value, Decimal):
            value = format(value.normalize(), "f")
        if value not in (None, ""):
            stored[name] = str(value)
    return stored


def _filters_key(filters: dict[str, str], file_format: str) -> str:
    return hashlib.sha256(json.dumps([file_format, filters], sort_keys=True).encode()).hexdigest()


def _listings(*, seller: Seller, filters: Mapping) -> QuerySet:
    """The listings of the filter, in the file's order (SKU), with no joins but the product's reference."""
    values = dict(filters)
    if values.get("losing_within_percent"):
        values["losing_within_percent"] = Decimal(values["losing_within_percent"])
    return listings_filtered(seller=seller, filters=values).select_related(None).order_by("sku", "pk")


def export_count(*, seller: Seller, filters: Mapping) -> int:
    return _listings(seller=seller, filters=export_filters(filters)).count()


# --- The rows ----------------------------------------------------------------------------------

def _money(value) -> str:
    return "" if value is None else f"{value:.2f}"


_SAID = {True: "yes", False: "no", None: ""}


def _row(values: tuple, insight: BuyBoxInsight) -> tuple:
    _pk, _product, sku, reference, grade, price, quantity, warranty, active, health, new, *device = values
    battery = "new" if new else ("" if health is None else health)
    # Only the seller's own text can start like a formula; every other cell is written by us.
    return (neutralise(sku), neutralise(reference), grade, price, quantity, warranty, _SAID[active], battery,
            *map(_SAID.__getitem__, device), insight.standing, _money(insight.winner_price),
            _money(insight.winner_effective_price), _money(insight.runner_up_price),
            _money(insight.max_winning_price), _money(insight.price_to_win), insight.competing_offers)


def _batched(rows: Iterable, size: int) -> Iterator[list]:
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def _merged(rows: Iterator[tuple], insights: Iterator[BuyBoxInsight]) -> Iterator[tuple]:
    """Each listing row with its insight, from the seller's whole insight stream in the same order.

    The listings' cursor opens first, so the insight stream (read after it) holds every listing it
    reads: listings are never deleted and their SKU never changes; the others are skipped."""
    insight = None
    for values in rows:
        while insight is None or insight.listing_id != values[0]:
            insight = next(insights, None)
            if insight is None:
                raise RuntimeError("listing export: a listing is missing from the insight stream")
        yield _row(values, insight)


def export_rows(*, seller: Seller, filters: Mapping, expected_rows: int) -> Iterator[tuple]:
    """The rows of the file, header first, in one pass (see the module's docstring)."""
    yield HEADER
    listings = _listings(seller=seller, filters=export_filters(filters))
    rows = listings.values_list(*_VALUES).iterator(chunk_size=CHUNK_ROWS)
    if expected_rows <= settings.LISTING_EXPORT_STREAM_MAX_ROWS:
        for batch in _batched(rows, CHUNK_ROWS):
            insights = buy_box_insights(seller=seller, listings=[_Ref(v[0], v[1]) for v in batch])
            yield from (_row(values, insights[values[0]]) for values in batch)
        return
    first = next(rows, None)  # the listings' cursor is open before the insight stream's (see _merged)
    if first is not None:
        yield from _merged(_chained(first, rows), buy_box_insight_all(seller=seller))


def _chained(first, rest: Iterator) -> Iterator:
    yield first
    yield from rest


def csv_chunks(rows: Iterable[tuple]) -> Iterator[str]:
    """The CSV text, a few thousand lines at a time: a BOM (spreadsheets then read UTF-8), CRLF."""
    yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for batch in _batched(rows, CHUNK_ROWS):
        writer.writerows(batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _counted(rows: Iterator[tuple], progress: Callable[[int], None]) -> Iterator[tuple]:
    """The rows (header first), telling `progress` the listings written every CHUNK_ROWS."""
    yield next(rows)
    done = 0
    for row in rows:
        yield row
        done += 1
        if not done % CHUNK_ROWS:
            progress(done)
    progress(done)


def _write(rows: Iterator[tuple], handle, file_format: str) -> None:
    if file_format == ListingExport.Format.XLSX:
        # Text cells only (sellers.xlsx): no formula, no lost zero.
        write_xlsx(([neutralise(cell) for cell in row] for row in rows), handle, title="listings")
        return
    for text in csv_chunks(rows):
        handle.write(text.encode("utf-8"))


def export_bytes_small(*, seller: Seller, filters: Mapping, expected_rows: int, file_format: str):
    """A small export's answer body: CSV text chunks to stream, or the workbook's bytes."""
    rows = export_rows(seller=seller, filters=filters, expected_rows=expected_rows)
    if file_format == ListingExport.Format.XLSX:
        buffer = io.BytesIO()
        _write(rows, buffer, file_format)
        return buffer.getvalue()
    return csv_chunks(rows)


# --- The background export -----------------------------------------------------------------------

def listing_export_request(*, seller: Seller, user, filters: Mapping, file_format: str,
                           total_rows: int) -> tuple[ListingExport, bool]:
    """The export of this filter and format: one queued, running or just finished (reused), else a
    new one, built by a worker after commit. Returns (export, whether it is new).

    The seller's row is locked while looking, so two requests at once make one export."""
    from .tasks import build_listing_export

    stored = export_filters(filters)
    key = _filters_key(stored, file_format)
    now = timezone.now()
    with transaction.atomic():
        list(Seller.objects.select_for_update().filter(pk=seller.pk).values_list("pk", flat=True))
        reusable = (Q(status=ListingExport.Status.QUEUED, created_at__gte=now - STALLED_AFTER)
                    | Q(status=ListingExport.Status.RUNNING, progressed_at__gte=now - STALLED_AFTER)
                    | Q(status=ListingExport.Status.DONE, expires_at__gt=now,
                        finished_at__gte=now - timedelta(seconds=settings.LISTING_EXPORT_REUSE_SECONDS)))
        existing = ListingExport.objects.filter(reusable, seller=seller, filters_key=key).first()
        if existing is not None:
            return existing, False
        export = ListingExport.objects.create(
            seller=seller, requested_by=user, filters=stored, filters_key=key, file_format=file_format,
            total_rows=total_rows, expires_at=now + timedelta(hours=settings.LISTING_EXPORT_KEEP_HOURS))
        transaction.on_commit(lambda: build_listing_export.delay(export.pk))
    return export, True


def listing_export_build(*, export_id: int) -> ListingExport | None:
    """Builds the export's file into the private storage, telling its progress as it goes.

    Safe to run twice: a finished, failed or expired export is left alone; a running one (its
    worker died and the task came again) is built again from the start."""
    now = timezone.now()
    claimed = ListingExport.objects.filter(
        pk=export_id, status__in=[ListingExport.Status.QUEUED, ListingExport.Status.RUNNING],
    ).update(status=ListingExport.Status.RUNNING, started_at=now, progressed_at=now, done_rows=0)
    if not claimed:
        return None
    export = ListingExport.objects.select_related("seller").get(pk=export_id)
    seller, filters = export.seller, export.filters
    total = _listings(seller=seller, filters=filters).count()
    ListingExport.objects.filter(pk=export.pk).update(total_rows=total)

    written = {"rows": 0}

    def progress(done: int) -> None:
        written["rows"] = done
        ListingExport.objects.filter(pk=export.pk).update(done_rows=done, progressed_at=timezone.now())

    started = time.perf_counter()
    try:
        rows = _counted(export_rows(seller=seller, filters=filters, expected_rows=total), progress)
        with tempfile.TemporaryFile() as handle:
            _write(rows, handle, export.file_format)
            handle.seek(0)
            export.file.save(f"{export.pk}.{export.file_format}", File(handle), save=False)
    except Exception:
        logger.exception("listing export %s failed", export.pk)
        ListingExport.objects.filter(pk=export.pk, status=ListingExport.Status.RUNNING).update(
            status=ListingExport.Status.FAILED, finished_at=timezone.now(),
            error_message="the file could not be built (see the worker's log)")
        return ListingExport.objects.get(pk=export.pk)
    finished = timezone.now()
    done = written["rows"]
    kept = ListingExport.objects.filter(pk=export.pk, status=ListingExport.Status.RUNNING).update(
        status=ListingExport.Status.DONE, file=export.file.name, done_rows=done, total_rows=done,
        finished_at=finished, progressed_at=finished,
        expires_at=finished + timedelta(hours=settings.LISTING_EXPORT_KEEP_HOURS))
    if not kept:  # purged or failed meanwhile: the file has no export to belong to
        export.file.storage.delete(export.file.name)
    logger.info("listing export %s: %s rows in %.1f s", export.pk, done, time.perf_counter() - started)
    return ListingExport.objects.get(pk=export.pk)


def listing_exports_purge() -> int:
    """Deletes the files of expired exports (the rows stay, as "expired"), and fails exports whose
    worker stopped long ago. Returns the exports expired."""
    now = timezone.now()
    ListingExport.objects.filter(
        Q(status=ListingExport.Status.QUEUED, created_at__lt=now - 3 * STALLED_AFTER)
        | Q(status=ListingExport.Status.RUNNING, progressed_at__lt=now - 3 * STALLED_AFTER),
    ).update(status=ListingExport.Status.FAILED, finished_at=now, error_message="no progress: worker stopped")
    expired = 0
    due = ListingExport.objects.filter(expires_at__lte=now).exclude(status=ListingExport.Status.EXPIRED)
    for export in due:
        if export.file.name:
            export.file.storage.delete(export.file.name)
        expired += due.filter(pk=export.pk).update(status=ListingExport.Status.EXPIRED, file="")
    return expired
