"""Stock sync in bulk: CSV checking and parsing, per-row validation, and set-based apply.

The same rules as sellers.services (the validate_* helpers) are enforced row by row in Python, each
distinct cell value of a column checked once; the rows that pass are then written with a few
statements per batch, never one query per row. On PostgreSQL a batch is streamed with COPY into a
temporary staging table and applied from there: one statement matching it to the seller's
listings (written back to the staging table), one locking read of the listings that change (in
primary-key order), one UPDATE ... FROM the staging table and one INSERT ... SELECT ... ON CONFLICT
DO NOTHING. Unchanged listings are neither locked nor written. Other databases (SQLite under
`make run`) take a portable path through the ORM's bulk_update and bulk_create. The CSV import and
the API's bulk endpoint share `listings_apply_bulk`.
"""
import csv
import gc
import hashlib
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter, itemgetter
from queue import Empty, SimpleQueue

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.cache import products_changed
from catalog.models import Product

from .models import MIN_WARRANTY_MONTHS, Listing, Seller, StockImport
from .services import (
    validate_grade,
    validate_price,
    validate_quantity,
    validate_sku,
    validate_warranty,
)

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
    """Checks the file, stores it under a generated name and queues the worker that applies it."""
    from .tasks import apply_stock_import

    checked = stock_file_check(data)
    stock_import = StockImport(seller=seller, uploaded_by=uploaded_by, original_name=name[:255],
                               sha256=checked.sha256, total_rows=checked.row_count)
    stock_import.file.save("upload.csv", ContentFile(data), save=False)
    stock_import.save()
    transaction.on_commit(lambda: apply_stock_import.delay(stock_import.pk))
    return stock_import


# --- Rows: parsing and validation with the services' rules ---------------------------------------
@dataclass(slots=True)
class RowInput:
    """One row to apply. None means "not given": keep the listing's value (or the default)."""

    key: int  # line number in the file, or the item index in an API call
    sku: str
    product_id: int | None = None
    product_active: bool = True
    grade: str | None = None
    price: object = None
    quantity: int | None = None
    warranty_months: int | None = None
    is_active: bool | None = None


@dataclass(slots=True)
class RowResult:
    key: int
    sku: str
    status: str  # created | updated | unchanged | failed
    errors: dict[str, list[str]] = field(default_factory=dict)
    listing_id: int | None = None


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


# --- Applying rows in bulk -------------------------------------------------------------------------
# Raw SQL names the table; this keeps it honest if the model's table ever moves.
assert Listing._meta.db_table == "sellers_listing"


def listings_apply_bulk(*, seller: Seller, rows: Sequence[RowInput], allow_create: bool) -> list[RowResult]:
    """Applies already-validated rows to the seller's listings with a few set-based statements.

    Must run inside a transaction: the seller's listings that change are locked (in primary-key
    order, as every stock writer does) so `allocated` cannot move while quantities are checked.
    A row may change price, quantity, warranty and active flag; product and grade of an existing
    SKU never change, and quantity never drops below the units allocated to orders. Unchanged
    listings are neither locked nor written (their updated_at stays). After commit, the cached
    pages of the products whose listings were created or changed are invalidated.
    """
    if not rows:
        return []
    assert connection.in_atomic_block, "listings_apply_bulk must run inside transaction.atomic"
    apply = _apply_postgresql if connection.vendor == "postgresql" else _apply_portable
    results, changed_product_ids = apply(seller=seller, rows=rows, allow_create=allow_create,
                                         now=timezone.now())
    if changed_product_ids:
        transaction.on_commit(partial(products_changed, sorted(changed_product_ids)))
    results.sort(key=lambda result: result.key)
    return results


def _failed_not_yours(row: RowInput) -> RowResult:
    return RowResult(row.key, row.sku, "failed", {"sku": [
        _("You have no listing with the SKU %(sku)s.") % {"sku": row.sku}]})


def _failed_product_inactive(row: RowInput) -> RowResult:
    return RowResult(row.key, row.sku, "failed", {"product_reference": [
        _("This product is not sold on the marketplace.")]})


def _failed_identity(row: RowInput, listing_id: int) -> RowResult:
    return RowResult(row.key, row.sku, "failed", {"sku": [
        _("The SKU %(sku)s is already used for another product or grade; product and grade "
          "of a listing cannot change.") % {"sku": row.sku}]}, listing_id)


def _failed_allocated(row: RowInput, listing_id: int, allocated: int) -> RowResult:
    return RowResult(row.key, row.sku, "failed", {"quantity": [
        _("%(allocated)s units are already sold and waiting to ship; the quantity cannot be "
          "lower.") % {"allocated": allocated}]}, listing_id)


