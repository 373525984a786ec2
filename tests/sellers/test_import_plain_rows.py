"""A stock file with no quote and no carriage return is split by lines at upload and in the worker,
without the csv module: the header, the rows, their line numbers and the row count must be the
ones the csv module reads, whatever blank lines, blanks, separators or odd characters it holds."""
import csv
import random

import pytest
from django.core.exceptions import ValidationError

from sellers.stock_sync import file_check

CASES = [
    "sku,quantity\nA,1\nB,2\n",
    "sku,quantity\nA,1\nB,2",  # no final line end
    "sku;quantity\n\nA;1\n ; \n;;\nB;2\n\n\n",  # blank lines, blanks and separators only
    "sku\tquantity\n\tA\t1\n\u00a0\t\u00a0\nB\t2\n",  # a no-break space alone is blank too
    "sku,quantity\nA\x00,1\nB\x0b,2\nC\u2028,3\n",  # characters the csv module keeps in a cell
    "sku,quantity\n",  # a header and no rows
    "sku,quantity,,extra\nA,1,,x\nB\n",  # short rows and unnamed columns
]


def _read(data: bytes, *, kept: bool, plain: bool, monkeypatch):
    if not plain:
        monkeypatch.setattr(file_check, "_plain_rows", lambda *args, **kwargs: None)
    try:
        checked = file_check.stock_file_check(data, rows_kept=kept)
    except ValidationError as exc:
        return exc.messages
    finally:
        monkeypatch.undo()
    return checked.header, checked.columns, checked.row_count, checked.rows, checked.row_errors


@pytest.mark.parametrize("kept", [True, False])
@pytest.mark.parametrize("text", CASES)
def test_plain_file_is_read_as_the_csv_module_reads_it(text, kept, monkeypatch):
    data = text.encode()
    assert (_read(data, kept=kept, plain=True, monkeypatch=monkeypatch)
            == _read(data, kept=kept, plain=False, monkeypatch=monkeypatch))


@pytest.mark.parametrize("kept", [True, False])
def test_random_plain_files_are_read_as_the_csv_module_reads_them(kept, monkeypatch):
    pieces = ["A", "1", " ", "\t", ",", ";", "\n", "\n", "\x00", "\u00a0", "é", "\x0b", "\u2028"]
    generator = random.Random(14)
    for _ in range(2000):
        text = generator.choice(["sku,quantity\n", "sku;qty\n", "sku\tstock\n"]) + "".join(
            generator.choice(pieces) for _ in range(generator.randint(0, 30)))
        data = text.encode()
        assert (_read(data, kept=kept, plain=True, monkeypatch=monkeypatch)
                == _read(data, kept=kept, plain=False, monkeypatch=monkeypatch)), text


def test_a_line_longer_than_a_csv_field_may_be_is_left_to_the_csv_module():
    text = "sku,quantity\n" + "A" * (csv.field_size_limit() + 1) + ",1\n"
    assert file_check._plain_rows(text, ",", kept=True) is None
    assert file_check._plain_rows(text, ",", kept=False) is None


def test_quoted_or_cr_files_are_left_to_the_csv_module():
    assert file_check._plain_rows('sku,quantity\n"A",1\n', ",", kept=True) is None
    assert file_check._plain_rows("sku,quantity\r\nA,1\r\n", ",", kept=False) is None
