"""Stock sync, the threaded worker: a stored import applied in idempotent batches, side by side on
STOCK_IMPORT_THREADS connections (PostgreSQL), each batch validated in its thread and written by
the stock ledger's set-based bulk writer (sellers.ledger.bulk) with its movements; a stalled
import is resumed by the timed job."""

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from operator import itemgetter
from queue import Full, Queue
from threading import Event

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..buybox_watch import import_boxes_watch_later, watched_batch
from ..ledger import Reason, RowResult, StockCause, listings_apply_bulk
from ..models import Listing, Seller, StockImport
from ..price_guard import BoundsMemo
from ..webhooks import event_record
from .file_check import BATCH_SIZE, MAX_REPORTED_ERRORS, CheckedFile, _collector_paused, stock_file_check
from .kinds import STOCK, file_kind
from .rows import (
    _file_rows,
    file_references,
    incomplete_new_rows,
    leading_zero_notice,
    parse_stock_rows,
    products_by_reference,
    repeated_skus,
)

logger = logging.getLogger(__name__)


# --- The worker's job ------------------------------------------------------------------------------
@_collector_paused()
def stock_import_apply(*, stock_import_id: int) -> None:
    """Applies a stored import in idempotent batches; safe to run twice or after a killed worker.

    Each batch commits its listing changes together with the import's progress (its number among
    the batches done, counts, errors), under a lock on the import row taken last. A re-run skips
    the batches done, and a batch interrupted half-way left nothing behind. On PostgreSQL the
    batches run side by side on STOCK_IMPORT_THREADS connections: the database does most of the
    work, and one connection keeps one core busy.
    """
    stock_import = StockImport.objects.get(pk=stock_import_id)
    if stock_import.status in (StockImport.Status.DONE, StockImport.Status.FAILED):
        return
    try:
        with stock_import.file.open("rb") as handle:
            checked = stock_file_check(handle.read(), sheet=stock_import.sheet_name, kind=stock_import.kind)
    except (ValidationError, OSError, LookupError) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else _("The file could not be read.")
        with transaction.atomic():
            failed = StockImport.objects.filter(pk=stock_import.pk).exclude(status=StockImport.Status.FAILED)
            if failed.update(status=StockImport.Status.FAILED, error_message=message,
                             finished_at=timezone.now()):
                _finished_event(StockImport.objects.get(pk=stock_import.pk))
        return
    StockImport.objects.filter(pk=stock_import.pk, status=StockImport.Status.QUEUED).update(
        status=StockImport.Status.RUNNING, started_at=timezone.now(), progressed_at=timezone.now(),
        total_rows=checked.row_count)
    if stock_import.kind != STOCK:  # another kind of file (stock_sync.kinds) applies its own rows
        stock_import.refresh_from_db()
        file_kind(stock_import.kind).apply(stock_import, checked)
        return
    rows = _file_rows(checked)
    batches = [rows[start:start + BATCH_SIZE] for start in range(0, len(rows), BATCH_SIZE)]
    done = set(stock_import.batches_done)
    pending = [(number, batch) for number, batch in enumerate(batches) if number not in done]
    threads = _threads_for(len(pending))
    references = file_references(checked)
    guard_bounds = BoundsMemo()  # the price guard's bounds, once for the whole file
    if threads > 1:  # worked out on a connection of their own while this thread validates
        guard_bounds.work_out_meanwhile(lambda: products_by_reference(references)[0].values())
    notice = leading_zero_notice(checked, references)  # once per file, not per batch
    if notice and notice not in stock_import.notices:
        with transaction.atomic():
            locked = StockImport.objects.select_for_update(no_key=True).get(pk=stock_import.pk)
            locked.notices.append(notice)
            locked.save(update_fields=["notices"])

    repeated = repeated_skus(checked)
    apply = partial(_apply_batch, checked=checked, repeated=repeated,
                    stock_import_id=stock_import.pk, seller_id=stock_import.seller_id,
                    batch_count=len(batches),
                    cause=StockCause(Reason.IMPORT, stock_import_id=stock_import.pk,
                                     user_id=stock_import.uploaded_by_id),
                    guard_bounds=guard_bounds)
    moved: set[int] = set()  # the products whose offers the import changed
    apply = watched_batch(apply, moved=moved)
    if threads == 1:
        _apply_in_turn(apply, pending)
    else:
        _apply_side_by_side(apply, pending, threads=threads,
                            parse=partial(parse_stock_rows, checked, repeated=repeated))
    with transaction.atomic():
        locked = StockImport.objects.select_for_update(no_key=True).get(pk=stock_import.pk)
        if locked.status == StockImport.Status.RUNNING and len(locked.batches_done) >= len(batches):
            _finish(locked)  # an empty file, or the batches done before a crash were the last ones
    import_boxes_watch_later(stock_import_id=stock_import.pk, seller_id=stock_import.seller_id,
                             product_ids=_products_moved(moved, seller_id=stock_import.seller_id,
                                                         resumed=bool(done)))