def _failed_created_meanwhile(row: RowInput) -> RowResult:
    return RowResult(row.key, row.sku, "failed", {"sku": [
        _("A listing with the SKU %(sku)s was created meanwhile; upload again.") % {"sku": row.sku}]})


# PostgreSQL: COPY into a staging table, then set-based statements joined to it. The staging table
# lives until the end of the transaction (a batch); it is emptied first in case an enclosing
# transaction already holds one from an earlier batch.
_STAGE_SQL = (
    "CREATE TEMP TABLE IF NOT EXISTS listing_stage (key integer NOT NULL, sku varchar(64) NOT NULL, "
    "product_id bigint, product_active boolean NOT NULL, grade varchar(10), price numeric(10, 2), "
    "quantity integer, warranty_months smallint, is_active boolean, listing_id bigint, "
    "changes boolean NOT NULL DEFAULT false) ON COMMIT DROP; TRUNCATE listing_stage"
)
_COPY_SQL = ("COPY listing_stage (key, sku, product_id, product_active, grade, price, quantity, "
             "warranty_months, is_active) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (sku))")
_STAGED_FIELDS = attrgetter("key", "sku", "product_id", "product_active", "grade", "price", "quantity",
                            "warranty_months", "is_active")
# 1. Each row against the seller's listing with that SKU, written back to the staging table: its
#    listing, whether it names another product or grade, whether it would change anything (a NULL
#    in the staging table keeps the listing's value). Nested loops are off until step 4: right
#    after a large import the statistics still say the seller has almost no listings, and the
#    planner would probe the seller_id index once per staged row (minutes instead of a fraction of
#    a second). A hash join is one pass over the seller's listings, whatever the statistics say.
_COMPARE_SQL = (
    "SET LOCAL enable_nestloop = off; "
    "UPDATE listing_stage AS s SET listing_id = l.id, changes = "
    "NOT (s.product_id IS NOT NULL AND (l.product_id <> s.product_id OR l.grade <> s.grade)) "
    "AND (COALESCE(s.price, l.price), COALESCE(s.quantity, l.quantity), "
    "COALESCE(s.warranty_months, l.warranty_months), COALESCE(s.is_active, l.is_active)) "
    "IS DISTINCT FROM (l.price, l.quantity, l.warranty_months, l.is_active) "
    "FROM sellers_listing AS l WHERE l.seller_id = %s AND l.sku = s.sku "
    "RETURNING s.key, l.id, "
    "s.product_id IS NOT NULL AND (l.product_id <> s.product_id OR l.grade <> s.grade), "
    "(COALESCE(s.price, l.price), COALESCE(s.quantity, l.quantity), "
    "COALESCE(s.warranty_months, l.warranty_months), COALESCE(s.is_active, l.is_active)) "
    "IS DISTINCT FROM (l.price, l.quantity, l.warranty_months, l.is_active)"
)
# 2. The listings that change, locked in primary-key order. They are named by an array of their
#    ids, so the planner reads exactly those rows through the primary key: a join to the staging
#    table would be planned from a guess (a temporary table has no statistics) and read the whole
#    listing table, every seller's, once per batch.
_LOCK_SQL = (
    "SELECT id, allocated FROM sellers_listing WHERE id = ANY(%s) ORDER BY id FOR UPDATE"
)
# 3. The locked listings that still differ (a concurrent writer may have set the same values),
#    still without nested loops: the staging table has no statistics, and a nested loop probing
#    the id array once per staged row would cost rows × rows.
_UPDATE_SQL = (
    "UPDATE sellers_listing AS l SET price = COALESCE(s.price, l.price), "
    "quantity = COALESCE(s.quantity, l.quantity), "
    "warranty_months = COALESCE(s.warranty_months, l.warranty_months), "
    "is_active = COALESCE(s.is_active, l.is_active), updated_at = %s "
    "FROM listing_stage AS s WHERE l.id = ANY(%s) AND l.id = s.listing_id "
    "AND COALESCE(s.quantity, l.quantity) >= l.allocated "
    "AND (COALESCE(s.price, l.price), COALESCE(s.quantity, l.quantity), "
    "COALESCE(s.warranty_months, l.warranty_months), COALESCE(s.is_active, l.is_active)) "
    "IS DISTINCT FROM (l.price, l.quantity, l.warranty_months, l.is_active) "
    "RETURNING l.id, l.product_id"
)
# 4. The new SKUs of products on sale. A plain INSERT, about an eighth faster than one with
#    ON CONFLICT (no speculative insertion per row); if someone else created one of these SKUs
#    since step 1, it fails on the unique index and runs again with ON CONFLICT DO NOTHING, which
#    leaves that listing alone.
_INSERT_SQL = (
    "SET LOCAL enable_nestloop TO DEFAULT; "
    "INSERT INTO sellers_listing (seller_id, product_id, grade, sku, price, quantity, allocated, "
    "warranty_months, is_active, created_at, updated_at) "
    "SELECT %s, s.product_id, s.grade, s.sku, s.price, s.quantity, 0, "
    "COALESCE(s.warranty_months, %s), COALESCE(s.is_active, true), %s, %s "
    "FROM listing_stage AS s WHERE s.listing_id IS NULL AND s.product_active ORDER BY s.key "
    "{on_conflict}RETURNING sku, id, product_id"
)
_ON_CONFLICT = "ON CONFLICT (seller_id, sku) DO NOTHING "
_PLANNER_RESET_SQL = "SET LOCAL enable_nestloop TO DEFAULT"


