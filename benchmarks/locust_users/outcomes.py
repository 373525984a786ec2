"""Answers the app gives on purpose, counted as outcomes (not errors), and the run's figures written
to $LOAD_TEST_RESULT as JSON when locust stops."""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from locust import events

OUTCOMES: Counter = Counter()


def outcome(name: str) -> None:
    """An answer the app gives on purpose (sold out, below allocated…): counted, not an error."""
    OUTCOMES[name] += 1


def _stats_row(entry, name: str | None = None) -> dict:
    percentile = entry.get_response_time_percentile
    return {
        "type": entry.method or "",
        "name": name or entry.name,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "requests_per_s": round(entry.total_rps, 2),
        "median_ms": percentile(0.5) if entry.num_requests else None,
        "p95_ms": percentile(0.95) if entry.num_requests else None,
        "p99_ms": percentile(0.99) if entry.num_requests else None,
        "max_ms": round(entry.max_response_time) if entry.num_requests else None,
        "average_ms": round(entry.avg_response_time, 1),
    }


@events.quitting.add_listener
def _write_results(environment, **_kwargs):
    """The final figures once every user has stopped (locust's CSV is written a moment earlier)."""
    path = os.environ.get("LOAD_TEST_RESULT")
    if not path:
        return
    stats = environment.stats
    Path(path).write_text(
        json.dumps(
            {
                "rows": [
                    *(_stats_row(entry) for entry in stats.entries.values()),
                    _stats_row(stats.total, "Aggregated"),
                ],
                "failures": [
                    {
                        "method": error.method,
                        "name": error.name,
                        "error": str(error.error),
                        "occurrences": error.occurrences,
                    }
                    for error in stats.errors.values()
                ]
                # An exception in the users' own code (a task that crashed) is an error too.
                + [
                    {
                        "method": "EXCEPTION",
                        "name": "user code",
                        "error": error["msg"],
                        "occurrences": error["count"],
                    }
                    for error in environment.runner.exceptions.values()
                ],
                "outcomes": dict(sorted(OUTCOMES.items())),
            },
            indent=2,
        )
    )