def _products_moved(moved: set[int], *, seller_id: int, resumed: bool) -> set[int]:
    """The products whose buy boxes the import's follow-up stores again and watches (each batch
    changes the same products and leaves their boxes: buybox_watch.standings_deferred). A resumed
    import names every product the seller lists: the batches done before it are not in `moved`."""
    products = set(moved)
    if resumed:
        products.update(Listing.objects.filter(seller_id=seller_id).values_list("product_id", flat=True)
                        .distinct().order_by())
    return products


def stock_imports_resume_stalled(*, now=None) -> list[int]:
    """The timed job's part: an import queued or running with no progress for
    STOCK_IMPORT_STALL_MINUTES lost its worker (killed, or its machine gone, while the broker
    would wait an hour to redeliver). It is taken over — claimed by one guarded UPDATE, so two
    runs of the job resume it once — and applied again; the batches done are skipped, so it ends
    as one clean run would. Returns the ids resumed."""
    from ..tasks import apply_stock_import

    now = now or timezone.now()
    stalled_before = now - timedelta(minutes=settings.STOCK_IMPORT_STALL_MINUTES)
    unfinished = [StockImport.Status.QUEUED, StockImport.Status.RUNNING]
    candidates = (StockImport.objects.filter(status__in=unfinished)
                  .filter(Q(progressed_at__lt=stalled_before)
                          | Q(progressed_at__isnull=True, created_at__lt=stalled_before))
                  .values_list("pk", "progressed_at"))
    resumed = []
    for pk, progressed_at in candidates:
        claimed = StockImport.objects.filter(pk=pk, progressed_at=progressed_at) if progressed_at \
            else StockImport.objects.filter(pk=pk, progressed_at__isnull=True)
        if claimed.update(progressed_at=now):
            logger.warning("stock import %s stalled since %s: resumed", pk, progressed_at)
            resumed.append(pk)
            transaction.on_commit(partial(apply_stock_import.delay, pk))
    return resumed


