"""The seller API's input types: strict JSON types, no control characters, and published bounds.

An integer is a JSON Schema integer (5 or 5.0, never true or "5"), a flag a JSON boolean, a
date-time an RFC 3339 (ISO 8601) string with its offset: nothing is coerced (`false` is not 0,
`"no"` is not false, `0.5` is not a date). Each bound is published in the OpenAPI schema and
checked by the same validator as the services, so the schema, the API, the back office and the CSV
import agree. Query strings are text on the wire: a query integer is digits, a query flag `true` or
`false`, and a query parameter the operation does not declare is refused (422 naming it) instead of
silently ignored.
"""
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.params.models import QueryModel
from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core import ValidationError as PydanticValidationError

from marketplace.controls import CONTROL_CHARACTERS

from .models import MIN_WARRANTY_MONTHS
from .services import (
    MAX_PRICE,
    MAX_QUANTITY,
    MAX_WARRANTY_MONTHS,
    validate_battery_health,
    validate_price,
    validate_quantity,
    validate_warranty,
)

MIN_PRICE = Decimal("0.01")
MAX_OFFSET = 1_000_000


def _refused(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid", str(message))


def _checked(check, value):
    """The service's own validator; its message becomes the field's error."""
    try:
        return check(value)
    except DjangoValidationError as exc:
        raise _refused(exc.messages[0]) from exc


# --- Text ------------------------------------------------------------------------------------------
# Published as a pattern: no control character, and something other than spaces.
_CONTROLS = r"\u0000-\u001f\u007f-\u009f"
_TEXT_PATTERN = rf"^[^{_CONTROLS}]*[^\s{_CONTROLS}][^{_CONTROLS}]*$"


def Text(max_length: int, *, description: str | None = None):  # noqa: N802 - a type factory
    """A one-line string of at most `max_length` characters, not blank, with no control character."""
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _refused(_("Enter text."))
        if CONTROL_CHARACTERS.search(value):
            raise _refused(_("Remove the line breaks and other control characters."))
        if not value.strip():
            raise _refused(_("This field cannot be blank."))
        if len(value) > max_length:
            raise _refused(_("Enter at most %(max)s characters.") % {"max": max_length})
        return value

    schema = text_schema(max_length)
    if description:
        schema["description"] = description
    return Annotated[str, BeforeValidator(check), WithJsonSchema(schema)]


def text_schema(max_length: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": _TEXT_PATTERN}


def _id_key(value: Any) -> int:
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value):
        return int(value)
    raise _refused(_("Use the id, in digits, as the key."))


def ById(item_type, item_schema: dict[str, Any], *, description: str):  # noqa: N802 - a type factory
    """A JSON object keyed by ids written in digits, e.g. {"981": [...]} (JSON keys are strings)."""
    return Annotated[dict[Annotated[int, BeforeValidator(_id_key)], item_type], WithJsonSchema({
        "type": "object", "propertyNames": {"pattern": "^[0-9]{1,18}$"},
        "additionalProperties": item_schema, "description": description})]


# --- Numbers and flags in a JSON body --------------------------------------------------------------
def _json_integer(value: Any) -> int | None:
    """A JSON Schema integer: an int, or a number with no fraction (5.0); never a boolean or text."""
    if type(value) is int:  # bool is an int subclass: refused
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    return None


def _bounded_integer(check, message: str):
    def validate(value: Any) -> int:
        number = _json_integer(value)
        if number is None:
            raise _refused(message)
        return _checked(check, number)

    return validate


Quantity = Annotated[
    int, BeforeValidator(_bounded_integer(validate_quantity, gettext_lazy("Enter a whole number of units."))),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_QUANTITY,
                    "description": f"Units on hand, 0 to {MAX_QUANTITY}."})]
WarrantyMonths = Annotated[
    int, BeforeValidator(_bounded_integer(validate_warranty, gettext_lazy("Enter a number of months."))),
    WithJsonSchema({"type": "integer", "minimum": MIN_WARRANTY_MONTHS, "maximum": MAX_WARRANTY_MONTHS,
                    "description": f"{MIN_WARRANTY_MONTHS} to {MAX_WARRANTY_MONTHS} months."})]
BatteryHealth = Annotated[
    int, BeforeValidator(_bounded_integer(validate_battery_health,
                                          gettext_lazy("Enter the battery health as a whole percentage."))),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 100,
                    "description": "Battery health in percent, 0 to 100 (a new battery: `battery_new`)."})]


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise _refused(_("Enter true or false."))
    return value


Flag = Annotated[bool, BeforeValidator(_flag), WithJsonSchema({"type": "boolean"})]

# A price is a JSON number or a decimal string ("429.90"), from 0.01 to MAX_PRICE, rounded to the cent.
# Leading zeros are allowed, as the published pattern allows them.
_PRICE_TEXT = re.compile(r"-?0*[0-9]{1,12}(\.[0-9]{1,12})?")
_PRICE_TEXT_PATTERN = (r"^(?:0*[1-9][0-9]{0,4}(?:\.[0-9]{1,12})?|0*100000(?:\.0{1,12})?"
                       r"|0+\.(?:0[1-9]|[1-9])[0-9]{0,10})$")
assert Decimal("100000.00") == MAX_PRICE, "the published price pattern spells out the maximum"


