"""Stock sync, the optional repricing columns: a floor, a ceiling, a strategy, the amount to beat by,
raise-when-winning, and `confirm_low_price` for a price the guard would hold. Each distinct cell
value is read once per column; a file without these columns costs nothing per row. The rule itself
is checked and written by sellers.repricing (repricing_rows_apply), after the bulk writer."""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.numbers import NumberError, parse_decimal

from ..ledger import RowInput, RowResult
from .words import FALSE_WORDS, TRUE_WORDS, fold

RULE_COLUMNS = ("floor_price", "ceiling_price", "repricing", "beat_by", "raise_when_winning",
                "confirm_low_price")
# The file's column → the listing field it sets.
_FIELD = {"floor_price": "floor_price", "ceiling_price": "ceiling_price", "repricing": "reprice_strategy",
          "beat_by": "reprice_beat_by", "raise_when_winning": "reprice_raise"}
_STRATEGY_WORDS = {"off": "off", "none": "off", "non": "off", "no": "off", "aus": "off",
                   "default": "", "defaut": "", "seller_default": "",
                   "match": "match", "aligner": "match", "igualar": "match", "angleichen": "match",
                   "beat": "beat", "battre": "beat", "mejorar": "beat", "unterbieten": "beat"}
CLEAR_WORDS = frozenset({"-", "none", "aucun", "ninguno", "keiner"})


def _amount(column: str, decimal_mark):
    def read(value: str):
        if fold(value) in CLEAR_WORDS:
            return None
        try:
            return parse_decimal(value, decimal_mark=decimal_mark)
        except NumberError as exc:
            raise ValidationError({column: str(exc)}) from exc
    return read


def _strategy(value: str) -> str:
    word = fold(value)
    if word not in _STRATEGY_WORDS:
        raise ValidationError({"repricing": _("Enter off, match, beat or default.")})
    return _STRATEGY_WORDS[word]


def _yes_no(column: str):
    def read(value: str) -> bool:
        word = fold(value)
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValidationError({column: _("Enter yes or no (or true/false, 1/0, oui/non, sí/no, ja/nein).")})
    return read


def _reader(column: str, decimal_mark):
    if column in ("floor_price", "ceiling_price", "beat_by"):
        return _amount(column, decimal_mark)
    if column == "repricing":
        return _strategy
    return _yes_no(column)


def rule_columns_read(columns: tuple[str, ...], rows, good: list[RowInput], failed: list[RowResult],
                      decimal_mark: str | None) -> tuple[list[RowInput], list[RowResult]]:
    """Sets `rule` and `confirm_low_price` on the good rows from the file's repricing columns; a
    row with a bad cell moves to the failed ones with its reasons. `rows`: (line, cells)."""
    present = [(column, columns.index(column)) for column in RULE_COLUMNS if column in columns]
    if not present or not good:
        return good, failed
    cells_of = dict(rows)
    readers = {column: _reader(column, decimal_mark) for column, _at in present}
    seen: dict[tuple[str, str], tuple] = {}
    kept = []
    for row in good:
        cells = cells_of[row.key]
        rule, errors = {}, {}
        for column, at in present:
            raw = cells[at].strip() if at < len(cells) else ""
            if not raw:
                continue
            outcome = seen.get((column, raw))
            if outcome is None:
                try:
                    outcome = seen[(column, raw)] = (readers[column](raw), None)
                except ValidationError as exc:
                    outcome = seen[(column, raw)] = (None, exc.message_dict)
            value, error = outcome
            if error:
                errors.update(error)
            elif column == "confirm_low_price":
                row.confirm_low_price = value
            else:
                rule[_FIELD[column]] = value
        if errors:
            failed.append(RowResult(row.key, row.sku, "failed", errors))
        else:
            row.rule = rule or None
            kept.append(row)
    return kept, failed
