"""The scale benchmark's report: the results' Markdown (RESULTS.md), its targets judged, the
machine it ran on, and the summary kept in benchmarks/README.md. benchmarks/run.py measures and
calls these."""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks import throughput
from benchmarks.throughput import BARE_URL

if TYPE_CHECKING:
    from benchmarks.run import Measurement, PageCase

ROOT = Path(__file__).resolve().parent.parent
README = Path(__file__).resolve().parent / "README.md"
README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"
TARGETS = {
    "product_queries": 12, "product_median_ms": 30.0, "category_queries": 12,
    "category_median_ms": 30.0, "search_median_ms": 20.0, "throughput_ratio": 0.5,
    "import_rows_per_s": 50_000,
}


def _find_value(summary, *names: str, accept=lambda value: True):
    """The first value under any of the key names, anywhere in a nested summary, that `accept`s."""
    if isinstance(summary, dict):
        for name in names:
            if name in summary and accept(summary[name]):
                return summary[name]
        children = summary.values()
    elif isinstance(summary, list):
        children = summary
    else:
        return None
    for value in children:
        found = _find_value(value, *names, accept=accept)
        if found is not None:
            return found
    return None


def _find_number(summary, *names: str) -> float | None:
    """The first numeric value under any of the key names, anywhere in a nested summary."""
    return _find_value(summary, *names,
                       accept=lambda value: isinstance(value, int | float) and not isinstance(value, bool))


def _fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def machine() -> dict:
    from django.db import connection

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{mem_kb / 1024 / 1024:.0f} GB"
    except (OSError, AttributeError):
        memory = "?"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    import django

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "os": platform.platform(terse=True),
            "python": platform.python_version(), "django": django.get_version(), "postgresql": pg,
            "commit": commit, "load_before": load and [round(x, 2) for x in load]}


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("**pass**" if ok else "**MISSED**")


def page_row(case: PageCase, m: Measurement, base: Measurement) -> tuple[str, list[str]]:
    """One results-table row; returns (verdict, cells)."""
    checks, target = [], []
    if case.query_target is not None:
        target.append(f"≤ {case.query_target} queries")
        if m.queries is not None:
            checks.append(m.queries <= case.query_target)
    if case.median_target_ms is not None:
        target.append(f"< {case.median_target_ms:g} ms median")
        if m.median_ms is not None:
            checks.append(m.median_ms < case.median_target_ms)
    if not m.ok:
        ok = False if target else None
        status = m.error or f"HTTP {m.status}"
    else:
        ok = all(checks) if checks else None
        status = "200"
    over = "—"
    bare = m.paired_baseline_ms or base.median_ms
    if m.median_ms is not None and bare:
        over = f"{_fmt_ms(bare)} → +{m.median_ms - bare:.1f} ms (×{m.median_ms / bare:.1f})"
    cells = [case.name, f"`{m.url}`", status, str(m.iterations or "—"), _fmt_ms(m.median_ms),
             _fmt_ms(m.p95_ms),
             _fmt_ms(m.cpu_ms),
             "—" if m.queries is None else str(m.queries), _fmt_ms(m.cold_median_ms),
             "—" if m.cold_queries is None else str(m.cold_queries), over, ", ".join(target) or "—",
             verdict(ok)]
    return verdict(ok), cells


def shorten_sql(sql_text: str, limit: int = 700) -> str:
    """The shape of a query: plain column lists become "…", subqueries and clauses stay."""
    sql_text = " ".join(sql_text.split())
    sql_text = re.sub(r'(?:\b\w+\."\w+"|"\w+"\."\w+")(?: AS "\w+")?(?:, (?:\b\w+\."\w+"|"\w+"\."\w+")'
                      r'(?: AS "\w+")?)+', "…", sql_text)
    return (sql_text[:limit] + " …") if len(sql_text) > limit else sql_text


