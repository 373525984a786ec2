"""Stock sync, the file check: an upload is decoded and checked whole (size, type, encoding,
header, row limit) and refused at once with a clear message, then stored and queued."""

import csv
import gc
import hashlib
import io
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Seller, StockImport
from ..permissions import Perm, member_user_require

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
    from ..tasks import apply_stock_import

    member_user_require(user_id=getattr(uploaded_by, "pk", None), seller_id=seller.pk,
                        permission=Perm.LISTINGS_WRITE)
    checked = stock_file_check(data)
    stock_import = StockImport(seller=seller, uploaded_by=uploaded_by, original_name=name[:255],
                               sha256=checked.sha256, total_rows=checked.row_count)
    stock_import.file.save("upload.csv", ContentFile(data), save=False)
    stock_import.save()
    transaction.on_commit(lambda: apply_stock_import.delay(stock_import.pk))
    return stock_import


def decode_upload(upload) -> bytes:
    """Reads an uploaded file, refusing one over the size limit before reading it all."""
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise ValidationError({"file": _("The file is larger than %(max)s MB; split it into smaller files.")
                               % {"max": MAX_FILE_BYTES // (1024 * 1024)}})
    return upload.read()
