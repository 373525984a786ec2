"""Stock sync, row validation: each row of a checked file against the services' rules (the
validate_* helpers), each distinct cell value of a column checked once; the good rows become
RowInput for the stock ledger's bulk writer, the bad ones RowResult with their reasons."""

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from operator import itemgetter

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from catalog.models import Product

from ..ledger import RowInput, RowResult
from ..services import (
    validate_grade,
    validate_price,
    validate_quantity,
    validate_sku,
    validate_warranty,
)
from .file_check import FALSE_WORDS, FORMULA_PREFIXES, TRUE_WORDS, CheckedFile, _has_data


# --- Rows: parsing and validation with the services' rules ---------------------------------------
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
