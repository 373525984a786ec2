"""Stock sync in bulk: CSV checking and parsing, per-row validation, and set-based apply.

The same rules as sellers.services (the validate_* helpers) are enforced row by row in Python; the
rows that pass are then written with a few statements per batch (one locking read, one UPDATE ...
FROM VALUES, one INSERT ... ON CONFLICT DO NOTHING), never one query per row. The CSV import and the
API's bulk endpoint share `listings_apply_bulk`.
"""
import csv
import hashlib
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg2.extras import execute_values

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
BATCH_SIZE = 10_000
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


def normalise_header(name: str) -> str:
    return name.strip().strip('"').lower().replace(" ", "_").replace("-", "_")


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
        row_count = 0
        for row in reader:
            if any(cell.strip() for cell in row):
                row_count += 1
                if row_count > MAX_ROWS:
                    raise ValidationError({"file": _("The file has more than %(max)s rows; split it.")
                                           % {"max": f"{MAX_ROWS:,}"}})
    except csv.Error as exc:
        raise ValidationError({"file": _("The file is not a valid CSV (line %(line)s: %(reason)s).")
                               % {"line": reader.line_num, "reason": exc}}) from exc
    if row_count == 0:
        raise ValidationError({"file": _("The file has a header but no rows.")})
    return CheckedFile(text=text, delimiter=delimiter, columns=columns, row_count=row_count,
                       sha256=hashlib.sha256(data).hexdigest())


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
@dataclass
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


@dataclass
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


def parse_stock_rows(checked: CheckedFile) -> tuple[list[RowInput], list[RowResult]]:
    """Every data row of the file, validated: the good ones to apply, the bad ones with reasons."""
    reader = csv.reader(io.StringIO(checked.text), delimiter=checked.delimiter)
    next(reader)
    columns = checked.columns
    raw_rows: list[tuple[int, dict[str, str]]] = []
    failed: list[RowResult] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        values = {name: unquote_formula(cell.strip()) for name, cell in zip(columns, row, strict=False)}
        if len(row) != len(columns):
            failed.append(RowResult(line, values.get("sku", ""), "failed", {"row": [
                _("Expected %(expected)s columns, found %(found)s.")
                % {"expected": len(columns), "found": len(row)}]}))
            continue
        raw_rows.append((line, values))

    references = {values["product_reference"] for _line, values in raw_rows if values["product_reference"]}
    products = dict(Product.objects.filter(reference__in=references)
                    .values_list("reference", "id")) if references else {}
    active_products = set(Product.objects.filter(id__in=products.values(), is_active=True)
                          .values_list("id", flat=True)) if products else set()

    lines_of_sku: dict[str, list[int]] = defaultdict(list)
    for line, values in raw_rows:
        lines_of_sku[values["sku"]].append(line)

    good: list[RowInput] = []
    memo: dict[tuple[str, str], tuple] = {}
    for line, values in raw_rows:
        errors: dict[str, list[str]] = {}
        row = RowInput(key=line, sku=values["sku"])
        checks = [
            ("sku", validate_sku, "sku"),
            ("grade", validate_grade, "grade"),
            ("price", lambda v: validate_price(_decimal_text(v)), "price"),
            ("quantity", validate_quantity, "quantity"),
        ]
        if values.get("warranty_months"):
            checks.append(("warranty_months", validate_warranty, "warranty_months"))
        if values.get("active"):
            checks.append(("active", _parse_active, "is_active"))
        for column, check, attribute in checks:
            # The validators are pure: each distinct cell value of a column is checked once.
            memo_key = (column, values[column])
            if memo_key not in memo:
                try:
                    memo[memo_key] = (check(values[column]), None)
                except ValidationError as exc:
                    memo[memo_key] = (None, _errors_of(exc, column))
            value, cell_errors = memo[memo_key]
            if cell_errors:
                for key, messages in cell_errors.items():
                    errors.setdefault(key, []).extend(messages)
            else:
                setattr(row, attribute, value)
        reference = values["product_reference"]
        if not reference:
            errors["product_reference"] = [_("Enter the product reference (EAN or MPN).")]
        elif reference not in products:
            errors["product_reference"] = [_("No product in the catalog has the reference %(ref)s.")
                                           % {"ref": reference}]
        else:
            row.product_id = products[reference]
            row.product_active = row.product_id in active_products
        duplicates = lines_of_sku[values["sku"]] if values["sku"] else []
        if len(duplicates) > 1:
            errors.setdefault("sku", []).append(
                _("The SKU %(sku)s appears on several lines (%(lines)s); keep one.")
                % {"sku": values["sku"], "lines": ", ".join(map(str, duplicates))})
        if errors:
            failed.append(RowResult(line, values["sku"], "failed", errors))
        else:
            good.append(row)
    return good, failed


# --- Applying rows in bulk -------------------------------------------------------------------------
# Raw SQL names the table; this keeps it honest if the model's table ever moves.
assert Listing._meta.db_table == "sellers_listing"


