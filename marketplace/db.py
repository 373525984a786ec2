"""PostgreSQL helpers on the psycopg 3 driver: COPY from Python data, and one statement of many
rows of values."""
from collections.abc import Sequence


def copy_in(cursor, sql: str, data: str | bytes) -> None:
    """`COPY … FROM STDIN` fed with `data` (text or bytes in the COPY's format), on a Django cursor."""
    with cursor.cursor.copy(sql) as copy:
        copy.write(data)


def last_rows(cursor) -> list[tuple]:
    """The rows of the last statement of a multi-statement execute (`SET LOCAL …; UPDATE …
    RETURNING …`): psycopg 3 keeps each statement's result and starts at the first."""
    raw = cursor.cursor
    while raw.nextset():
        pass
    return cursor.fetchall()


def values_sql(template: str, rows: Sequence[Sequence]) -> tuple[str, list]:
    """`(%s, %s), (%s, %s) …` for a `VALUES` list of `rows`, each row shaped by `template` (such as
    "(%s, %s::timestamptz)"), and the rows' values flattened as the statement's parameters."""
    return ", ".join([template] * len(rows)), [value for row in rows for value in row]