def _threads_for(batch_count: int) -> int:
    """Batches run side by side only on PostgreSQL, and only outside a caller's transaction (its
    uncommitted rows are invisible to other connections)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, min(settings.STOCK_IMPORT_THREADS, batch_count))


def _apply_in_turn(apply, batches) -> None:
    for number, batch in batches:
        if not apply(number, batch):
            return


def _apply_side_by_side(apply, pending, *, threads: int, parse) -> None:
    """The batches on `threads` connections side by side, fed by this thread, which validates each
    batch in turn (pure Python) while the pool's connections write the ones before it: their SQL
    runs without the GIL, so the two overlap instead of every thread validating at once and then
    every connection writing at once. At most `threads` validated batches wait. A batch that finds
    the import stopped stops the feeding; the first error a pool thread met is raised."""
    queue: Queue = Queue(maxsize=threads)
    stopped = Event()

    def write_batches() -> None:
        try:
            while (item := queue.get()) is not None:
                number, batch, parsed = item
                if not stopped.is_set() and not apply(number, batch, parsed=parsed):
                    stopped.set()
        finally:
            connections.close_all()  # this thread's connections only

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="stock-import") as pool:
        futures = [pool.submit(write_batches) for _ in range(threads)]
        try:
            for number, batch in pending:
                if stopped.is_set() or not _put(queue, (number, batch, parse(batch)), futures):
                    break
        finally:
            for _future in futures:
                _put(queue, None, futures)
        for future in futures:
            future.result()  # raises the first error a thread met


def _put(queue: Queue, item, futures) -> bool:
    """Puts an item on the bounded queue, unless every thread that would take it has ended."""
    while True:
        try:
            queue.put(item, timeout=0.2)
            return True
        except Full:
            if all(future.done() for future in futures):
                return False


def _apply_batch(number: int, batch: Sequence[tuple[int, list[str]]], *, checked: CheckedFile,
                 repeated: dict[str, list[int]], stock_import_id: int, seller_id: int,
                 batch_count: int, cause: StockCause | None = None, parsed: tuple | None = None,
                 guard_bounds: BoundsMemo | None = None) -> bool:
    """Validates one batch of rows, applies it and records it as done, in one transaction. A batch
    already applied (by an earlier or a concurrent run) is skipped, or undone if that run committed
    it meanwhile. False once the import has stopped. `parsed`: the batch already validated (by the
    thread feeding the connections side by side)."""
    state = StockImport.objects.filter(pk=stock_import_id).values_list("status", "batches_done").first()
    if state is None or state[0] != StockImport.Status.RUNNING:
        return False
    if number in state[1]:
        return True
    good, failed = parse_stock_rows(checked, batch, repeated=repeated) if parsed is None else parsed
    with transaction.atomic():
        seller = Seller.objects.filter(pk=seller_id, status=Seller.Status.APPROVED).first()
        if seller is None:
            locked = StockImport.objects.select_for_update(no_key=True).get(pk=stock_import_id)
            if locked.status == StockImport.Status.RUNNING:
                _finish(locked, error_message=_("Only approved sellers can publish listings."))
            return False
        cause = cause or StockCause(Reason.IMPORT, stock_import_id=stock_import_id)
        good, incomplete = incomplete_new_rows(seller_id=seller_id, rows=good)
        failed += incomplete
        results = failed + listings_apply_bulk(seller=seller, rows=good, allow_create=True, cause=cause,
                                               guard_bounds=guard_bounds)
        if connection.vendor == "postgresql":
            # The deferred foreign-key checks of the new listings run now, not at commit, so the
            # lock on the import row below is held for a moment only, not while other batches wait.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # FOR NO KEY UPDATE serialises the batches' progress and, unlike FOR UPDATE, never waits
        # for a key-share lock on the import row (a foreign-key check of a row naming it): two
        # batches each holding one and asking FOR UPDATE would deadlock.
        locked = StockImport.objects.select_for_update(no_key=True).get(pk=stock_import_id)
        if locked.status != StockImport.Status.RUNNING or number in locked.batches_done:
            transaction.set_rollback(True)
            return locked.status == StockImport.Status.RUNNING
        _record(locked, results)
        locked.batches_done.append(number)
        locked.processed_rows += len(batch)
        locked.progressed_at = timezone.now()
        fields = ["batches_done", "processed_rows", "progressed_at", "created_count", "updated_count",
                  "unchanged_count", "failed_count", "held_count", "errors"]
        if len(locked.batches_done) == batch_count:  # the last batch finishes the import with it
            locked.status = StockImport.Status.DONE
            locked.finished_at = timezone.now()
            fields += ["status", "finished_at"]
        locked.save(update_fields=fields)
        if locked.status == StockImport.Status.DONE:
            _finished_event(locked)
    return True


def _record(stock_import: StockImport, results: Iterable[RowResult]) -> None:
    counts = Counter()
    failures = []
    for result in results:
        counts[result.status] += 1
        if result.status in ("failed", "held"):
            failures.append(result)
    stock_import.created_count += counts["created"]
    stock_import.updated_count += counts["updated"]
    stock_import.unchanged_count += counts["unchanged"]
    stock_import.failed_count += counts["failed"]
    stock_import.held_count += counts["held"]
    errors = stock_import.errors
    for result in failures:
        for column, messages in result.errors.items():
            errors.extend({"line": result.key, "sku": result.sku, "column": column, "reason": str(message)}
                          for message in messages)
    # Batches finish in any order: the report keeps the first errors of the file, in line order.
    errors.sort(key=itemgetter("line"))
    del errors[MAX_REPORTED_ERRORS:]


def _finish(stock_import: StockImport, *, error_message: str = "") -> None:
    stock_import.status = StockImport.Status.FAILED if error_message else StockImport.Status.DONE
    stock_import.error_message = error_message
    stock_import.finished_at = timezone.now()
    stock_import.save(update_fields=["status", "error_message", "finished_at"])
    _finished_event(stock_import)


def _finished_event(stock_import: StockImport) -> None:
    """The seller's `stock_import.finished` webhook event, in the transaction that finished it."""
    event_record(seller_id=stock_import.seller_id, type="stock_import.finished", payload={
        "stock_import_id": stock_import.pk, "status": stock_import.status,
        "error_message": str(stock_import.error_message), "total_rows": stock_import.total_rows,
        "created": stock_import.created_count, "updated": stock_import.updated_count,
        "unchanged": stock_import.unchanged_count, "failed": stock_import.failed_count})
