"""Stock sync, row validation: each row of a checked file against the services' rules (the
validate_* helpers), each distinct cell value of a column checked once; the good rows become
RowInput for the stock ledger's bulk writer, the bad ones RowResult with their reasons."""

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import itemgetter

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Product
from catalog.proposals import proposal_url
from catalog.references import ean13_valid
from marketplace.numbers import NumberError, parse_decimal

from ..ledger import RowInput, RowResult
from ..models import Listing
from ..services import (
    battery_clean,
    skus_valid,
    validate_grade,
    validate_price,
    validate_quantity,
    validate_sku,
    validate_warranty,
)
from .file_check import (
    _BAD_CHARACTER,
    DEVICE_COLUMNS,
    FORMULA_PREFIXES,
    NEW_LISTING_COLUMNS,
    CheckedFile,
    _has_data,
)
from .rule_columns import rule_columns_read
from .words import FALSE_WORDS, GRADE_NAMES, NEW_BATTERY_WORDS, TRUE_WORDS, fold

# `2E+12`, `3,5901E+12`: a long number Excel shows (and saves) in scientific notation.
_SCIENTIFIC = re.compile(r"^[0-9]+(?:[.,][0-9]+)?[eE]\+?[0-9]+$")


# --- Rows: parsing and validation with the services' rules ---------------------------------------
def unquote_formula(value: str) -> str:
    """Undoes the export's formula neutralisation so an exported file imports back unchanged."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_PREFIXES:
        return value[1:]
    return value


def _parse_yes_no(value: str, column: str = "active") -> bool:
    word = fold(value)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError({column: _("Enter yes or no (or true/false, 1/0, oui/non, sí/no, ja/nein).")})


_parse_active = _parse_yes_no


def _parse_battery(value: str) -> dict:
    """`92`, `92 %` or `92,0`: the health in percent; `new`, `neuve`, `nueva`, `neu`: a new battery."""
    if fold(value) in NEW_BATTERY_WORDS:
        return battery_clean(new=True)
    number = value.replace(",", ".").rstrip("% ").strip()
    if number.endswith(".0"):
        number = number[:-2]
    try:
        return battery_clean(health=number)
    except ValidationError as exc:
        raise ValidationError({"battery": _("Enter the battery health in percent (0 to 100) or “new” "
                                            "for a new battery.")}) from exc


def _yes_no_check(column: str):
    return lambda value: _parse_yes_no(value, column)


# Each device column and the RowInput fields it sets (the battery sets health and "new").
_DEVICE_CHECKS = {"battery": _parse_battery,
                  **{column: _yes_no_check(column) for column in DEVICE_COLUMNS[1:]}}
_DEVICE_FIELD = {"charger": "includes_charger", "cable": "includes_cable", "original_box": "includes_box",
                 "unlocked": "is_unlocked", "esim": "has_esim"}


def _parse_grade(value: str) -> str:
    """A grade by its name in English, French, Spanish or German (`Très bon état` → excellent)."""
    return validate_grade(GRADE_NAMES.get(fold(value), value))


def _number(value: str, column: str, decimal_mark: str | None):
    try:
        return parse_decimal(value, decimal_mark=decimal_mark)
    except NumberError as exc:
        raise ValidationError({column: str(exc)}) from exc


def _price_check(decimal_mark: str | None):
    return lambda value: validate_price(_number(value, "price", decimal_mark))


def _whole_check(column: str, validate, message: str, decimal_mark: str | None):
    def check(value: str) -> int:
        number = _number(value, column, decimal_mark)
        if number != number.to_integral_value():
            raise ValidationError({column: message})
        return validate(int(number))
    return check


def _errors_of(exc: ValidationError, default_column: str) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {key: [message for error in errors for message in error.messages]
                for key, errors in exc.error_dict.items()}
    return {default_column: exc.messages}


def _cell_checks(decimal_mark: str | None) -> tuple:
    """The checked columns in the order their errors are reported: (column, check, required). A
    column left empty (or missing) keeps the listing's value; a new listing needs the columns of
    NEW_LISTING_COLUMNS (see incomplete_new_rows). RowInput takes them in this order too. Numbers
    are read in the file's locale (`decimal_mark`: what its other values show)."""
    return (
        ("grade", _parse_grade, False),
        ("price", _price_check(decimal_mark), False),
        ("quantity", _whole_check("quantity", validate_quantity, _("Enter a whole number of units."),
                                  decimal_mark), False),
        ("warranty_months", _whole_check("warranty_months", validate_warranty,
                                         _("Enter a number of months."), decimal_mark), False),
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
    rows = _file_rows(checked)
    cells = [row[sku_at] for _line, row in rows if len(row) == width]
    distinct = set(map(str.strip, cells))
    if len(distinct) == len(cells) and "\n'" not in "\n" + "\n".join(distinct):
        return {}  # every SKU once, none quoted by the export (most files): no count per SKU
    sized = [(line, row) for line, row in rows if len(row) == width]
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
    row_errors = checked.row_errors
    for line, row in rows:
        if row_errors and line in row_errors:
            # The report is JSON in PostgreSQL, which holds no NUL: the bad characters are shown as "?".
            sku = _BAD_CHARACTER.sub("?", row[sku_at].strip()) if len(row) > sku_at else ""
            failed.append(RowResult(line, sku, "failed", row_errors[line]))
            continue
        if len(row) != width:
            sku = unquote_formula(row[sku_at].strip()) if len(row) > sku_at else ""
            failed.append(RowResult(line, sku, "failed", {"row": [
                _("Expected %(expected)s columns, found %(found)s.")
                % {"expected": width, "found": len(row)}]}))
            continue
        sized.append(row)
        lines.append(line)

    skus = _skus(map(itemgetter(sku_at), sized))
    if skus_valid(skus):  # every SKU good as it is (most files): no check one by one
        sku_outcomes = list(zip(skus, repeat(None)))
        bad_rows = set()
    else:
        sku_outcomes = list(map(_checked_sku, skus))
        bad_rows = {index for index, (_value, errors) in enumerate(sku_outcomes) if errors}
    bad_rows |= _rows_with(skus, repeated)

    if "product_reference" in columns:
        raw_references = list(map(itemgetter(columns.index("product_reference")), sized))
    else:
        raw_references = [""] * len(sized)
    reference_of = {raw: unquote_formula(raw.strip()) for raw in set(raw_references)}
    product_of_reference, active_products = products_by_reference(set(reference_of.values()) - {""})
    product_of_raw = {raw: product_of_reference.get(reference) for raw, reference in reference_of.items()}
    product_ids = list(map(product_of_raw.__getitem__, raw_references))
    # A reference left blank is "not given" (an existing listing keeps its product).
    bad_rows |= _rows_with(raw_references, {raw for raw, pk in product_of_raw.items()
                                            if pk is None and reference_of[raw]})

    cells = []
    for column, check, required in _cell_checks(checked.decimal_mark):
        if column in columns:
            outcomes, bad = _checked_column(list(map(itemgetter(columns.index(column)), sized)),
                                            check, column, required)
            cells.append(outcomes)
            bad_rows |= bad
        else:
            cells.append([_NOT_GIVEN] * len(sized))

    # The device columns the file has (most files none: no cost per row).
    device = {}
    for column in DEVICE_COLUMNS:
        if column in columns:
            device[column], bad = _checked_column(list(map(itemgetter(columns.index(column)), sized)),
                                                  _DEVICE_CHECKS[column], column, False)
            bad_rows |= bad

    good = [
        RowInput(line, sku[0], product_id, product_id is None or product_id in active_products,
                 grade[0], price[0], quantity[0], warranty[0], active[0])
        for index, (line, sku, product_id, grade, price, quantity, warranty, active)
        in enumerate(zip(lines, sku_outcomes, product_ids, *cells, strict=True))
        if index not in bad_rows
    ]
    if device:
        _set_device(good, [index for index in range(len(sized)) if index not in bad_rows], device)
    for index in sorted(bad_rows):
        sku = skus[index]
        errors: dict[str, list[str]] = dict(sku_outcomes[index][1] or {})
        for column_outcomes in (*cells, *device.values()):
            for key, messages in (column_outcomes[index][1] or {}).items():
                errors.setdefault(key, []).extend(messages)
        reference = reference_of[raw_references[index]]
        if reference and product_ids[index] is None:
            errors["product_reference"] = [reference_error(reference)]
        if sku in repeated:
            errors.setdefault("sku", []).append(
                _("The SKU %(sku)s appears on several lines (%(lines)s); keep one.")
                % {"sku": sku, "lines": ", ".join(map(str, repeated[sku]))})
        failed.append(RowResult(lines[index], sku, "failed", errors))
    return rule_columns_read(columns, rows, good, failed, checked.decimal_mark)  # repricing, if given


def _set_device(good: list[RowInput], indexes: list[int], device: dict[str, list[tuple]]) -> None:
    """Sets the device fields the file gives on the good rows (their indexes among the rows)."""
    for column, outcomes in device.items():
        field = _DEVICE_FIELD.get(column)
        for row, index in zip(good, indexes, strict=True):
            value = outcomes[index][0]
            if value is None:
                continue
            if field is None:  # the battery: its health and whether it is new
                row.battery_health = value.get("battery_health")
                row.battery_new = value["battery_new"]
            else:
                setattr(row, field, value)


def reference_error(reference: str) -> str:
    if _SCIENTIFIC.match(reference):
        return _("The reference %(ref)s was turned into scientific notation by the spreadsheet, and its "
                 "digits are lost. In Excel select the column, choose Format Cells › Text, type the "
                 "codes again (or paste them from the original), then save.") % {"ref": reference}
    return _("The reference %(ref)s is not in the catalog — propose it: %(url)s") % {
        "ref": reference, "url": proposal_url(reference)}


def _padded(reference: str) -> str | None:
    """The EAN-13 a 12-digit code was before a spreadsheet dropped its leading zero, if its check
    digit agrees."""
    if len(reference) == 12 and reference.isdigit() and ean13_valid("0" + reference):
        return "0" + reference
    return None


def products_by_reference(references: set[str]) -> tuple[dict[str, int], set[int]]:
    """The product of each reference found (a 12-digit code by its EAN-13 with the leading zero,
    when only that one is in the catalog), and the ids of the products on sale. One query."""
    if not references:
        return {}, set()
    padded = {reference: _padded(reference) for reference in references}
    wanted = references | {code for code in padded.values() if code}
    products, active_products = {}, set()
    for reference, pk, is_active in Product.objects.filter(reference__in=wanted).values_list(
            "reference", "id", "is_active"):
        products[reference] = pk
        if is_active:
            active_products.add(pk)
    found = {reference: products[reference] for reference in references if reference in products}
    for reference, code in padded.items():
        if reference not in found and code in products:
            found[reference] = products[code]
    return found, active_products


def file_references(checked: CheckedFile) -> set[str]:
    """The distinct product references the file names (a file has few)."""
    if "product_reference" not in checked.columns:
        return set()
    at = checked.columns.index("product_reference")
    cells = {row[at] for _line, row in _file_rows(checked) if len(row) > at}
    return {unquote_formula(cell.strip()) for cell in cells} - {""}


def leading_zero_notice(checked: CheckedFile, references: set[str] | None = None) -> str:
    """The report's notice of the 12-digit codes read as EAN-13 with their leading zero (per file).
    `references`: the file's, if already read (file_references)."""
    references = file_references(checked) if references is None else references
    candidates = {reference for reference in references if _padded(reference)}
    if not candidates:
        return ""
    found, _active = products_by_reference(candidates)
    direct = set(Product.objects.filter(reference__in=candidates).values_list("reference", flat=True))
    fixed = sorted(reference for reference in found if reference not in direct)
    if not fixed:
        return ""
    return ngettext(
        "%(count)s 12-digit code was read as EAN-13 with the leading zero the spreadsheet had dropped "
        "(%(example)s → 0%(example)s). Format the column as text to keep it.",
        "%(count)s 12-digit codes were read as EAN-13 with the leading zero the spreadsheet had dropped "
        "(such as %(example)s → 0%(example)s). Format the column as text to keep it.",
        len(fixed)) % {"count": len(fixed), "example": fixed[0]}


def incomplete_new_rows(*, seller_id: int, rows: list[RowInput]) -> tuple[list[RowInput], list[RowResult]]:
    """The rows that would create a listing without everything a new listing needs, refused (a file
    of some columns only changes the listings it names). One query, for the incomplete rows only."""
    incomplete = [row for row in rows if row.product_id is None or row.grade is None or row.price is None
                  or row.quantity is None]
    if not incomplete:
        return rows, []
    existing = set(Listing.objects.filter(seller_id=seller_id, sku__in=[row.sku for row in incomplete])
                   .values_list("sku", flat=True))
    refused = {row.key for row in incomplete if row.sku not in existing}
    if not refused:
        return rows, []
    failed = []
    for row in incomplete:
        if row.key in refused:
            missing = [name for name, value in zip(NEW_LISTING_COLUMNS, (row.product_id, row.grade, row.price,
                                                                          row.quantity), strict=True)
                       if value is None]
            failed.append(RowResult(row.key, row.sku, "failed", {"sku": [
                _("You have no listing with the SKU %(sku)s; to create it give %(columns)s.")
                % {"sku": row.sku, "columns": ", ".join(missing)}]}))
    return [row for row in rows if row.key not in refused], failed
