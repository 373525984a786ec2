"""What the last generation wrote (scale, seed, counts), recorded in a table of the database itself."""
from __future__ import annotations

import json

DATASET_TABLE = "benchmark_dataset"


def dataset_record(cursor, *, scale: float, seed: int, seconds: float, counts: dict[str, int]) -> None:
    """Replaces the record of what this database holds (its one row) with this generation's."""
    cursor.execute(f"""CREATE TABLE IF NOT EXISTS {DATASET_TABLE} (
        id int PRIMARY KEY, scale double precision, seed int, generated_at timestamptz,
        seconds double precision, counts jsonb)""")
    cursor.execute(f"DELETE FROM {DATASET_TABLE}")
    cursor.execute(f"INSERT INTO {DATASET_TABLE} VALUES (1, %s, %s, now(), %s, %s)",
                   [scale, seed, seconds, json.dumps(counts)])


def dataset_info() -> dict | None:
    """What the last generate() wrote into this database, or None."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [DATASET_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT scale, seed, generated_at, seconds, counts FROM {DATASET_TABLE}")
        row = cursor.fetchone()
    if row is None:
        return None
    counts = row[4] if isinstance(row[4], dict) else json.loads(row[4])
    return {"scale": row[0], "seed": row[1], "generated_at": row[2], "seconds": row[3], "counts": counts}
