"""Stock sync, the file check: an upload is decoded and checked whole (size, type, header, row
limit) and refused at once with a clear message, then stored and queued. A CSV's encoding (UTF-8
with or without BOM, UTF-16, CP1252) and separator (comma, semicolon, tab) are found per file; an
XLSX workbook is read by .workbook. A row with a control character or a byte that is not text fails
alone, with its line."""

import csv
import gc
import hashlib
import io
import re
from bisect import bisect_left
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.numbers import file_decimal_mark

from ..models import Seller, StockImport
from ..permissions import Perm, member_user_require
from .kinds import STOCK, FileKind, file_kind, file_kind_register
from .rule_columns import RULE_COLUMNS
from .words import HEADER_NAMES, fold
from .workbook import WORKBOOK_KINDS, workbook_kind, workbook_rows

# The device itself, optional: battery (a percentage or "new"), yes/no for the rest.
DEVICE_COLUMNS = ("battery", "charger", "cable", "original_box", "unlocked", "esim")
# The documented file format, in the order of the template and the export.
COLUMNS = ("sku", "product_reference", "grade", "price", "quantity", "warranty_months", "active",
           *DEVICE_COLUMNS)
# Only the SKU is required: a file of some columns changes only those of the listings it names. A new
# SKU needs the columns of NEW_LISTING_COLUMNS (checked per row, see rows.incomplete_new_rows).
REQUIRED_COLUMNS = ("sku",)
NEW_LISTING_COLUMNS = ("product_reference", "grade", "price", "quantity")
# The repricing columns are read when given (stock_sync.rule_columns), not in the template or export.
STOCK_KIND = FileKind(name=STOCK, columns=(*COLUMNS, *RULE_COLUMNS), required=REQUIRED_COLUMNS,
                      header_names=HEADER_NAMES,
                      number_columns=("price", "quantity", "warranty_months"))
file_kind_register(STOCK_KIND)
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# Rows per committed batch: large enough for set-based statements to pay off, small enough for the
# progress bar to move and for a killed worker to lose little.
BATCH_SIZE = 25_000
MAX_REPORTED_ERRORS = 10_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = (",", ";", "\t")
# A character no seller means to type: the C0 controls but tab, line feed and carriage return, DEL,
# and U+FFFD, which stands for a byte that was not text in the file's encoding.
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_NOT_ASCII = re.compile("[^\x00-\x7f\ufffd]")
# Many NULs mean a binary file, or UTF-16 without its byte order mark; one NUL is one bad row.
_MAX_NULS = 16
# Files that are not text at all, whatever their bytes decode to: PNG, JPEG, GIF, PDF.
_BINARY_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF")


# --- Checking the file at upload: refuse at once, with a clear message ---------------------------
@dataclass(frozen=True)
class CheckedFile:
    text: str
    delimiter: str
    # The file's columns by their documented names; an unknown column is "" (ignored).
    columns: tuple[str, ...]
    row_count: int
    sha256: str
    # The non-blank data rows as (line number, cells), so the worker does not parse the text twice.
    rows: tuple[tuple[int, list[str]], ...] = field(default=(), repr=False, compare=False)
    encoding: str = "utf-8"
    header: tuple[str, ...] = ()  # as written in the file
    notices: tuple[str, ...] = ()
    # The rows that fail whatever their cells say (a control character, a byte that is not text):
    # line number -> errors by column.
    row_errors: dict = field(default_factory=dict, repr=False, compare=False)
    number_columns: tuple[str, ...] = ()

    @cached_property
    def decimal_mark(self) -> str | None:
        """The decimal mark the file's numbers show ("," or "."), None if none shows one: it reads an
        ambiguous value such as `1,049`. Found when first asked (by the worker, not at upload)."""
        numbers = set()
        cells = [row for _line, row in self.rows]
        for column in self.number_columns:
            if column in self.columns:
                at = self.columns.index(column)
                try:
                    numbers.update(map(itemgetter(at), cells))
                except IndexError:  # a short row (it fails on its own): the others one by one
                    numbers.update(row[at] for row in cells if len(row) > at)
        return file_decimal_mark(numbers)


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


