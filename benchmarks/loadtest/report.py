"""The load test's report in Markdown: per user count, the requests, latencies, CPU and outcomes, then
the checks and the verdict."""
from __future__ import annotations

import os


def _ms(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


def run_errors(run: dict) -> int:
    """Failed requests and exceptions in the users' code."""
    return sum(failure["occurrences"] for failure in run["failures"])


def cpu_line(run: dict, requests: int) -> str:
    """CPU seconds each part used during the run, and per request: what the load cost, apart from
    what else the shared machine was doing."""
    cpu = run.get("cpu_s") or {}
    if not cpu or not requests:
        return "CPU: not measured."
    parts = ", ".join(
        f"{group} {seconds:,.1f} s ({seconds * 1000 / requests:.1f} ms/request)"
        for group, seconds in cpu.items()
    )
    available = (os.cpu_count() or 1) * run["seconds"]
    return (
        f"CPU used during the run ({run['seconds']:.0f} s of wall time, {available:.0f} core-seconds on "
        f"the machine): {parts}; in all {sum(cpu.values()):,.1f} s."
    )


def render(report: dict) -> str:
    m, cfg = report["machine"], report["config"]
    lines = [
        "# Load test: shoppers, sellers and an integrator at once",
        "",
        f"- **Date**: {report['date']} (run took {report['seconds']:.0f} s), commit `{m['commit']}`",
        f"- **Machine**: {m['cpu']}, {m['cores']} cores (shared with other work), {m['memory']} RAM, "
        f"PostgreSQL {m['postgresql']}; load average before {m['load_before']}, after {report['load_after']}",
        f"- **Data**: scale {report['dataset'].get('scale')} — "
        + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in report["dataset"].get("counts", {}).items()),
        f"- **Servers**: gunicorn `marketplace.wsgi` with {cfg['workers']} "
        + (f"gthread workers × {cfg['threads']} threads" if cfg["threads"] > 1 else "sync workers")
        + f" (timeout {cfg['timeout']} s) and one Celery worker on every queue (concurrency "
        f"{cfg['concurrency']}), `benchmarks.settings` (DEBUG off, persistent connections), PostgreSQL "
        "and Redis on the same machine; locust runs there too (one process).",
        f"- **Users**: {cfg['mix']}; each run lasts {cfg['duration']} s, the users arriving at "
        f"{cfg['spawn_rate']} a second. Think times (× {cfg['think_scale']}): shoppers 3–12 s between "
        "pages, and in checkout 2–6 s on the cart and the review, 5–15 s on the address, 5–12 s on the "
        "card; sellers by API 2–10 s, by CSV 10–30 s; integrators 2–8 s.",
        "",
        "The scenario is `benchmarks/locustfile.py`; the runner `benchmarks/load_test.py` (`make loadtest`). "
        "Latencies are end to end from locust on the same 2 cores (client, server, database and worker "
        "share them), so they include waiting for a core.",
        "",
    ]
    for run in report["runs"]:
        total = next((r for r in run["rows"] if r["name"] == "Aggregated"), {})
        errors = run_errors(run)
        load = run["load_average_1m"]
        lines += [
            f"## {run['users']} users",
            "",
            f"{total.get('requests', 0):,} requests in {run['duration_s']} s: "
            f"**{total.get('requests_per_s') or 0:.1f} requests/s**, p50 {_ms(total.get('median_ms'))} ms, "
            f"p95 {_ms(total.get('p95_ms'))} ms, p99 {_ms(total.get('p99_ms'))} ms; **{errors} errors**. "
            f"Load average (1 min) during the run: mean {load.get('mean')}, max {load.get('max')}.",
            "",
            cpu_line(run, total.get("requests") or 0),
            "",
            "| request | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in sorted(run["rows"], key=lambda r: (r["name"] == "Aggregated", -r["requests"])):
            # The names already start with the method ("GET /p/[model]/").
            name = "**all requests**" if row["name"] == "Aggregated" else f"`{row['name']}`"
            lines.append(
                f"| {name} | {row['requests']:,} | {row['requests_per_s'] or 0:.2f} | "
                f"{_ms(row['median_ms'])} | {_ms(row['p95_ms'])} | {_ms(row['p99_ms'])} | "
                f"{_ms(row['max_ms'])} | {row['failures']} |"
            )
        if run.get("server_times"):
            lines += [
                "",
                "Time a gunicorn worker spent on each kind of request (its access log); the rest of the "
                "latency above is the wait for a free worker:",
                "",
                "| request | requests | median ms | p95 ms | share of the workers' time |",
                "|---|---|---|---|---|",
            ]
            lines += [
                f"| `{row['name']}` | {row['requests']:,} | {_ms(row['median_ms'])} | {_ms(row['p95_ms'])} | "
                f"{row['share']:.0%} |"
                for row in run["server_times"][:15]
            ]
        lines += ["", "Outcomes the app gives on purpose, and what the users achieved:", ""]
        lines += [f"- {name}: {count:,}" for name, count in run["outcomes"].items()] or ["- none"]
        if run["failures"]:
            lines += ["", "Errors:", ""]
            lines += [
                f"- `{f['name']}` ×{f['occurrences']}: {' '.join(f['error'].split())[:300]}"
                for f in run["failures"]
            ]
        lines.append("")
    stock, orders = report["stock_check"], report["orders_check"]
    lines += [
        "## After the runs",
        "",
        f"- Tasks left in the queues when the servers stopped: {report['queued_at_end']}",
        f"- `manage.py stock_check` before: {report['stock_check_before']['summary']}",
        f"- `manage.py stock_check` after: **{'clean' if stock['ok'] else 'MISMATCHES'}** — "
        f"{stock['summary']}",
        *(f"  - {line}" for line in stock["mismatches"]),
        f"- Orders placed during the runs: {orders['by_status']}; paid in the database {orders['paid']}, "
        f"seen paid by the shoppers {orders['paid_seen_by_shoppers']}, success card submitted "
        f"{orders['success_cards_submitted']} times: **{'consistent' if orders['ok'] else 'INCONSISTENT'}** "
        "(each paid order has one succeeded payment of its total and its seller orders paid or accepted; "
        "no unpaid order holds a payment; between the orders the shoppers saw paid and the cards they "
        "submitted, as users stopped at the end of a run may not have read the answer).",
        *(f"  - {line}" for line in orders["problems"]),
        "",
        f"**Verdict**: {'pass' if report['ok'] else 'FAILED'} — "
        + (
            "0 errors at every user count, the stock ledger clean and the orders consistent."
            if report["ok"]
            else "see the errors and checks above."
        ),
        "",
    ]
    return "\n".join(lines)