def _apply_postgresql(*, seller: Seller, rows: Sequence[RowInput], allow_create: bool,
                      now) -> tuple[list[RowResult], set[int]]:
    by_key = {row.key: row for row in rows}
    buffer = io.StringIO()
    # CSV: an empty unquoted field is NULL ("not given"), except a SKU, which stays a string.
    csv.writer(buffer, lineterminator="\n").writerows(map(_STAGED_FIELDS, rows))
    buffer.seek(0)
    results: list[RowResult] = []
    changed_product_ids: set[int] = set()
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_SQL)
        cursor.copy_expert(_COPY_SQL, buffer)

        cursor.execute(_COMPARE_SQL, [seller.pk])
        matched: set[int] = set()
        differing: dict[int, int] = {}  # listing id -> row key
        for key, listing_id, other_identity, differs in cursor.fetchall():
            matched.add(key)
            row = by_key[key]
            if other_identity:
                results.append(_failed_identity(row, listing_id))
            elif differs:
                differing[listing_id] = key
            else:
                results.append(RowResult(key, row.sku, "unchanged", listing_id=listing_id))
        planner_reset = False

        # 2. Lock the listings that change, in primary-key order; none may drop below its allocated
        #    units (the UPDATE checks the same on the locked rows).
        if differing:
            cursor.execute(_LOCK_SQL, [sorted(differing)])
            for listing_id, allocated in cursor.fetchall():
                row = by_key[differing[listing_id]]
                if row.quantity is not None and row.quantity < allocated:
                    results.append(_failed_allocated(row, listing_id, allocated))
                    del differing[listing_id]
            cursor.execute(_UPDATE_SQL, [now, list(differing)])
            updated = dict(cursor.fetchall())
            changed_product_ids.update(updated.values())
            for listing_id, key in differing.items():
                status = "updated" if listing_id in updated else "unchanged"
                results.append(RowResult(key, by_key[key].sku, status, listing_id=listing_id))

        to_create: list[RowInput] = []
        for row in rows:
            if row.key in matched:
                continue
            if not allow_create:
                results.append(_failed_not_yours(row))
            elif not row.product_active:
                results.append(_failed_product_inactive(row))
            else:
                to_create.append(row)
        if to_create:
            params = [seller.pk, MIN_WARRANTY_MONTHS, now, now]
            try:
                with transaction.atomic():
                    cursor.execute(_INSERT_SQL.format(on_conflict=""), params)
            except IntegrityError:  # a SKU created meanwhile
                cursor.execute(_INSERT_SQL.format(on_conflict=_ON_CONFLICT), params)
            planner_reset = True
            inserted = cursor.fetchall()
            changed_product_ids.update(map(itemgetter(2), inserted))
            created = dict(map(itemgetter(0, 1), inserted))  # sku -> listing id
            results += [RowResult(row.key, row.sku, "created", listing_id=created[row.sku])
                        if row.sku in created else _failed_created_meanwhile(row) for row in to_create]
        if not planner_reset:
            cursor.execute(_PLANNER_RESET_SQL)
    return results, changed_product_ids


# Other databases (SQLite for `make run`): the same rules through the ORM, a few hundred rows per
# statement. SQLite has no row locks; its writers take the whole database in turn.
_PORTABLE_CHUNK = 500