def listings_apply_bulk(*, seller: Seller, rows: Sequence[RowInput], allow_create: bool) -> list[RowResult]:
    """Applies already-validated rows to the seller's listings with a few set-based statements.

    Must run inside a transaction: the seller's matching listings are locked (in primary-key
    order, as every stock writer does) so `allocated` cannot move while quantities are checked.
    A row may change price, quantity, warranty and active flag; product and grade of an existing
    SKU never change, and quantity never drops below the units allocated to orders.
    """
    if not rows:
        return []
    assert connection.in_atomic_block, "listings_apply_bulk must run inside transaction.atomic"
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, sku, product_id, grade, price, quantity, allocated, warranty_months, is_active "
            "FROM sellers_listing WHERE seller_id = %s AND sku = ANY(%s) ORDER BY id FOR UPDATE",
            [seller.pk, [row.sku for row in rows]],
        )
        existing = {record[1]: record for record in cursor.fetchall()}

    results: list[RowResult] = []
    to_update: list[tuple] = []
    to_create: list[RowInput] = []
    for row in rows:
        current = existing.get(row.sku)
        if current is None:
            if not allow_create:
                results.append(RowResult(row.key, row.sku, "failed", {"sku": [
                    _("You have no listing with the SKU %(sku)s.") % {"sku": row.sku}]}))
            elif not row.product_active:
                results.append(RowResult(row.key, row.sku, "failed", {"product_reference": [
                    _("This product is not sold on the marketplace.")]}))
            else:
                to_create.append(row)
            continue
        pk, _sku, product_id, grade, price, quantity, allocated, warranty, is_active = current
        if row.product_id is not None and (row.product_id != product_id or row.grade != grade):
            results.append(RowResult(row.key, row.sku, "failed", {"sku": [
                _("The SKU %(sku)s is already used for another product or grade; product and grade "
                  "of a listing cannot change.") % {"sku": row.sku}]}, pk))
            continue
        if row.quantity is not None and row.quantity < allocated:
            results.append(RowResult(row.key, row.sku, "failed", {"quantity": [
                _("%(allocated)s units are already sold and waiting to ship; the quantity cannot be "
                  "lower.") % {"allocated": allocated}]}, pk))
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
            to_update.append((pk, *new))
            results.append(RowResult(row.key, row.sku, "updated", listing_id=pk))

    with connection.cursor() as cursor:
        if to_update:
            _update_values(cursor, to_update, now)
        if to_create:
            created = _insert_values(cursor, seller, to_create, now)
            for row in to_create:
                if row.sku in created:
                    results.append(RowResult(row.key, row.sku, "created", listing_id=created[row.sku]))
                else:  # created by someone else since the locking read
                    results.append(RowResult(row.key, row.sku, "failed", {"sku": [
                        _("A listing with the SKU %(sku)s was created meanwhile; upload again.")
                        % {"sku": row.sku}]}))
    results.sort(key=lambda result: result.key)
    return results


def _update_values(cursor, values: list[tuple], now) -> None:
    execute_values(
        cursor,
        "UPDATE sellers_listing AS l SET price = v.price, quantity = v.quantity, "
        "warranty_months = v.warranty_months, is_active = v.is_active, updated_at = v.updated_at "
        "FROM (VALUES %s) AS v (id, price, quantity, warranty_months, is_active, updated_at) "
        "WHERE l.id = v.id",
        [(*value, now) for value in values],
        template="(%s::bigint, %s::numeric, %s::integer, %s::smallint, %s::boolean, %s::timestamptz)",
        page_size=BATCH_SIZE,
    )


def _insert_values(cursor, seller: Seller, rows: list[RowInput], now) -> dict[str, int]:
    values = [
        (seller.pk, row.product_id, row.grade, row.sku, row.price, row.quantity, 0,
         row.warranty_months or MIN_WARRANTY_MONTHS, True if row.is_active is None else row.is_active,
         now, now)
        for row in rows
    ]
    returned = execute_values(
        cursor,
        "INSERT INTO sellers_listing (seller_id, product_id, grade, sku, price, quantity, allocated, "
        "warranty_months, is_active, created_at, updated_at) VALUES %s "
        "ON CONFLICT (seller_id, sku) DO NOTHING RETURNING sku, id",
        values, page_size=BATCH_SIZE, fetch=True,
    )
    return dict(returned)


# --- The worker's job ------------------------------------------------------------------------------
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
            locked.save(update_fields=["processed_rows", "created_count", "updated_count",
                                       "unchanged_count", "failed_count", "errors"])
    with transaction.atomic():
        locked = StockImport.objects.select_for_update().get(pk=stock_import.pk)
        if locked.status == StockImport.Status.RUNNING:
            _finish(locked)


def _record(stock_import: StockImport, results: Iterable[RowResult]) -> None:
    errors = stock_import.errors
    for result in sorted(results, key=lambda r: r.key):
        if result.status == "failed":
            stock_import.failed_count += 1
            for column, messages in result.errors.items():
                for message in messages:
                    if len(errors) < MAX_REPORTED_ERRORS:
                        errors.append({"line": result.key, "sku": result.sku, "column": column,
                                       "reason": str(message)})
        else:
            name = f"{result.status}_count"
            setattr(stock_import, name, getattr(stock_import, name) + 1)


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

