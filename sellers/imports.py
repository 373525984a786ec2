"""Stock sync in bulk: CSV checking and parsing, per-row validation, and the import worker.

The same rules as sellers.services (the validate_* helpers) are enforced row by row in Python, each
distinct cell value of a column checked once; the rows that pass are applied by the stock ledger's
bulk writer (sellers.ledger.bulk.listings_apply_bulk, shared with the API's bulk endpoint), which
writes them and their stock movements set-based, never one query per row.
"""
import csv
import gc
import hashlib
import io
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from operator import itemgetter
from queue import Empty, SimpleQueue

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product

from .ledger import Reason, RowInput, RowResult, StockCause, listings_apply_bulk
from .models import Seller, StockImport
from .permissions import Perm, member_user_require
from .services import (
    validate_grade,
    validate_price,
    validate_quantity,
    validate_sku,
    validate_warranty,
)

logger = logging.getLogger(__name__)

# The documented file format, in the order of the template and the export.
COLUMNS = ("sku", "product_reference", "grade", "price", "quantity", "warranty_months", "active")
REQUIRED_COLUMNS = ("sku", "product_reference", "grade", "price", "quantity")
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# Rows per committed batch: large enough for set-based statements to pay off, small enough for the
# progress bar to move and for a killed worker to lose little.
BATCH_SIZE = 25_000
MAX_REPORTED_ERRORS = 10_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TRUE_WORDS = {"1", "true", "yes", "y", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "off"}


# --- Checking the file at upload: refuse at once, with a clear message ---------------------------
@dataclass(frozen=True)
class CheckedFile:
    text: str
    delimiter: str
    columns: tuple[str, ...]
    row_count: int
    sha256: str
    # The non-blank data rows as (line number, cells), so the worker does not parse the text twice.
    rows: tuple[tuple[int, list[str]], ...] = field(default=(), repr=False, compare=False)


