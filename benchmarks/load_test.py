"""The load test as users behave: gunicorn and a Celery worker on the generated marketplace, locust.

    make loadtest                                    # 50 then 200 users, 120 s each
    make loadtest ARGS="--users 20 --duration 30"    # a quick look
    python benchmarks/load_test.py --users 50 200 --duration 120 --workers 4

With DATABASE_URL and REDIS_URL as for `make benchmark` (its own database: the generator empties the
marketplace tables). In order: migrate and generate the data if missing (benchmarks/run.py's
prepare_data, the same scale as `make benchmark`), prove the stock ledger before (`stock_check`),
write the fixture the users read (catalog entries, shoppers, and fresh API keys for the sellers
and integrators, kept under var/load_test/, never in the results), start a Celery worker on every
queue (marketplace.queues) and gunicorn as in production (sync workers, benchmarks.settings), run
locust headless (benchmarks/locustfile.py) once per user count for a fixed time, wait for the
worker to drain its queues, stop both, then check the stock ledger again and the orders the run
placed. Writes benchmarks/results/load_test.md and load_test.json; exits 1 on any request error,
a stock mismatch or an inconsistent order.

This file runs those steps in order; each is a module of benchmarks/loadtest/ (fixture, servers,
locust_run, checks, report), and the users themselves are benchmarks/locustfile.py's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.loadtest import ACCESS_LOG, LOCUSTFILE, RESULTS_DIR, WORK_DIR  # noqa: E402
from benchmarks.loadtest.checks import orders_check, stock_check  # noqa: E402
from benchmarks.loadtest.fixture import KEY_NAME, build_fixture, shoppers_fixture  # noqa: E402
from benchmarks.loadtest.locust_run import LoadSampler, run_locust, server_times  # noqa: E402
from benchmarks.loadtest.report import cpu_line, render, run_errors  # noqa: E402
from benchmarks.loadtest.servers import (  # noqa: E402
    queued_tasks,
    server_env,
    start_gunicorn,
    start_worker,
    stop,
    wait_for_queues,
    wait_for_worker,
)

# What the tests import from here (tests/benchmarks/test_load_test.py), and the parts by name.
__all__ = [
    "ACCESS_LOG", "KEY_NAME", "LOCUSTFILE", "RESULTS_DIR", "WORK_DIR", "LoadSampler", "build_fixture",
    "cpu_line", "main", "orders_check", "queued_tasks", "render", "run_errors", "run_locust",
    "server_env", "server_times", "shoppers_fixture", "start_gunicorn", "start_worker", "stock_check",
    "stop", "wait_for_queues", "wait_for_worker",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--duration", type=int, default=120, help="seconds of load per user count")
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument(
        "--think-scale",
        type=float,
        default=1.0,
        help="multiplies every think time (below 1: harder than people)",
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="the generated marketplace (as make benchmark)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (>1: gthread)")
    parser.add_argument("--timeout", type=int, default=30, help="gunicorn's worker timeout")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (0: a free one)")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "load_test.md")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from django.db import connection

    from benchmarks.run import _free_port, _wait_for, ensure_database, machine, prepare_data

    if connection.vendor != "postgresql":
        print("The load test needs PostgreSQL: set DATABASE_URL (see benchmarks/README.md).", file=sys.stderr)
        return 2
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    started, started_at = time.perf_counter(), datetime.now(UTC)
    ensure_database()
    info = prepare_data(scale=args.scale, seed=args.seed, regenerate=args.regenerate)
    mach = machine()
    print("Checking the stock ledger before…")
    before = stock_check()
    print(f"  {before['summary']}")
    print("Writing the users' fixture (API keys under var/load_test/)…")
    fixture_path = WORK_DIR / "fixture.json"
    fixture_path.write_text(
        json.dumps(
            build_fixture(
                seed=int(started_at.timestamp()), started_at=started_at, think_scale=args.think_scale
            )
        )
    )
    connection.close()

    port = args.port or _free_port()
    worker = server = None
    runs = []
    try:
        worker = start_worker(concurrency=args.concurrency, log_path=WORK_DIR / "worker.log")
        server = start_gunicorn(
            port=port,
            workers=args.workers,
            threads=args.threads,
            timeout=args.timeout,
            log_path=WORK_DIR / "gunicorn.log",
        )
        if not wait_for_worker():
            raise SystemExit("The Celery worker did not answer within 60 s (see var/load_test/worker.log).")
        if not _wait_for(f"http://127.0.0.1:{port}/healthz", timeout=60):
            raise SystemExit("gunicorn did not answer within 60 s (see var/load_test/gunicorn.log).")
        for users in args.users:
            print(f"Running {users} users for {args.duration} s…")
            run = run_locust(
                host=f"http://127.0.0.1:{port}",
                users=users,
                spawn_rate=args.spawn_rate,
                duration=args.duration,
                fixture_path=fixture_path,
                prefix=WORK_DIR / f"users_{users}",
                servers={"gunicorn": server.pid, "celery": worker.pid},
                database=connection.settings_dict["NAME"],
                access_log=ACCESS_LOG,
            )
            total = next((r for r in run["rows"] if r["name"] == "Aggregated"), {})
            print(
                f"  {total.get('requests')} requests, {total.get('requests_per_s')} req/s, p95 "
                f"{total.get('p95_ms')} ms, errors {run_errors(run)}, load {run['load_average_1m']}, "
                f"CPU s {run['cpu_s']}"
            )
            runs.append(run)
            queued = wait_for_queues()
        queued = wait_for_queues()
    finally:
        stop(server)
        stop(worker)

    print("Checking the stock ledger and the orders after…")
    after = stock_check()
    orders = orders_check(
        since=started_at,
        paid_by_users=sum(run["outcomes"].get("order paid", 0) for run in runs),
        cards_submitted=sum(run["outcomes"].get("success card submitted", 0) for run in runs),
    )
    errors = sum(run_errors(run) for run in runs)
    report = {
        "date": started_at.strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": time.perf_counter() - started,
        "machine": mach,
        "dataset": {**info, "generated_at": str(info["generated_at"])} if info else {},
        "config": {
            "workers": args.workers,
            "threads": args.threads,
            "timeout": args.timeout,
            "concurrency": args.concurrency,
            "duration": args.duration,
            "spawn_rate": args.spawn_rate,
            "think_scale": args.think_scale,
            "mix": "shoppers 90 : sellers by API 4 : sellers by CSV 2 : integrators 4 (locust weights)",
        },
        "runs": runs,
        "queued_at_end": queued,
        "stock_check_before": before,
        "stock_check": after,
        "orders_check": orders,
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    report["ok"] = (
        bool(runs)
        and errors == 0
        and after["ok"]
        and orders["ok"]
        and all(run["exit_code"] == 0 and run["rows"] for run in runs)
    )
    RESULTS_DIR.mkdir(exist_ok=True)
    markdown = render(report)
    args.output.write_text(markdown)
    args.output.with_suffix(".json").write_text(json.dumps(report, indent=2, default=str))
    print(markdown)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