def render_report(report: dict) -> str:
    mach, data = report["machine"], report["dataset"]
    lines = [
        "# Scale benchmark results",
        "",
        f"- **Date**: {report['date']} (run took {report['seconds']:.0f} s)",
        f"- **Machine**: {mach['cpu']}, {mach['cores']} cores, {mach['memory']} RAM, {mach['os']}; "
        f"load average before the run {mach['load_before']}",
        f"- **Software**: Python {mach['python']}, Django {mach['django']}, PostgreSQL {mach['postgresql']}, "
        f"commit `{mach['commit']}` (plus uncommitted work of the moment)",
        f"- **Data** (scale {data.get('scale')}, seed {data.get('seed')}, generated in "
        f"{data.get('seconds', 0):.0f} s): " + ", ".join(f"{v:,} {k.replace('_', ' ')}"
                                                         for k, v in data.get("counts", {}).items()),
        f"- **Method**: in-process `django.test.Client` with `benchmarks.settings` (DEBUG off, persistent "
        f"connections, Redis cache); per page {report['iterations']} timed requests (*n*; fewer for a page "
        f"slower than the time budget) after "
        f"{report['warmup']} warm-up ones, each alternating with a request of the bare view "
        f"`{BARE_URL}` (base.html, no queries of its own) as the same user, so both see the same load; "
        f"the query count is the largest of 3 captured requests. *Empty cache*: "
        f"{report.get('cold_iterations')} more requests, each right after emptying the Redis cache "
        f"(the worst case a visitor meets; targets are judged on the steady state, plus the empty-cache "
        f"query count). *CPU ms* is the Python process's own "
        f"CPU time (the rest of the wall time is PostgreSQL, Redis and waiting for the CPU).",
        f"- **Load**: this machine's 2 cores are shared with other work; load average during the run "
        f"{report.get('load_after')}. Absolute numbers move with that load, the ratios to the bare "
        f"view much less.",
        "",
        "## Server time and SQL queries",
        "",
        "| page | URL | status | n | median ms | p95 ms | CPU ms | queries | empty cache: median ms "
        "| empty cache: queries | bare view ms (same loop) → over it | target | result |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for who, base in report["baselines"].items():
        lines.append(f"| Bare view, {who} (baseline) | `{base['url']}` | {base['status']} | "
                     f"{base['iterations']} | "
                     f"{_fmt_ms(base['median_ms'])} | {_fmt_ms(base['p95_ms'])} | "
                     f"{_fmt_ms(base['cpu_ms'])} | "
                     f"{base['queries']} | — | — | — | — | — |")
    for row in report["page_rows"]:
        lines.append("| " + " | ".join(row) + " |")
    notes = [f"- {p['name']}: {p['note']}" for p in report["pages"] if p.get("note")]
    if notes:
        lines += ["", *notes]
    slow = [p for p in report["pages"] if p.get("slowest_query")]
    if slow:
        lines += ["", "### Where the database time goes", "",
                  "All queries of one request, and the slowest of them (from `CaptureQueriesContext`).", "",
                  "| page | SQL ms, all queries | slowest query ms | slowest query |", "|---|---|---|---|"]
        for p in slow:
            sql_text = shorten_sql(p["slowest_query"])
            lines.append(f"| {p['name']} | {_fmt_ms(p['sql_ms'])} | {_fmt_ms(p['slowest_query_ms'])} | "
                         f"`{sql_text.replace('|', '/')}` |")

    lines += ["", *throughput.report_lines(report.get("throughput") or {})]

    for ext in report.get("external", []):
        lines += ["", f"## {ext['title']}", "", f"From `benchmarks/{ext['script']}`."]
        if not ext.get("present"):
            lines.append("Not run: the script is not present.")
            continue
        if ext.get("error"):
            lines.append(f"Not completed: {ext['error']}.")
            continue
        lines.append(f"Exit code {ext['exit_code']}, {ext['seconds']} s.")
        summary = ext.get("summary")
        if isinstance(summary, dict):
            lines += ["", "| measure | value |", "|---|---|"]
            for key, value in summary.items():
                shown = json.dumps(value, default=str) if isinstance(value, dict | list) else value
                lines.append(f"| {key.replace('_', ' ')} | {str(shown)[:300].replace('|', '/')} |")
        elif summary:
            lines += ["", "```json", json.dumps(summary, indent=2, default=str)[:6000], "```"]
        elif ext.get("tail"):
            lines += ["", "Last lines of its output:", "", "```", ext["tail"], "```"]

    lines += ["", "## Targets (issue 9)", "", "| target | measured | result |", "|---|---|---|"]
    for target, measured, ok in report["targets"]:
        lines.append(f"| {target} | {measured} | {verdict(ok)} |")
    lines += ["", "A missed target is written as missed with the number measured; see "
              "`benchmarks/README.md` for what each measure means.", ""]
    return "\n".join(lines)


def target_rows(report: dict,
                pages: dict[str, tuple[PageCase, Measurement]]) -> list[tuple[str, str, bool | None]]:
    rows = []

    def page(key, label, queries: bool, limit_ms: float):
        if key not in pages:
            rows.append((label, "page not measured", False))
            return
        _case, m = pages[key]
        if not m.ok:
            rows.append((label, m.error or f"HTTP {m.status}", False))
            return
        if queries:
            rows.append((f"{label}: ≤ {TARGETS['product_queries']} queries", str(m.queries),
                         m.queries <= TARGETS["product_queries"]))
            if m.cold_queries is not None:
                rows.append((f"{label}: ≤ {TARGETS['product_queries']} queries with an empty cache",
                             str(m.cold_queries), m.cold_queries <= TARGETS["product_queries"]))
        rows.append((f"{label}: median < {limit_ms:g} ms", f"{m.median_ms:.1f} ms",
                     m.median_ms < limit_ms))

    page("product", "Product page (busiest)", True, TARGETS["product_median_ms"])
    page("product_typical", "Product page (typical)", True, TARGETS["product_median_ms"])
    page("category", "Category page with filters", True, TARGETS["category_median_ms"])
    page("search", "Search", False, TARGETS["search_median_ms"])
    page("search_typo", "Search with a typo", False, TARGETS["search_median_ms"])
    ratio = (report.get("throughput") or {}).get("ratio")
    rows.append(("Product page throughput ≥ 0.5 × bare view", f"{ratio:.2f}×" if ratio else "not measured",
                 ratio >= TARGETS["throughput_ratio"] if ratio else None))
    rows += throughput.target_rows(report.get("throughput") or {})
    for ext in report.get("external", []):
        summary = ext.get("summary")
        if ext["key"] == "import":
            rate = _find_number(summary, "import_rows_per_s", "csv_rows_per_s", "rows_per_s",
                                "rows_per_second")
            rows.append(("CSV import ≥ 50,000 rows/s", f"{rate:,.0f} rows/s" if rate else
                         ext.get("error") or "no rows/s in the script's summary",
                         rate >= TARGETS["import_rows_per_s"] if rate else None))
        if ext["key"] == "orders":
            oversold = _find_value(summary, "oversold", "oversell", "oversold_units", "oversells")
            invariants = _find_value(summary, "invariants_ok")
            rate = _find_number(summary, "orders_per_s")
            if oversold is not None:
                ok = not oversold if isinstance(oversold, bool) else oversold == 0
                rows.append(("No oversell ever", f"oversold units: {oversold}"
                             + (f" ({rate} orders/s placed)" if rate else ""), ok))
            else:
                rows.append(("No oversell ever", ext.get("error") or
                             f"exit code {ext.get('exit_code')} (no summary found)",
                             ext.get("exit_code") == 0 if "exit_code" in ext else None))
            if isinstance(invariants, bool):
                rows.append(("Order placement invariants (allocated = units ordered, no errors)",
                             f"invariants_ok: {invariants}", invariants))
    return rows


def readme_summary(markdown: str) -> str:
    """The report without its details: date and machine, the page table, throughput, targets."""
    head, *sections = markdown.split("\n## ")
    wanted = ("- **Date**", "- **Machine**", "- **Data**")
    bullets = [line for line in head.splitlines() if line.startswith(wanted)]
    keep = []
    for section in sections:
        title = section.splitlines()[0]
        if title.startswith(("Server time", "Throughput", "Targets")):
            keep.append("#### " + section.split("\n### ")[0].strip())
    return "\n".join(bullets) + "\n\n" + "\n\n".join(keep) + "\n"


def update_readme(markdown: str) -> None:
    """Replaces the results between the markers of benchmarks/README.md."""
    if not README.exists():
        return
    text = README.read_text()
    if README_START not in text or README_END not in text:
        return
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    README.write_text(text[:start] + "\n" + readme_summary(markdown) + text[end:])
