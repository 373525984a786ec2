"""Stock sync, the files sent back to the seller: the failed rows of an import as uploaded (its
columns, separator and encoding, or an XLSX workbook for a spreadsheet) with `line` and `reason`
columns, to fix and upload again; and XLSX workbooks of rows, formula-safe like the CSV exports."""

import csv
import io
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..exports import neutralise  # a formula cell prefixed with an apostrophe; the import takes it off
from ..models import StockImport
from ..xlsx import write_xlsx
from .file_check import stock_file_check
from .workbook import WORKBOOK_KINDS

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(rows: Iterable[Iterable], *, title: str = "listings") -> bytes:
    """A workbook of one sheet of text cells, written streaming (sellers.xlsx). Every cell is a string,
    so none is a formula and no EAN becomes a number."""
    buffer = io.BytesIO()
    write_xlsx(([neutralise(cell) for cell in row] for row in rows), buffer, title=title)
    return buffer.getvalue()


def _reasons_by_line(stock_import: StockImport) -> dict[int, str]:
    reasons: dict[int, list[str]] = {}
    for error in stock_import.errors:
        reasons.setdefault(error["line"], []).append(
            error["reason"] if error["column"] == "row" else f"{error['column']}: {error['reason']}")
    return {line: " ".join(texts) for line, texts in reasons.items()}


def failed_rows_file(*, stock_import: StockImport) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the failed rows of an import, as uploaded, with `line`
    and `reason` columns, in the upload's format and encoding."""
    reasons = _reasons_by_line(stock_import)
    try:
        with stock_import.file.open("rb") as handle:
            checked = stock_file_check(handle.read(), sheet=stock_import.sheet_name, kind=stock_import.kind)
    except (ValidationError, OSError, ValueError, LookupError):
        checked = None
    if checked is None:  # the stored file is gone: the reasons alone
        header, rows = ["line", "reason"], [[line, reason] for line, reason in reasons.items()]
        encoding, delimiter = "utf-8-sig", ","
    else:
        header = [*checked.header, _("line"), _("reason")]
        rows = [[*cells, line, reasons[line]] for line, cells in checked.rows if line in reasons]
        encoding, delimiter = checked.encoding, checked.delimiter
    stem = f"import-{stock_import.pk}-failed-rows"
    if encoding in WORKBOOK_KINDS:  # an ODS or XLS upload gets its rows back as XLSX, which both open
        return xlsx_bytes([header, *rows], title=_("failed rows")), XLSX_TYPE, f"{stem}.xlsx"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        [neutralise(cell) for cell in row] for row in [header, *rows])
    codec = {"utf-16": "utf-16", "utf-8-sig": "utf-8-sig", "cp1252": "cp1252"}.get(encoding, "utf-8")
    charset = {"utf-16": "utf-16", "cp1252": "windows-1252"}.get(codec, "utf-8")
    return buffer.getvalue().encode(codec, errors="replace"), f"text/csv; charset={charset}", f"{stem}.csv"
