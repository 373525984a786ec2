"""Stock sync, XLSX workbooks: the first sheet (or the one the seller names) read streaming with
openpyxl's read-only mode, each cell as the text a CSV would hold; the same row limit as a CSV."""

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        # A whole number (an EAN or a quantity typed as a number) without Excel's ".0".
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def workbook_rows(data: bytes, *, sheet: str = "") -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-blank rows (with their row numbers) of a workbook's sheet."""
    from openpyxl import load_workbook

    from .file_check import MAX_ROWS

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ValidationError({"file": _("This file is not a readable XLSX workbook. Save it again as "
                                         "“Excel Workbook (.xlsx)” or as “CSV UTF-8”.")}) from exc
    try:
        if sheet:
            if sheet not in workbook.sheetnames:
                raise ValidationError({"file": _("The workbook has no sheet named “%(sheet)s” (it has: "
                                                 "%(sheets)s).") % {"sheet": sheet,
                                                                   "sheets": ", ".join(workbook.sheetnames)}})
            worksheet = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        values = worksheet.iter_rows(values_only=True)
        header = [_cell_text(value).strip() for value in next(values, ())]
        while header and not header[-1]:
            header.pop()
        width = len(header)
        rows = []
        for number, cells in enumerate(values, start=2):
            row = [_cell_text(value) for value in cells[:width]]
            if any(cell.strip() for cell in row):
                row += [""] * (width - len(row))
                rows.append((number, row))
                if len(rows) > MAX_ROWS:
                    break
    finally:
        workbook.close()
    return header, rows