def normalise_header(name: str, names: dict[str, str] = HEADER_NAMES) -> str:
    """The documented column a header names (`Quantité`, `qty`, `Stock` → `quantity`), or its
    folded form if it names none."""
    folded = fold(name)
    return names.get(folded, folded)


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV upload and the encoding read: a byte order mark says UTF-8 or UTF-16;
    otherwise UTF-8 if the bytes are UTF-8 (a stray byte that is not stays a U+FFFD, which fails
    its row), else CP1252 (Windows' Latin-1, as Excel writes "CSV" in Western Europe)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if data[:3] == b"\xef\xbb\xbf":
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        loose = data.decode("utf-8", errors="replace")
        if _NOT_ASCII.search(loose):  # real UTF-8 text with a few bad bytes
            return loose, "utf-8"
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(first_line: str) -> str:
    """The separator the header line uses most: comma, semicolon or tab."""
    counts = [(first_line.count(delimiter), delimiter) for delimiter in DELIMITERS]
    best = max(counts, key=lambda pair: pair[0])
    return best[1] if best[0] else ","


def _bad_character_rows(text: str, row_lines: list[int], encoding: str) -> dict[int, dict]:
    """The rows holding a bad character, by line number (one regex pass: none in most files)."""
    errors: dict[int, dict] = {}
    if not _BAD_CHARACTER.search(text):
        return errors
    line, position = 1, 0
    for match in _BAD_CHARACTER.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        index = bisect_left(row_lines, line)
        if index == len(row_lines) or row_lines[index] in errors:
            continue
        if match.group() == "\ufffd":
            message = _("This row holds a byte that is not text in %(encoding)s; retype the "
                        "character or save the file as “CSV UTF-8”.") % {"encoding": encoding}
        else:
            message = _("This row holds a control character (such as NUL, code %(code)s); remove it.") \
                % {"code": ord(match.group())}
        errors[row_lines[index]] = {"row": [message]}
    return errors


def _bad_character_cells(rows: list[tuple[int, list[str]]]) -> dict[int, dict]:
    """The rows of a workbook holding a control character in a cell, by row number (one regex pass
    over all the cells first: none in most workbooks)."""
    if not _BAD_CHARACTER.search("\n".join("\t".join(row) for _line, row in rows)):
        return {}
    message = _("This row holds a control character (such as NUL, code %(code)s); remove it.")
    errors = {}
    for line, row in rows:
        match = _BAD_CHARACTER.search("\t".join(row))
        if match:
            errors[line] = {"row": [message % {"code": ord(match.group())}]}
    return errors


def _has_data(row: list[str]) -> bool:
    """False for a row of blank cells, which is skipped (most rows are told by their first cell)."""
    return bool(row) and bool(row[0].strip() or "".join(row).strip())


@_collector_paused()
def stock_file_check(data: bytes, *, sheet: str = "", kind: str = STOCK,
                     rows_kept: bool = True) -> CheckedFile:
    """Decodes and checks a whole upload (CSV, or an XLSX workbook's first sheet or `sheet`) with
    the columns of its `kind` (stock_sync.kinds); raises ValidationError({"file": ...}) if it is
    not ours. `rows_kept=False` (the upload): a CSV's rows are counted, not kept with their line
    numbers and bad characters, which only the worker reads."""
    file_format = file_kind(kind)
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError({"file": _("The file is larger than %(max)s MB; split it into smaller files.")
                               % {"max": MAX_FILE_BYTES // (1024 * 1024)}})
    if not data.strip():
        raise ValidationError({"file": _("The file is empty.")})
    kind = workbook_kind(data)
    if kind:
        header, rows = workbook_rows(data, sheet=sheet)
        return _checked(data, text="", delimiter=",", encoding=kind, header=header, rows=rows,
                        row_errors=_bad_character_cells(rows), file_format=file_format)
    text, encoding = decode_text(data)
    if data.startswith(_BINARY_SIGNATURES) or text[:65536].count("\x00") > _MAX_NULS:
        raise ValidationError({"file": _("This is not a text CSV file (it contains binary data).")})
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    plain = _plain_rows(text, delimiter, kept=rows_kept)
    if plain is not None and not rows_kept:
        return _checked(data, text=text, delimiter=delimiter, encoding=encoding, header=plain[0],
                        rows=[], row_count=plain[1], row_errors={}, file_format=file_format,
                        rows_kept=False)
    if plain is not None:
        header, rows = plain
    else:
        try:
            reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
            header = next(reader, None) or []
            # _has_data, written out: a call per row is a tenth of the parsing.
            if rows_kept:
                rows = [(reader.line_num, row) for row in reader
                        if row and (row[0].strip() or "".join(row).strip())]
            else:
                rows = [row for row in reader if row and (row[0].strip() or "".join(row).strip())]
        except csv.Error as exc:
            raise ValidationError({"file": _("The file is not a valid CSV (line %(line)s: %(reason)s).")
                                   % {"line": reader.line_num, "reason": exc}}) from exc
    row_errors = _bad_character_rows(text, [line for line, _row in rows], encoding) if rows_kept else {}
    return _checked(data, text=text, delimiter=delimiter, encoding=encoding, header=header, rows=rows,
                    row_errors=row_errors, file_format=file_format, rows_kept=rows_kept)


def _plain_rows(text: str, delimiter: str, *, kept: bool) -> tuple[list[str], list | int] | None:
    """The header and the data rows (line number, cells) of a CSV text with no quote and no carriage
    return (most files), or only their number (`kept=False`, the upload), read without the csv
    module: each line is then a row, split by the delimiter where the csv module would split it, and
    a line of blanks and delimiters is skipped as the parser skips it. None for any other text
    (quoted fields, CR line ends, a line longer than a field may be), which the csv module reads.
    Splitting the lines takes half the time of the parser; counting them a tenth."""
    if '"' in text or "\r" in text:
        return None
    first, newline, body = text.partition("\n")
    header = next(csv.reader([first], delimiter=delimiter), None) or []
    if not newline:
        return header, [] if kept else 0
    limit = csv.field_size_limit()
    if not kept:
        if len(body) > limit and max(map(len, body.split("\n"))) > limit:
            return None
        blank = re.compile(r"\n(?:[^\S\n]|" + re.escape(delimiter) + r")*(?=\n|\Z)")
        return header, body.count("\n") + 1 - len(blank.findall("\n" + body))
    lines = body.split("\n")
    if len(body) > limit and max(map(len, lines)) > limit:
        return None
    split = str.split
    return header, [(line, row) for line, row in enumerate([split(cells, delimiter) for cells in lines], 2)
                    if row[0].strip() or "".join(row).strip()]


def _checked(data: bytes, *, text: str, delimiter: str, encoding: str, header: list[str], rows: list,
             row_errors: dict, file_format: FileKind = STOCK_KIND, rows_kept: bool = True,
             row_count: int | None = None) -> CheckedFile:
    known = file_format.columns
    columns = tuple(normalise_header(name, file_format.header_names) for name in header)
    _check_header(columns, file_format)
    unknown = [name for name, column in zip(header, columns, strict=True) if column not in known and column]
    columns = tuple(column if column in known else "" for column in columns)
    row_count = len(rows) if row_count is None else row_count
    if not row_count:
        raise ValidationError({"file": _("The file has a header but no rows.")})
    if row_count > MAX_ROWS:  # the file is at most MAX_FILE_BYTES: reading it all first is bounded
        raise ValidationError({"file": _("The file has more than %(max)s rows; split it.")
                               % {"max": f"{MAX_ROWS:,}"}})
    notices = ((_("Columns ignored (not ours): %(names)s.") % {"names": ", ".join(unknown)},)
               if unknown else ())
    return CheckedFile(text=text, delimiter=delimiter, columns=columns, row_count=row_count,
                       sha256=hashlib.sha256(data).hexdigest(), rows=tuple(rows) if rows_kept else (),
                       encoding=encoding,
                       header=tuple(header), notices=notices, row_errors=row_errors,
                       number_columns=file_format.number_columns)


def _check_header(columns: tuple[str, ...], file_format: FileKind = STOCK_KIND) -> None:
    known = file_format.columns
    expected = ", ".join(known)
    if not columns or not any(columns):
        raise ValidationError({"file": _("The file has no header row. The first line must name the "
                                         "columns: %(columns)s.") % {"columns": expected}})
    missing = [name for name in file_format.required if name not in columns]
    duplicated = sorted({name for name in columns if name in known and columns.count(name) > 1})
    if missing or duplicated:
        parts = []
        if missing:
            parts.append(_("missing: %(names)s") % {"names": ", ".join(missing)})
        if duplicated:
            parts.append(_("repeated: %(names)s") % {"names": ", ".join(duplicated)})
        raise ValidationError({"file": _("Wrong header (%(problems)s). The columns are: %(columns)s.")
                               % {"problems": "; ".join(parts), "columns": expected}})


@transaction.atomic
def stock_import_create(*, seller: Seller, uploaded_by, name: str, data: bytes,
                        sheet: str = "", kind: str = STOCK) -> StockImport:
    """Checks the file (CSV, or XLSX: its first sheet or `sheet`) as a file of `kind`, stores it
    under a generated name and queues the worker that applies it. A member uploading needs a role
    that changes stock."""
    from ..tasks import apply_stock_import

    member_user_require(user_id=getattr(uploaded_by, "pk", None), seller_id=seller.pk,
                        permission=Perm.LISTINGS_WRITE)
    checked = stock_file_check(data, sheet=sheet, kind=kind, rows_kept=False)
    stock_import = StockImport(seller=seller, kind=file_kind(kind).name, uploaded_by=uploaded_by,
                               original_name=name[:255],
                               sha256=checked.sha256, total_rows=checked.row_count,
                               encoding=checked.encoding, sheet_name=sheet[:100],
                               notices=list(checked.notices))
    suffix = checked.encoding if checked.encoding in WORKBOOK_KINDS else "csv"
    stock_import.file.save(f"upload.{suffix}", ContentFile(data), save=False)
    stock_import.save()
    transaction.on_commit(lambda: apply_stock_import.delay(stock_import.pk))
    return stock_import


def decode_upload(upload) -> bytes:
    """Reads an uploaded file, refusing one over the size limit before reading it all."""
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise ValidationError({"file": _("The file is larger than %(max)s MB; split it into smaller files.")
                               % {"max": MAX_FILE_BYTES // (1024 * 1024)}})
    return upload.read()
