"""Rows into a model's table with PostgreSQL COPY, the generator's one way of writing them in bulk."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from marketplace.db import copy_in


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, datetime):
        return value.isoformat()
    else:
        value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(cursor, model, columns: Sequence[str], rows: Iterable[Sequence], chunk: int = 50_000) -> int:
    """COPYs rows (values for `columns`, by attname) into the model's table.

    Concrete fields the generator does not know about (added later by another app's migration)
    get their Python default, or NULL, so the generator keeps working as the schema grows.
    """
    from django.db.models.expressions import DatabaseDefault
    from django.db.models.fields import NOT_PROVIDED

    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [c for c in columns if c not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no column {unknown}")
    extra_names, extra_values = [], []
    for name, f in fields.items():
        if name in columns:
            continue
        if getattr(f, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
            continue  # the database fills it
        default = f.get_default()
        if isinstance(default, DatabaseDefault):
            continue
        if default in ("", None) and f.null:
            default = None
        extra_names.append(name)
        extra_values.append(_copy_text(default))
    names = [fields[c].column for c in columns] + [fields[c].column for c in extra_names]
    tail = ("\t" + "\t".join(extra_values)) if extra_values else ""
    sql = 'COPY "{}" ({}) FROM STDIN'.format(model._meta.db_table, ", ".join(f'"{n}"' for n in names))
    total, lines = 0, []
    for row in rows:
        lines.append("\t".join(_copy_text(v) for v in row) + tail)
        if len(lines) >= chunk:
            copy_in(cursor, sql, "\n".join(lines) + "\n")
            total += len(lines)
            lines = []
    if lines:
        copy_in(cursor, sql, "\n".join(lines) + "\n")
        total += len(lines)
    return total
