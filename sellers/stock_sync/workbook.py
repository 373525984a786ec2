"""Stock sync, spreadsheets: the first sheet (or the one the seller names) of an XLSX, ODS or old
XLS workbook, read by calamine (a compiled reader: 100,000 rows in about a second, where
openpyxl's read-only mode took 15), each cell as the text a CSV would hold; the same row limit as
a CSV. A cell holding a control character fails its row, as in a CSV."""

import io
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# What a workbook's bytes begin with: a ZIP (XLSX, ODS) or an OLE2 compound file (XLS).
ZIP_SIGNATURE = b"PK\x03\x04"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The kinds read here; an import records its kind in place of a CSV's encoding.
WORKBOOK_KINDS = ("xlsx", "ods", "xls")


def workbook_kind(data: bytes) -> str | None:
    """"xlsx", "ods" or "xls" for a workbook's bytes, None for anything else."""
    if data[:4] == ZIP_SIGNATURE:
        # An OpenDocument file's first member is its uncompressed `mimetype`.
        return "ods" if b"application/vnd.oasis.opendocument.spreadsheet" in data[:200] else "xlsx"
    if data[:8] == OLE2_SIGNATURE:
        return "xls"
    return None


def _cell_text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        # A whole number (an EAN or a quantity typed as a number) without the spreadsheet's ".0".
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _unreadable(kind: str) -> ValidationError:
    if kind == "xls":
        return ValidationError({"file": _("This old Excel file (.xls) could not be read. In Excel choose "
                                          "“Save as” › “Excel Workbook (.xlsx)” or “CSV UTF-8”.")})
    return ValidationError({"file": _("This file is not a readable spreadsheet. Save it again as "
                                      "“Excel Workbook (.xlsx)” or as “CSV UTF-8”.")})


def workbook_rows(data: bytes, *, sheet: str = "") -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-blank rows (with their row numbers) of a workbook's sheet."""
    from python_calamine import CalamineError, CalamineWorkbook

    from .file_check import MAX_ROWS

    kind = workbook_kind(data) or "xlsx"
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        if sheet and sheet not in names:
            raise ValidationError({"file": _("The workbook has no sheet named “%(sheet)s” (it has: "
                                             "%(sheets)s).") % {"sheet": sheet, "sheets": ", ".join(names)}})
        if not names:
            raise _unreadable(kind)
        # From cell A1 (skip_empty_area=False), so a row's number is the one the spreadsheet shows.
        values = iter(workbook.get_sheet_by_name(sheet or names[0]).to_python(skip_empty_area=False))
        header = [_cell_text(value).strip() for value in next(values, ())]
        while header and not header[-1]:
            header.pop()
        width = len(header)
        rows = []
        for number, cells in enumerate(values, start=2):
            row = [_cell_text(value) for value in cells[:width]]
            if any(row) and any(cell.strip() for cell in row):
                row += [""] * (width - len(row))
                rows.append((number, row))
                if len(rows) > MAX_ROWS:
                    break
    except (CalamineError, ValueError, OSError, UnicodeError) as exc:
        raise _unreadable(kind) from exc
    return header, rows
