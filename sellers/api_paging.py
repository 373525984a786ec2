"""Keyset (cursor) paging for the seller API's lists, stable under concurrent writes.

A list called with `cursor=start` walks by keyset instead of by offset, and every answer gives the
`next_cursor` to send back (opaque to the client; here, digits). Two walks:

- without `updated_since`: by id, oldest first. Ids never change, so each row is seen exactly once
  however many rows change during the walk; rows created meanwhile come at the end.
- with `updated_since` (an incremental sync): by (updated_at, id), oldest change first. A row changed
  during the walk comes again at the end with its latest state, so nothing is skipped; keep the last
  `updated_at` read as the next sync's `updated_since`.

Any value the schema allows is a valid cursor (no 422 for a well-formed one): `start`, `<id>` or
`<updated_at in Unix microseconds>_<id>`.
"""
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

START = "start"
CURSOR_PATTERN = r"^(start|[0-9]{1,18}|[0-9]{1,18}_[0-9]{1,18})$"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_MICROS = int((datetime(9999, 12, 30, tzinfo=UTC) - _EPOCH) / timedelta(microseconds=1))  # a day short


def _cursor(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(CURSOR_PATTERN, value):
        raise PydanticCustomError("invalid", str(_("Send “start” or the next_cursor of the previous page.")))
    return value


Cursor = Annotated[str, BeforeValidator(_cursor), WithJsonSchema({
    "type": "string", "pattern": CURSOR_PATTERN, "maxLength": 37,
    "description": "Keyset paging: `start` for the first page, then the `next_cursor` of the previous "
                   "answer. Stable under concurrent writes (unlike the deprecated `offset`). Without "
                   "`updated_since` each row comes once, by id; with it, by change time, a row changed "
                   "during the walk comes again with its latest state."})]


ID_CURSOR_PATTERN = r"^(start|[0-9]{1,18})$"


def _id_cursor(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(ID_CURSOR_PATTERN, value):
        raise PydanticCustomError("invalid", str(_("Send “start” or the next_cursor of the previous page.")))
    return value


# The cursor of a list of rows that never change (events, deliveries, movements): by id only.
IdCursor = Annotated[str, BeforeValidator(_id_cursor), WithJsonSchema({
    "type": "string", "pattern": ID_CURSOR_PATTERN, "maxLength": 18,
    "description": "Keyset paging by id: `start` for the first page, then the `next_cursor` of the "
                   "previous answer. Each row comes once, however the list grows meanwhile."})]


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _moment(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=min(micros, _MAX_MICROS))


def keyset_page(queryset: QuerySet, *, cursor: str, limit: int, by_update: bool) -> tuple[list, str, bool]:
    """The page after `cursor`, the cursor to continue from, and whether more rows follow.

    `by_update` is the walk of a new cursor (`start`); a cursor already handed out keeps its own walk."""
    if cursor != START:
        by_update = "_" in cursor
    if by_update:
        queryset = queryset.order_by("updated_at", "id")
        if cursor != START:
            micros, last_id = (int(part) for part in cursor.split("_"))
            moment = _moment(micros)
            queryset = queryset.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, id__gt=last_id))
    else:
        queryset = queryset.order_by("id")
        if cursor != START:
            queryset = queryset.filter(id__gt=int(cursor))
    rows = list(queryset[:limit + 1])
    more, rows = len(rows) > limit, rows[:limit]
    if not rows:
        return rows, cursor, False
    last = rows[-1]
    return rows, (f"{_micros(last.updated_at)}_{last.pk}" if by_update else str(last.pk)), more


def keyset_answer(queryset: QuerySet, *, cursor: str, limit: int, by_update: bool, item,
                  updatable: bool = True) -> dict:
    """A list answer for `cursor` paging: the page's items (each through `item`), `next_cursor`
    and `has_more`; what every seller-API list built on keyset paging returns. A list of rows that
    never change (`updatable=False`: events, movements) walks by id only."""
    if not updatable and "_" in cursor:
        raise ValidationError({"cursor": [_("This list walks by id: send “start” or a next_cursor it "
                                            "gave.")]})
    rows, next_cursor, more = keyset_page(queryset, cursor=cursor, limit=limit, by_update=by_update)
    return {"items": [item(row) for row in rows], "next_cursor": next_cursor, "has_more": more,
            "limit": limit}
