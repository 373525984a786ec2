"""The XLSX writer of the exports (sellers.xlsx): what openpyxl and calamine read back is the text written."""
import io

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from sellers.xlsx import write_xlsx

AWKWARD = ["A&B <c> \"d\" 'e'", "  spaces kept  ", "0194252707272", "'=HYPERLINK(\"x\")", "tab\there",
           "line\nbreak", "bell\x07", "_x0041_ stays", "écran 13″ — 1 €", "x" * 40_000]


def _written(rows, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(rows, buffer, **kwargs)
    return buffer.getvalue()


def test_every_cell_reads_back_as_the_text_written_in_openpyxl_and_calamine():
    data = _written([["sku", "reference"], AWKWARD, ["", "only the second"]], title="failed rows")
    expected_awkward = (*AWKWARD[:-1], "x" * 32767)

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.title == "failed rows"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("sku", "reference")
    # openpyxl leaves OOXML's _xHHHH_ escapes as they are; Excel and calamine decode them.
    assert rows[1][:6] == expected_awkward[:6] and rows[1][8:] == expected_awkward[8:]
    assert rows[1][6:8] == ("bell_x0007_", "_x005F_x0041_ stays")
    assert rows[2][:2] == (None, "only the second")
    assert all(isinstance(cell, str) for row in rows for cell in row if cell is not None)

    calamine = CalamineWorkbook.from_filelike(io.BytesIO(data))
    read = calamine.get_sheet_by_name("failed rows").to_python(skip_empty_area=False)
    assert tuple(read[1]) == expected_awkward
    assert read[2][:2] == ["", "only the second"]


def test_a_number_like_text_stays_text_and_no_cell_is_a_formula():
    data = _written([["0012", "=1+1", "1e5"]])
    cells = load_workbook(io.BytesIO(data)).worksheets[0][1]
    assert [(c.value, c.data_type) for c in cells] == [("0012", "s"), ("=1+1", "s"), ("1e5", "s")]


def test_an_empty_sheet_is_a_valid_workbook():
    sheet = load_workbook(io.BytesIO(_written([]))).worksheets[0]
    assert sheet.title == "listings" and list(sheet.iter_rows(values_only=True)) == []