@contextmanager
def _collector_paused():
    """Pauses Python's cycle collector: while a large file's rows pile up it would re-scan every one
    of them again and again (half the parsing time), and those rows hold no reference cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def normalise_header(name: str) -> str:
    return name.strip().strip('"').lower().replace(" ", "_").replace("-", "_")


def _has_data(row: list[str]) -> bool:
    """False for a row of blank cells, which is skipped (most rows are told by their first cell)."""
    return bool(row) and bool(row[0].strip() or "".join(row).strip())


@_collector_paused()
def stock_file_check(data: bytes) -> CheckedFile:
    """Decodes and checks a whole upload; raises ValidationError({"file": ...}) if it is not ours."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError({"file": _("The file is larger than %(max)s MB; split it into smaller files.")
                               % {"max": MAX_FILE_BYTES // (1024 * 1024)}})
    if not data.strip():
        raise ValidationError({"file": _("The file is empty.")})
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ValidationError({"file": _("This is a spreadsheet file, not a CSV. In your spreadsheet "
                                         "program choose “Save as” › “CSV UTF-8”.")})
    if b"\x00" in data[:65536] or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ValidationError({"file": _("This is not a text CSV file (it contains binary data).")})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ValidationError({"file": _("The file is not UTF-8 text (first bad character on line "
                                         "%(line)s). Save it as “CSV UTF-8” and upload it again.")
                               % {"line": line}}) from exc
    if "\x00" in text:
        raise ValidationError({"file": _("This is not a text CSV file (it contains binary data).")})
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
        header = next(reader, None)
        columns = tuple(normalise_header(name) for name in header or ())
        _check_header(columns)
        rows = [(reader.line_num, row) for row in reader if _has_data(row)]
    except csv.Error as exc:
        raise ValidationError({"file": _("The file is not a valid CSV (line %(line)s: %(reason)s).")
                               % {"line": reader.line_num, "reason": exc}}) from exc
    if not rows:
        raise ValidationError({"file": _("The file has a header but no rows.")})
    if len(rows) > MAX_ROWS:  # the file is at most MAX_FILE_BYTES: reading it all first is bounded
        raise ValidationError({"file": _("The file has more than %(max)s rows; split it.")
                               % {"max": f"{MAX_ROWS:,}"}})
    return CheckedFile(text=text, delimiter=delimiter, columns=columns, row_count=len(rows),
                       sha256=hashlib.sha256(data).hexdigest(), rows=tuple(rows))


def _check_header(columns: tuple[str, ...]) -> None:
    expected = ", ".join(COLUMNS)
    if not columns or not any(columns):
        raise ValidationError({"file": _("The file has no header row. The first line must name the "
                                         "columns: %(columns)s.") % {"columns": expected}})
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    unknown = [name for name in columns if name not in COLUMNS]
    duplicated = sorted({name for name in columns if columns.count(name) > 1})
    if missing or unknown or duplicated:
        parts = []
        if missing:
            parts.append(_("missing: %(names)s") % {"names": ", ".join(missing)})
        if unknown:
            parts.append(_("unknown: %(names)s") % {"names": ", ".join(n or "(empty)" for n in unknown)})
        if duplicated:
            parts.append(_("repeated: %(names)s") % {"names": ", ".join(duplicated)})
        raise ValidationError({"file": _("Wrong header (%(problems)s). The columns are: %(columns)s.")
                               % {"problems": "; ".join(parts), "columns": expected}})


@transaction.atomic
def stock_import_create(*, seller: Seller, uploaded_by, name: str, data: bytes) -> StockImport:
    """Checks the file, stores it under a generated name and queues the worker that applies it.
    A member uploading needs a role that changes stock."""
    from .tasks import apply_stock_import

    member_user_require(user_id=getattr(uploaded_by, "pk", None), seller_id=seller.pk,
                        permission=Perm.LISTINGS_WRITE)
    checked = stock_file_check(data)
    stock_import = StockImport(seller=seller, uploaded_by=uploaded_by, original_name=name[:255],
                               sha256=checked.sha256, total_rows=checked.row_count)
    stock_import.file.save("upload.csv", ContentFile(data), save=False)
    stock_import.save()
    transaction.on_commit(lambda: apply_stock_import.delay(stock_import.pk))
    return stock_import


# --- Rows: parsing and validation with the services' rules ---------------------------------------
def unquote_formula(value: str) -> str:
    """Undoes the export's formula neutralisation so an exported file imports back unchanged."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_PREFIXES:
        return value[1:]
    return value


def _parse_active(value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError({"active": _("Enter yes or no (or true/false, 1/0).")})


def _decimal_text(value: str) -> str:
    value = value.strip()
    # "249,90" from a semicolon-separated European spreadsheet means 249.90.
    if value.count(",") == 1 and "." not in value:
        value = value.replace(",", ".")
    return value


def _errors_of(exc: ValidationError, default_column: str) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {key: [message for error in errors for message in error.messages]
                for key, errors in exc.error_dict.items()}
    return {default_column: exc.messages}


# The checked columns in the order their errors are reported: (column, check, required). An optional
# column left empty (or missing) keeps the listing's value. RowInput takes them in this order too.
_CELL_CHECKS = (
    ("grade", validate_grade, True),
    ("price", lambda value: validate_price(_decimal_text(value)), True),
    ("quantity", validate_quantity, True),
    ("warranty_months", validate_warranty, False),
    ("active", _parse_active, False),
)
_NOT_GIVEN = (None, None)


def _check_cell(check, column: str, required: bool, raw: str) -> tuple:
    """(value, None) or (None, errors by column) for one raw cell; (None, None) when not given."""
    value = unquote_formula(raw.strip())
    if not value and not required:
        return _NOT_GIVEN
    try:
        return check(value), None
    except ValidationError as exc:
        return None, _errors_of(exc, column)


def _checked_column(cells: list[str], check, column: str, required: bool) -> tuple[list[tuple], set[int]]:
    """The outcome of each cell of a column, and the rows whose cell failed. The validators are
    pure, so each distinct raw value is checked once (a file has few distinct grades, prices or
    quantities); a Decimal is made once."""
    outcomes = {raw: _check_cell(check, column, required, raw) for raw in set(cells)}
    bad = {raw for raw, (_value, errors) in outcomes.items() if errors}
    return list(map(outcomes.__getitem__, cells)), _rows_with(cells, bad)


def _rows_with(cells: list, bad: set) -> set[int]:
    """The indexes of the cells holding one of the bad values (usually none: no scan at all)."""
    return {index for index, cell in enumerate(cells) if cell in bad} if bad else set()


def _checked_sku(sku: str) -> tuple:
    try:
        return validate_sku(sku), None
    except ValidationError as exc:
        return None, _errors_of(exc, "sku")


def _file_rows(checked: CheckedFile) -> tuple[tuple[int, list[str]], ...]:
    if checked.rows:
        return checked.rows
    # A CheckedFile built by hand, without its parsed rows.
    reader = csv.reader(io.StringIO(checked.text), delimiter=checked.delimiter)
    next(reader)
    return tuple((reader.line_num, row) for row in reader if _has_data(row))


def _skus(cells: Iterable[str]) -> list[str]:
    """The SKUs of raw cells: stripped, and un-neutralised where the export quoted a formula."""
    return [unquote_formula(sku) if sku[:1] == "'" else sku for sku in map(str.strip, cells)]


def repeated_skus(checked: CheckedFile) -> dict[str, list[int]]:
    """The SKUs on several lines of the file, with those lines: each such row is refused."""
    sku_at, width = checked.columns.index("sku"), len(checked.columns)
    sized = [(line, row) for line, row in _file_rows(checked) if len(row) == width]
    skus = _skus(map(itemgetter(sku_at), map(itemgetter(1), sized)))
    counts = Counter(skus)
    repeated = {sku for sku, count in counts.items() if count > 1 and sku}  # a blank SKU has its own error
    if not repeated:
        return {}
    lines_of_sku: dict[str, list[int]] = defaultdict(list)
    for (line, _row), sku in zip(sized, skus, strict=True):
        if sku in repeated:
            lines_of_sku[sku].append(line)
    return lines_of_sku


def parse_stock_rows(checked: CheckedFile, rows: Sequence[tuple[int, list[str]]] | None = None, *,
                     repeated: dict[str, list[int]] | None = None) -> tuple[list[RowInput], list[RowResult]]:
    """The data rows of the file, validated: the good ones to apply, the bad ones with reasons.

    rows: a part of the file's rows (all of them by default), with `repeated` found in the whole
    file by `repeated_skus`. Column by column: each column's distinct values are checked once, the
    few rows holding a bad value are found, and only those are looked at one by one (to gather
    their reasons)."""
    if rows is None:
        rows = _file_rows(checked)
    if repeated is None:
        repeated = repeated_skus(checked)
    columns = checked.columns
    width = len(columns)
    sku_at = columns.index("sku")

    failed: list[RowResult] = []
    sized: list[list[str]] = []  # rows with every column
    lines: list[int] = []
    for line, row in rows:
        if len(row) != width:
            sku = unquote_formula(row[sku_at].strip()) if len(row) > sku_at else ""
            failed.append(RowResult(line, sku, "failed", {"row": [
                _("Expected %(expected)s columns, found %(found)s.")
                % {"expected": width, "found": len(row)}]}))
            continue
        sized.append(row)
        lines.append(line)

    skus = _skus(map(itemgetter(sku_at), sized))
    sku_outcomes = list(map(_checked_sku, skus))
    bad_rows = {index for index, (_value, errors) in enumerate(sku_outcomes) if errors}
    bad_rows |= _rows_with(skus, repeated)

    raw_references = list(map(itemgetter(columns.index("product_reference")), sized))
    reference_of = {raw: unquote_formula(raw.strip()) for raw in set(raw_references)}
    references = set(reference_of.values()) - {""}
    found = Product.objects.filter(reference__in=references).values_list("reference", "id", "is_active")
    products, active_products = {}, set()
    for reference, pk, is_active in (found if references else ()):
        products[reference] = pk
        if is_active:
            active_products.add(pk)
    product_of_raw = {raw: products.get(reference) for raw, reference in reference_of.items()}
    product_ids = list(map(product_of_raw.__getitem__, raw_references))
    bad_rows |= _rows_with(raw_references, {raw for raw, pk in product_of_raw.items() if pk is None})

    cells = []
    for column, check, required in _CELL_CHECKS:
        if column in columns:
            outcomes, bad = _checked_column(list(map(itemgetter(columns.index(column)), sized)),
                                            check, column, required)
            cells.append(outcomes)
            bad_rows |= bad
        else:
            cells.append([_NOT_GIVEN] * len(sized))

    good = [
        RowInput(line, sku[0], product_id, product_id in active_products,
                 grade[0], price[0], quantity[0], warranty[0], active[0])
        for index, (line, sku, product_id, grade, price, quantity, warranty, active)
        in enumerate(zip(lines, sku_outcomes, product_ids, *cells, strict=True))
        if index not in bad_rows
    ]
    for index in sorted(bad_rows):
        sku = skus[index]
        errors: dict[str, list[str]] = dict(sku_outcomes[index][1] or {})
        for column_outcomes in cells:
            for key, messages in (column_outcomes[index][1] or {}).items():
                errors.setdefault(key, []).extend(messages)
        reference = reference_of[raw_references[index]]
        if not reference:
            errors["product_reference"] = [_("Enter the product reference (EAN or MPN).")]
        elif product_ids[index] is None:
            errors["product_reference"] = [_("No product in the catalog has the reference %(ref)s.")
                                           % {"ref": reference}]
        if sku in repeated:
            errors.setdefault("sku", []).append(
                _("The SKU %(sku)s appears on several lines (%(lines)s); keep one.")
                % {"sku": sku, "lines": ", ".join(map(str, repeated[sku]))})
        failed.append(RowResult(lines[index], sku, "failed", errors))
    return good, failed


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
            checked = stock_file_check(handle.read())
    except (ValidationError, OSError) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else _("The file could not be read.")
        StockImport.objects.filter(pk=stock_import.pk).update(
            status=StockImport.Status.FAILED, error_message=message, finished_at=timezone.now())
        return
    StockImport.objects.filter(pk=stock_import.pk, status=StockImport.Status.QUEUED).update(
        status=StockImport.Status.RUNNING, started_at=timezone.now(), progressed_at=timezone.now(),
        total_rows=checked.row_count)

    rows = _file_rows(checked)
    batches = [rows[start:start + BATCH_SIZE] for start in range(0, len(rows), BATCH_SIZE)]
    done = set(stock_import.batches_done)
    pending = [(number, batch) for number, batch in enumerate(batches) if number not in done]
    apply = partial(_apply_batch, checked=checked, repeated=repeated_skus(checked),
                    stock_import_id=stock_import.pk, seller_id=stock_import.seller_id,
                    batch_count=len(batches),
                    cause=StockCause(Reason.IMPORT, stock_import_id=stock_import.pk,
                                     user_id=stock_import.uploaded_by_id))
    threads = _threads_for(len(pending))
    if threads == 1:
        _apply_in_turn(apply, pending)
    else:
        queue: SimpleQueue = SimpleQueue()
        for item in pending:
            queue.put(item)
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="stock-import") as pool:
            futures = [pool.submit(_apply_from_queue, apply, queue) for _ in range(threads)]
            for future in futures:
                future.result()  # raises the first error a thread met
    with transaction.atomic():
        locked = StockImport.objects.select_for_update(no_key=True).get(pk=stock_import.pk)
        if locked.status == StockImport.Status.RUNNING and len(locked.batches_done) >= len(batches):
            _finish(locked)  # an empty file, or the batches done before a crash were the last ones


def stock_imports_resume_stalled(*, now=None) -> list[int]:
    """The timed job's part: an import queued or running with no progress for
    STOCK_IMPORT_STALL_MINUTES lost its worker (killed, or its machine gone, while the broker
    would wait an hour to redeliver). It is taken over — claimed by one guarded UPDATE, so two
    runs of the job resume it once — and applied again; the batches done are skipped, so it ends
    as one clean run would. Returns the ids resumed."""
    from .tasks import apply_stock_import

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


def _apply_from_queue(apply, queue: SimpleQueue) -> None:
    """A pool thread: the next batch from the queue until none is left or the import stopped, on a
    database connection of the thread's own, closed at the end."""
    try:
        while True:
            try:
                number, batch = queue.get_nowait()
            except Empty:
                return
            if not apply(number, batch):
                return
    finally:
        connections.close_all()  # this thread's connections only


def _apply_batch(number: int, batch: Sequence[tuple[int, list[str]]], *, checked: CheckedFile,
                 repeated: dict[str, list[int]], stock_import_id: int, seller_id: int,
                 batch_count: int, cause: StockCause | None = None) -> bool:
    """Validates one batch of rows, applies it and records it as done, in one transaction. A batch
    already applied (by an earlier or a concurrent run) is skipped, or undone if that run committed
    it meanwhile. False once the import has stopped. Batches side by side validate in Python while
    another's SQL runs."""
    state = StockImport.objects.filter(pk=stock_import_id).values_list("status", "batches_done").first()
    if state is None or state[0] != StockImport.Status.RUNNING:
        return False
    if number in state[1]:
        return True
    good, failed = parse_stock_rows(checked, batch, repeated=repeated)
    with transaction.atomic():
        seller = Seller.objects.filter(pk=seller_id, status=Seller.Status.APPROVED).first()
        if seller is None:
            locked = StockImport.objects.select_for_update(no_key=True).get(pk=stock_import_id)
            if locked.status == StockImport.Status.RUNNING:
                _finish(locked, error_message=_("Only approved sellers can publish listings."))
            return False
        cause = cause or StockCause(Reason.IMPORT, stock_import_id=stock_import_id)
        results = failed + listings_apply_bulk(seller=seller, rows=good, allow_create=True, cause=cause)
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
                  "unchanged_count", "failed_count", "errors"]
        if len(locked.batches_done) == batch_count:  # the last batch finishes the import with it
            locked.status = StockImport.Status.DONE
            locked.finished_at = timezone.now()
            fields += ["status", "finished_at"]
        locked.save(update_fields=fields)
    return True


def _record(stock_import: StockImport, results: Iterable[RowResult]) -> None:
    counts = Counter()
    failures = []
    for result in results:
        counts[result.status] += 1
        if result.status == "failed":
            failures.append(result)
    stock_import.created_count += counts["created"]
    stock_import.updated_count += counts["updated"]
    stock_import.unchanged_count += counts["unchanged"]
    stock_import.failed_count += counts["failed"]
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


def decode_upload(upload) -> bytes:
    """Reads an uploaded file, refusing one over the size limit before reading it all."""
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise ValidationError({"file": _("The file is larger than %(max)s MB; split it into smaller files.")
                               % {"max": MAX_FILE_BYTES // (1024 * 1024)}})
    return upload.read()

