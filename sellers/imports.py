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
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
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
        rows: list[tuple[int, list[str]]] = []
        for row in reader:
            if "".join(row).strip():  # a row of blank cells is skipped
                rows.append((reader.line_num, row))
                if len(rows) > MAX_ROWS:
                    raise ValidationError({"file": _("The file has more than %(max)s rows; split it.")
                                           % {"max": f"{MAX_ROWS:,}"}})
    except csv.Error as exc:
        raise ValidationError({"file": _("The file is not a valid CSV (line %(line)s: %(reason)s).")
                               % {"line": reader.line_num, "reason": exc}}) from exc
    if not rows:
        raise ValidationError({"file": _("The file has a header but no rows.")})
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


def _checked_column(cells: list[str], check, column: str, required: bool) -> list[tuple]:
    """The outcome of each cell of a column. The validators are pure, so each distinct raw value is
    checked once (a file has few distinct grades, prices or quantities); a Decimal is made once."""
    outcomes = {raw: _check_cell(check, column, required, raw) for raw in set(cells)}
    return list(map(outcomes.__getitem__, cells))


def parse_stock_rows(checked: CheckedFile) -> tuple[list[RowInput], list[RowResult]]:
    """Every data row of the file, validated: the good ones to apply, the bad ones with reasons."""
    rows = checked.rows
    if not rows:  # a CheckedFile built by hand, without its parsed rows
        reader = csv.reader(io.StringIO(checked.text), delimiter=checked.delimiter)
        next(reader)
        rows = tuple((reader.line_num, row) for row in reader if "".join(row).strip())
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

    # Column by column: each distinct value is cleaned and checked once.
    skus = [unquote_formula(row[sku_at].strip()) for row in sized]
    reference_at = columns.index("product_reference")
    reference_of = {raw: unquote_formula(raw.strip()) for raw in {row[reference_at] for row in sized}}
    references = set(reference_of.values()) - {""}
    products = dict(Product.objects.filter(reference__in=references)
                    .values_list("reference", "id")) if references else {}
    active_products = set(Product.objects.filter(id__in=products.values(), is_active=True)
                          .values_list("id", flat=True)) if products else set()
    cells = [
        _checked_column([row[columns.index(column)] for row in sized], check, column, required)
        if column in columns else [_NOT_GIVEN] * len(sized)
        for column, check, required in _CELL_CHECKS
    ]
    sku_counts = Counter(skus)
    lines_of_sku: dict[str, list[int]] = defaultdict(list)
    for line, sku in zip(lines, skus, strict=True):
        if sku_counts[sku] > 1:
            lines_of_sku[sku].append(line)

    good: list[RowInput] = []
    for line, row, sku, grade, price, quantity, warranty, active in zip(
            lines, sized, skus, *cells, strict=True):
        try:
            sku_value, sku_errors = validate_sku(sku), None
        except ValidationError as exc:
            sku_value, sku_errors = None, _errors_of(exc, "sku")
        reference = reference_of[row[reference_at]]
        product_id = products.get(reference)
        if (sku_errors is None and product_id is not None and sku_counts[sku] == 1 and grade[1] is None
                and price[1] is None and quantity[1] is None and warranty[1] is None and active[1] is None):
            good.append(RowInput(line, sku_value, product_id, product_id in active_products,
                                 grade[0], price[0], quantity[0], warranty[0], active[0]))
            continue
        errors: dict[str, list[str]] = dict(sku_errors or {})
        for _value, cell_errors in (grade, price, quantity, warranty, active):
            for key, messages in (cell_errors or {}).items():
                errors.setdefault(key, []).extend(messages)
        if not reference:
            errors["product_reference"] = [_("Enter the product reference (EAN or MPN).")]
        elif product_id is None:
            errors["product_reference"] = [_("No product in the catalog has the reference %(ref)s.")
                                           % {"ref": reference}]
        if sku and sku_counts[sku] > 1:
            errors.setdefault("sku", []).append(
                _("The SKU %(sku)s appears on several lines (%(lines)s); keep one.")
                % {"sku": sku, "lines": ", ".join(map(str, lines_of_sku[sku]))})
        failed.append(RowResult(line, sku, "failed", errors))
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
# 1. Each row against the seller's listing with that SKU, written back to the staging table: its
#    listing, whether it names another product or grade, whether it would change anything (a NULL
#    in the staging table keeps the listing's value). Nested loops are off for this one join: right
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
# The statements after it reach listings by primary key, where the planner's choice is safe.
_LOCK_SQL = (
    "SET LOCAL enable_nestloop TO DEFAULT; "
    "SELECT l.id, l.allocated FROM listing_stage AS s JOIN sellers_listing AS l ON l.id = s.listing_id "
    "WHERE s.changes ORDER BY l.id FOR UPDATE OF l"
)
# 3. The locked listings that still differ (a concurrent writer may have set the same values).
_UPDATE_SQL = (
    "UPDATE sellers_listing AS l SET price = COALESCE(s.price, l.price), "
    "quantity = COALESCE(s.quantity, l.quantity), "
    "warranty_months = COALESCE(s.warranty_months, l.warranty_months), "
    "is_active = COALESCE(s.is_active, l.is_active), updated_at = %s "
    "FROM listing_stage AS s WHERE l.id = s.listing_id AND s.changes "
    "AND COALESCE(s.quantity, l.quantity) >= l.allocated "
    "AND (COALESCE(s.price, l.price), COALESCE(s.quantity, l.quantity), "
    "COALESCE(s.warranty_months, l.warranty_months), COALESCE(s.is_active, l.is_active)) "
    "IS DISTINCT FROM (l.price, l.quantity, l.warranty_months, l.is_active) "
    "RETURNING l.id, l.product_id"
)
# 4. The new SKUs of products on sale; one created by someone else since step 1 is left alone.
_INSERT_SQL = (
    "SET LOCAL enable_nestloop TO DEFAULT; "
    "INSERT INTO sellers_listing (seller_id, product_id, grade, sku, price, quantity, allocated, "
    "warranty_months, is_active, created_at, updated_at) "
    "SELECT %s, s.product_id, s.grade, s.sku, s.price, s.quantity, 0, "
    "COALESCE(s.warranty_months, %s), COALESCE(s.is_active, true), %s, %s "
    "FROM listing_stage AS s WHERE s.listing_id IS NULL AND s.product_active ORDER BY s.key "
    "ON CONFLICT (seller_id, sku) DO NOTHING RETURNING sku, id, product_id"
)
_PLANNER_RESET_SQL = "SET LOCAL enable_nestloop TO DEFAULT"


