"""Numbers as people type them in their locale: `599,00`, `1 049,00 €`, `1.049,00`, `1,049.00`,
`EUR 12.5`, `1'049.00`. One parser for the stock import and the back-office forms.

A value with one `,` or `.` followed by exactly three digits (`1,049`) is a thousands separator or
a decimal mark; the caller may pass what the rest of its file says (`decimal_mark`), and without
that hint the value is refused as ambiguous, never guessed."""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

# Thousands separators besides `.` and `,`: space, no-break space, narrow no-break space, apostrophes.
_GROUPING = str.maketrans("", "", " \u00a0\u202f\u2009'\u2019")
_CURRENCY = re.compile(r"^(?:€|eur)\s*|\s*(?:€|eur)$", re.IGNORECASE)
_SHAPE = re.compile(r"^[+-]?[0-9.,]*[0-9][0-9.,]*$")
_GROUPED = re.compile(r"^[0-9]{1,3}(?:[.,][0-9]{3})+$")
# The common case, read at once: digits, with a point and one or two decimals (`249.90`, `7`).
_PLAIN = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,2})?")
_PLAIN_COMMA = re.compile(r"[0-9]{1,9},[0-9]{1,2}")  # `249,90`


class NumberError(ValueError):
    """A value that is not a number, with the reason in the user's language."""


def decimal_mark_of(value: str) -> str | None:
    """The decimal mark a value shows beyond doubt (`249,90` → `,`; `1.049,00` → `,`), else None."""
    if _PLAIN.fullmatch(value):
        return "." if "." in value else None
    if _PLAIN_COMMA.fullmatch(value):
        return ","
    text = _CURRENCY.sub("", value.strip()).translate(_GROUPING)
    if "," in text and "." in text:
        return "," if text.rfind(",") > text.rfind(".") else "."
    for mark in ",.":
        if text.count(mark) == 1:
            before, after = text.lstrip("+-").split(mark)
            if len(after) != 3 or before in ("", "0"):
                return mark
    return None


# A value that may be ambiguous: one `,` or `.` then three digits at its end (currency aside).
_MAYBE_AMBIGUOUS = re.compile(r"[.,][0-9]{3}[ \t]*(?:€|eur)?[ \t]*$", re.IGNORECASE | re.MULTILINE)


def file_decimal_mark(values) -> str | None:
    """The decimal mark a column's values agree on (None if none shows one, or they disagree).
    Only an ambiguous value (`1,049`) is read with it, so a file without one is not looked at value
    by value (one regex over them all: most files)."""
    values = values if isinstance(values, (set, frozenset)) else set(values)
    if not _MAYBE_AMBIGUOUS.search("\n".join(values).translate(_GROUPING)):
        return None
    marks = {decimal_mark_of(value) for value in values} - {None}
    return marks.pop() if len(marks) == 1 else None


def parse_decimal(value: str, *, decimal_mark: str | None = None) -> Decimal:
    """The number a person typed; raises NumberError saying why it is not one."""
    value = str(value)
    if _PLAIN.fullmatch(value):
        return Decimal(value)
    if _PLAIN_COMMA.fullmatch(value):
        return Decimal(value.replace(",", "."))
    raw = str(value).strip()
    text = _CURRENCY.sub("", raw).strip()
    grouped = text != text.translate(_GROUPING)
    text = text.translate(_GROUPING)
    if not _SHAPE.match(text):
        raise NumberError(_("“%(value)s” is not a number.") % {"value": raw})
    sign = ""
    if text[0] in "+-":
        sign, text = text[0], text[1:]
    commas, points = text.count(","), text.count(".")
    if commas and points:
        mark = "," if text.rfind(",") > text.rfind(".") else "."
        other = "." if mark == "," else ","
        whole, _sep, fraction = text.rpartition(mark)
        if mark in whole or not _GROUPED.match(whole) and other in whole:
            raise NumberError(_("“%(value)s” mixes its separators.") % {"value": raw})
        text = whole.replace(other, "") + "." + fraction
    elif commas + points > 1:
        if not _GROUPED.match(text):
            raise NumberError(_("“%(value)s” is not a number.") % {"value": raw})
        text = text.replace(",", "").replace(".", "")
    elif commas + points == 1:
        mark = "," if commas else "."
        before, after = text.split(mark)
        if len(after) == 3 and before not in ("", "0") and not grouped:
            if decimal_mark is None:
                raise NumberError(_(
                    "“%(value)s” is ambiguous: %(thousands)s or %(decimal)s? Write it with its "
                    "decimals (such as %(example)s) or without a thousands separator.")
                    % {"value": raw, "thousands": before + after, "decimal": before + "." + after,
                       "example": f"{before}{after},00" if mark == "," else f"{before}{after}.00"})
            text = before + after if decimal_mark != mark else before + "." + after
        else:
            text = before + "." + after
    try:
        return Decimal(sign + text)
    except InvalidOperation as exc:
        raise NumberError(_("“%(value)s” is not a number.") % {"value": raw}) from exc