def _price(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _refused(_("Enter a price such as 249.90."))
    if isinstance(value, str) and not _PRICE_TEXT.fullmatch(value):
        raise _refused(_("Enter a price such as 249.90."))
    try:
        exact = Decimal(str(value))
    except InvalidOperation as exc:
        raise _refused(_("Enter a price such as 249.90.")) from exc
    price = _checked(validate_price, exact)
    # Rounding to the cent must not carry a price across a bound.
    if exact < MIN_PRICE:
        raise _refused(_("The price must be at least %(min)s.") % {"min": MIN_PRICE})
    if exact > MAX_PRICE:
        raise _refused(_("The price must be at most %(max)s.") % {"max": MAX_PRICE})
    return price


Price = Annotated[Decimal, BeforeValidator(_price), WithJsonSchema({
    "anyOf": [{"type": "number", "minimum": float(MIN_PRICE), "maximum": float(MAX_PRICE)},
              {"type": "string", "pattern": _PRICE_TEXT_PATTERN}],
    "description": f"In euros, {MIN_PRICE} to {MAX_PRICE}, rounded to the cent.",
    "examples": ["429.90"]})]


# --- Query strings ---------------------------------------------------------------------------------
def QueryInteger(default: int, *, ge: int, le: int, description: str | None = None):  # noqa: N802
    """A query integer: digits only, between `ge` and `le` (both published)."""
    def digits(value: Any) -> Any:
        if isinstance(value, str) and not re.fullmatch(r"-?[0-9]{1,19}", value):
            raise _refused(_("Enter a whole number."))
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise _refused(_("Enter a whole number."))
        return int(value)

    schema: dict[str, Any] = {"type": "integer", "minimum": ge, "maximum": le, "default": default}
    if description:
        schema["description"] = description
    return Annotated[int, BeforeValidator(digits), Field(default, ge=ge, le=le), WithJsonSchema(schema)]


def _query_flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    raise _refused(_("Enter true or false."))


QueryFlag = Annotated[bool, BeforeValidator(_query_flag)]

_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})",
                        re.ASCII)
_DATE_TIME_HINT = gettext_lazy(
    "Enter a date and time in ISO 8601 with its offset, e.g. 2026-01-31T08:00:00Z.")


def _date_time(value: Any) -> datetime:
    """An RFC 3339 date-time, in UTC. Beyond the calendar Python knows, the nearest end of it."""
    match = _DATE_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _refused(_DATE_TIME_HINT)
    day, minutes, seconds, fraction, offset = match.groups()
    seconds = "59" if seconds == "60" else seconds  # a leap second
    try:
        moment = datetime.fromisoformat(f"{day}T{minutes}:{seconds}{(fraction or '')[:7]}"
                                        f"{'+00:00' if offset.upper() == 'Z' else offset}")
    except ValueError as exc:
        raise _refused(_DATE_TIME_HINT) from exc
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # PostgreSQL stores these, Python cannot shift them: clamp
        return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)


DateTime = Annotated[datetime, BeforeValidator(_date_time),
                     WithJsonSchema({"type": "string", "format": "date-time"})]


# --- Unknown query parameters ----------------------------------------------------------------------
class _DeclaredQueryOnly(QueryModel):
    """Added to each operation: a query parameter it does not declare is a 422 naming it."""

    __ninja_param_source__ = "query"
    __ninja_flatten_map_reverse__: ClassVar[dict] = {}
    declared: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def resolve(cls, request, api, path_params):
        unknown = sorted(set(request.GET) - cls.declared)
        if unknown:
            raise PydanticValidationError.from_exception_data("query", [
                InitErrorDetails(type=PydanticCustomError("unknown_parameter", str(
                    _("Unknown query parameter; see the API documentation for this operation's "
                      "parameters."))), loc=(name,), input=request.GET.get(name))
                for name in unknown])
        return cls()


def forbid_unknown_query_parameters(router) -> None:
    """Makes every operation of `router` refuse query parameters it does not declare."""
    for path_view in router.path_operations.values():
        for operation in path_view.operations:
            declared = set()
            for model in operation.models:
                if model.__ninja_param_source__ == "query":
                    declared |= set(getattr(model, "__ninja_flatten_map__", None) or model.model_fields)
            guard = type("DeclaredQueryOnly", (_DeclaredQueryOnly,), {"declared": frozenset(declared)})
            operation.models = [*operation.models, guard]


# --- Bulk items: strict types here, bounds checked item by item (a bad item fails alone) ---------
def _whole_number(value: Any) -> int:
    number = _json_integer(value)
    if number is None:
        raise _refused(_("Enter a whole number."))
    return number


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal) or (
            isinstance(value, str) and not _PRICE_TEXT.fullmatch(value)):
        raise _refused(_("Enter a price such as 249.90."))
    return Decimal(str(value))


WholeNumber = Annotated[int, BeforeValidator(_whole_number), WithJsonSchema({"type": "integer"})]
Amount = Annotated[Decimal, BeforeValidator(_amount), WithJsonSchema({
    "anyOf": [{"type": "number"}, {"type": "string", "pattern": "^" + _PRICE_TEXT.pattern + "$"}],
    "examples": ["419.00"]})]