def _apply_postgresql(*, seller: Seller, rows: Sequence[RowInput], allow_create: bool,
                      now) -> tuple[list[RowResult], set[int]]:
    by_key = {row.key: row for row in rows}
    buffer = io.StringIO()
    # CSV: an empty unquoted field is NULL ("not given"), except a SKU, which stays a string.
    csv.writer(buffer, lineterminator="\n").writerows(
        (row.key, row.sku, row.product_id, row.product_active, row.grade, row.price, row.quantity,
         row.warranty_months, row.is_active) for row in rows)
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
            cursor.execute(_LOCK_SQL)
            planner_reset = True
            for listing_id, allocated in cursor.fetchall():
                row = by_key[differing[listing_id]]
                if row.quantity is not None and row.quantity < allocated:
                    results.append(_failed_allocated(row, listing_id, allocated))
                    del differing[listing_id]
            cursor.execute(_UPDATE_SQL, [now])
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
            cursor.execute(_INSERT_SQL, [seller.pk, MIN_WARRANTY_MONTHS, now, now])
            planner_reset = True
            created = {sku: (listing_id, product_id) for sku, listing_id, product_id in cursor.fetchall()}
            for row in to_create:
                if row.sku in created:
                    listing_id, product_id = created[row.sku]
                    changed_product_ids.add(product_id)
                    results.append(RowResult(row.key, row.sku, "created", listing_id=listing_id))
                else:
                    results.append(_failed_created_meanwhile(row))
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

    Each batch commits its listing changes together with the import's progress (rows processed,
    counts, errors), under a lock on the import row. A re-run therefore resumes after the last
    committed batch, and a batch interrupted half-way left nothing behind.
    """
    stock_import = StockImport.objects.select_related("seller").get(pk=stock_import_id)
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

    good, failed = parse_stock_rows(checked)
    entries: list[RowInput | RowResult] = sorted([*good, *failed], key=lambda entry: entry.key)
    seller = stock_import.seller
    while True:
        with transaction.atomic():
            locked = StockImport.objects.select_for_update().get(pk=stock_import.pk)
            start = locked.processed_rows
            if locked.status != StockImport.Status.RUNNING or start >= len(entries):
                break
            batch = entries[start:start + BATCH_SIZE]
            if seller.status != Seller.Status.APPROVED:
                _finish(locked, error_message=_("Only approved sellers can publish listings."))
                return
            results = [entry for entry in batch if isinstance(entry, RowResult)]
            results += listings_apply_bulk(
                seller=seller, rows=[entry for entry in batch if isinstance(entry, RowInput)],
                allow_create=True)
            _record(locked, results)
            locked.processed_rows = start + len(batch)
            fields = ["processed_rows", "created_count", "updated_count", "unchanged_count", "failed_count",
                      "errors"]
            if locked.processed_rows >= len(entries):  # the last batch finishes the import with it
                locked.status = StockImport.Status.DONE
                locked.finished_at = timezone.now()
                fields += ["status", "finished_at"]
            locked.save(update_fields=fields)
        if locked.status == StockImport.Status.DONE:
            return
    with transaction.atomic():
        locked = StockImport.objects.select_for_update().get(pk=stock_import.pk)
        if locked.status == StockImport.Status.RUNNING:
            _finish(locked)


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
    for result in sorted(failures, key=lambda r: r.key):
        for column, messages in result.errors.items():
            for message in messages:
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append({"line": result.key, "sku": result.sku, "column": column,
                                   "reason": str(message)})


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