def _chunks(items: Sequence, size: int = _PORTABLE_CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _apply_portable(*, seller: Seller, rows: Sequence[RowInput], allow_create: bool,
                    now) -> tuple[list[RowResult], set[int]]:
    fields = ("id", "sku", "product_id", "grade", "price", "quantity", "allocated", "warranty_months",
              "is_active")
    existing = {}
    for skus in _chunks([row.sku for row in rows]):
        for record in (Listing.objects.select_for_update().filter(seller=seller, sku__in=skus)
                       .order_by("pk").values_list(*fields)):
            existing[record[1]] = record

    results: list[RowResult] = []
    to_update: list[Listing] = []
    to_create: list[RowInput] = []
    changed_product_ids: set[int] = set()
    for row in rows:
        current = existing.get(row.sku)
        if current is None:
            if not allow_create:
                results.append(_failed_not_yours(row))
            elif not row.product_active:
                results.append(_failed_product_inactive(row))
            else:
                to_create.append(row)
            continue
        pk, _sku, product_id, grade, price, quantity, allocated, warranty, is_active = current
        if row.product_id is not None and (row.product_id != product_id or row.grade != grade):
            results.append(_failed_identity(row, pk))
            continue
        if row.quantity is not None and row.quantity < allocated:
            results.append(_failed_allocated(row, pk, allocated))
            continue
        new = (
            price if row.price is None else row.price,
            quantity if row.quantity is None else row.quantity,
            warranty if row.warranty_months is None else row.warranty_months,
            is_active if row.is_active is None else row.is_active,
        )
        if new == (price, quantity, warranty, is_active):
            results.append(RowResult(row.key, row.sku, "unchanged", listing_id=pk))
        else:
            to_update.append(Listing(pk=pk, price=new[0], quantity=new[1], warranty_months=new[2],
                                     is_active=new[3], updated_at=now))
            changed_product_ids.add(product_id)
            results.append(RowResult(row.key, row.sku, "updated", listing_id=pk))

    if to_update:
        Listing.objects.bulk_update(to_update, ["price", "quantity", "warranty_months", "is_active",
                                                "updated_at"], batch_size=_PORTABLE_CHUNK)
    if to_create:
        Listing.objects.bulk_create([
            Listing(seller=seller, product_id=row.product_id, grade=row.grade, sku=row.sku, price=row.price,
                    quantity=row.quantity, allocated=0,
                    warranty_months=row.warranty_months or MIN_WARRANTY_MONTHS,
                    is_active=True if row.is_active is None else row.is_active,
                    created_at=now, updated_at=now)
            for row in to_create], batch_size=_PORTABLE_CHUNK, ignore_conflicts=True)
        created = {}
        for skus in _chunks([row.sku for row in to_create]):
            created.update((sku, (pk, product_id)) for sku, pk, product_id in Listing.objects.filter(
                seller=seller, sku__in=skus).values_list("sku", "pk", "product_id"))
        for row in to_create:
            if row.sku in created and created[row.sku][1] == row.product_id:
                listing_id, product_id = created[row.sku]
                changed_product_ids.add(product_id)
                results.append(RowResult(row.key, row.sku, "created", listing_id=listing_id))
            else:
                results.append(_failed_created_meanwhile(row))
    return results, changed_product_ids


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
        status=StockImport.Status.RUNNING, started_at=timezone.now(), total_rows=checked.row_count)

    rows = _file_rows(checked)
    batches = [rows[start:start + BATCH_SIZE] for start in range(0, len(rows), BATCH_SIZE)]
    done = set(stock_import.batches_done)
    pending = [(number, batch) for number, batch in enumerate(batches) if number not in done]
    apply = partial(_apply_batch, checked=checked, repeated=repeated_skus(checked),
                    stock_import_id=stock_import.pk, seller_id=stock_import.seller_id,
                    batch_count=len(batches))
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
        locked = StockImport.objects.select_for_update().get(pk=stock_import.pk)
        if locked.status == StockImport.Status.RUNNING and len(locked.batches_done) >= len(batches):
            _finish(locked)  # an empty file, or the batches done before a crash were the last ones


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
                 batch_count: int) -> bool:
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
            locked = StockImport.objects.select_for_update().get(pk=stock_import_id)
            if locked.status == StockImport.Status.RUNNING:
                _finish(locked, error_message=_("Only approved sellers can publish listings."))
            return False
        results = failed + listings_apply_bulk(seller=seller, rows=good, allow_create=True)
        if connection.vendor == "postgresql":
            # The deferred foreign-key checks of the new listings run now, not at commit, so the
            # lock on the import row below is held for a moment only, not while other batches wait.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        locked = StockImport.objects.select_for_update().get(pk=stock_import_id)
        if locked.status != StockImport.Status.RUNNING or number in locked.batches_done:
            transaction.set_rollback(True)
            return locked.status == StockImport.Status.RUNNING
        _record(locked, results)
        locked.batches_done.append(number)
        locked.processed_rows += len(batch)
        fields = ["batches_done", "processed_rows", "created_count", "updated_count", "unchanged_count",
                  "failed_count", "errors"]
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

