"""The back office of a seller with 50,000 listings (issue 15): every seller page against the bare view.

    DATABASE_URL=postgres://…/bench REDIS_URL=redis://…/6 python benchmarks/seller_pages.py [--iterations 20]

For the generated marketplace's volume seller (benchmarks/big_seller.py, logged in as
seller-big@bench.test) it times the dashboard, the listing list unfiltered and with each filter, the
stock export (the request, answered with its job's page; that page and its progress poll; and, apart,
the job building the 50,000-row file: seconds and rows a second) and the performance page, each
request alternating with one of the
logged-in bare view (benchmarks/urls.py) as the same user, so both see the same load. Reported per
page: the median and 95th percentile, the bare view's median in the same loop and the ratio (target:
at most 25×), the queries of a warm request and of a request right after emptying the cache, and
the empty-cache median. Writes benchmarks/results/seller_pages_50k.md (and .json). Migrates and
generates the data first when the database does not hold it (as benchmarks/run.py does).

`--export-only` measures the bare view and the export alone and writes them as the "Session 5: export"
section of the results file, leaving the rest of it as it is.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = Path(__file__).resolve().parent / "results" / "seller_pages_50k.md"
TARGET_RATIO = 25.0
FILTERS = [
    ("Listing list", {}),
    ("Listing list: winning", {"buy_box": "winning"}),
    ("Listing list: losing", {"buy_box": "losing"}),
    ("Listing list: losing by less than 5 %", {"losing_within_percent": "5"}),
    ("Listing list: no competitor", {"buy_box": "no_competitor"}),
    ("Listing list: out of stock", {"stock": "out"}),
    ("Listing list: low stock", {"stock": "low"}),
    ("Listing list: losing, page 20, sorted by price", {"buy_box": "losing", "sort": "price", "page": "20"}),
]


def _get(client, url: str) -> tuple[float, int]:
    """Wall ms of one request, its whole body read (a streamed export too), and its status."""
    started = time.perf_counter()
    response = client.get(url)
    if response.streaming:
        for _chunk in response.streaming_content:
            pass
    else:
        _ = response.content
    return (time.perf_counter() - started) * 1000, response.status_code


def _post(client, url: str, data: dict) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.post(url, data)
    _ = response.content
    return (time.perf_counter() - started) * 1000, response.status_code


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        _get(client, url)
    return len(ctx.captured_queries)


def measure(client, name: str, url: str, bare: str, *, iterations: int, warmup: int, cold: int) -> dict:
    """The page and the bare view in turns; then the page right after emptying the cache."""
    from django.core.cache import cache

    first_ms, status = _get(client, url)
    for _ in range(warmup):
        _get(client, url)
        _get(client, bare)
    queries = max(_queries(client, url) for _ in range(2))
    page, base = [], []
    for i in range(iterations):
        if i % 2:
            base.append(_get(client, bare)[0])
        page.append(_get(client, url)[0])
        if not i % 2:
            base.append(_get(client, bare)[0])
    cold_times = []
    cache.clear()
    cold_queries = _queries(client, url)
    for _ in range(cold):
        cache.clear()
        cold_times.append(_get(client, url)[0])
    _get(client, url)  # warm again for the next page
    median, bare_median = statistics.median(page), statistics.median(base)
    ordered = sorted(page)
    return {"name": name, "url": url, "status": status, "n": len(page), "first_ms": round(first_ms, 1),
            "median_ms": round(median, 1),
            "p95_ms": round(ordered[max(0, -(-len(ordered) * 95 // 100) - 1)], 1),
            "bare_ms": round(bare_median, 2), "ratio": round(median / bare_median, 1),
            "queries": queries, "cold_queries": cold_queries,
            "cold_median_ms": round(statistics.median(cold_times), 1) if cold_times else None,
            "cold_ratio": round(statistics.median(cold_times) / bare_median, 1) if cold_times else None}


def big_seller_session(*, log=print):
    """The generated marketplace's 50,000-listing seller, a client logged in as it, and its facts
    (listings by buy-box standing, boxes competed and held, the stored boxes); logs the facts."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from benchmarks.big_seller import BIG_SELLER_EMAIL
    from sellers.buy_box_insight import seller_box_counts
    from sellers.listing_filters import listings_filtered
    from sellers.models import BuyBoxStanding, Listing, Seller

    seller = Seller.objects.get(members__user__email=BIG_SELLER_EMAIL)
    client = Client()
    client.force_login(get_user_model().objects.get(email=BIG_SELLER_EMAIL))
    boxes = seller_box_counts(seller=seller)
    facts = {"listings": Listing.objects.filter(seller=seller).count(),
             **{standing: listings_filtered(seller=seller, filters={"buy_box": standing}).count()
                for standing in ("winning", "losing", "no_competitor")},
             "boxes_competed": boxes.boxes_competed, "boxes_held": boxes.boxes_held,
             "stored_boxes": BuyBoxStanding.objects.count(), "all_listings": Listing.objects.count()}
    log(f"Seller {seller.name}: {facts}")
    return seller, client, facts


def run(*, iterations: int, warmup: int, cold: int, log=print) -> dict:
    from django.test.utils import override_settings
    from django.urls import reverse

    seller, client, facts = big_seller_session(log=log)
    rows = []
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        bare = "/__bench__/bare/"
        lst = reverse("sellers:listing_list")
        pages = [("Dashboard", reverse("sellers:dashboard"))]
        pages += [(name, f"{lst}?{urlencode(params)}" if params else lst) for name, params in FILTERS]
        pages += [("Performance page", reverse("sellers:performance"))]
        bare_row = measure(client, "Bare view (logged in, baseline)", bare, bare, iterations=iterations,
                           warmup=warmup, cold=0)
        rows.append(bare_row)
        log(f"  {bare_row['name']}: {bare_row['median_ms']} ms, {bare_row['queries']} queries")
        for name, url in pages:
            row = measure(client, name, url, bare, iterations=iterations, warmup=warmup, cold=cold)
            rows.append(row)
            log(f"  {name}: {row['status']} {row['median_ms']} ms median (bare {row['bare_ms']} ms, "
                f"×{row['ratio']}), {row['queries']} queries; empty cache {row['cold_median_ms']} ms, "
                f"{row['cold_queries']} queries")
        export = measure_export(client, seller, bare, iterations=iterations, log=log)
        rows += export["rows"]
    return {"facts": facts, "rows": rows, "export": export}


EXPORT_FILTER = {"status": "all", "file_format": "csv"}  # the whole stock, archived listings too


def _row(name: str, url: str, status: int, first_ms: float, page: list[float], base: list[float],
         queries: int) -> dict:
    median, bare_median = statistics.median(page), statistics.median(base)
    ordered = sorted(page)
    return {"name": name, "url": url, "status": status, "n": len(page), "first_ms": round(first_ms, 1),
            "median_ms": round(median, 1),
            "p95_ms": round(ordered[max(0, -(-len(ordered) * 95 // 100) - 1)], 1),
            "bare_ms": round(bare_median, 2), "ratio": round(median / bare_median, 1), "queries": queries,
            "cold_queries": None, "cold_median_ms": None, "cold_ratio": None}


def _measure_post(client, name: str, url: str, data: dict, bare: str, *, iterations: int, after) -> dict:
    """A POST and the bare view in turns; `after` runs between turns, outside the timings."""
    from django.db import connection

    first_ms, status = _post(client, url, data)
    after()
    executed = []
    with connection.execute_wrapper(lambda execute, *args: executed.append(1) or execute(*args)):
        _post(client, url, data)
    after()
    page, base = [], []
    for i in range(iterations):
        if i % 2:
            base.append(_get(client, bare)[0])
        page.append(_post(client, url, data)[0])
        after()
        if not i % 2:
            base.append(_get(client, bare)[0])
    return _row(name, url, status, first_ms, page, base, len(executed))


def measure_export(client, seller, bare: str, *, iterations: int, log=print) -> dict:
    """The stock export of the whole stock (50,000 rows, above LISTING_EXPORT_STREAM_MAX_ROWS): the
    request (a new export each time, and a double click reusing the one just asked for), the export's
    page and its progress poll, each against the bare view; then the job, timed apart, in-process (the
    task's body: the queue's hop is not timed), with the former whole-file stream for comparison."""
    from django.test.utils import override_settings
    from django.urls import reverse

    from sellers import tasks
    from sellers.exports import listings_export_lines
    from sellers.listing_exports import listing_export_build
    from sellers.models import ListingExport

    queued = []  # the jobs asked for are built below, timed, not by a worker
    delay, tasks.build_listing_export.delay = tasks.build_listing_export.delay, queued.append
    # Always the job's path: 50,000 rows are far above the threshold; the smoke test's tiny stock is not.
    small_files = override_settings(LISTING_EXPORT_STREAM_MAX_ROWS=0)
    small_files.enable()
    try:
        url = reverse("sellers:listing_exports")

        def forget():
            for export in ListingExport.objects.filter(seller=seller):
                if export.file.name:
                    export.file.storage.delete(export.file.name)
            ListingExport.objects.filter(seller=seller).delete()

        forget()
        rows = [_measure_post(client, "Export request (the whole stock: a new job, answered with its page)",
                              url, EXPORT_FILTER, bare, iterations=iterations, after=forget)]
        _post(client, url, EXPORT_FILTER)
        rows.append(_measure_post(client, "Export request again (a double click: the same job)", url,
                                  EXPORT_FILTER, bare, iterations=iterations, after=lambda: None))
        export = ListingExport.objects.get(seller=seller)
        ListingExport.objects.filter(pk=export.pk).update(status=ListingExport.Status.RUNNING,
                                                          done_rows=export.total_rows // 2)
        for name, view in (("Export page (running, half done)", "sellers:listing_export"),
                           ("Export progress (the htmx poll)", "sellers:listing_export_progress")):
            rows.append(measure(client, name, reverse(view, args=[export.pk]), bare, iterations=iterations,
                                warmup=2, cold=0))
        for row in rows:
            log(f"  {row['name']}: {row['status']} {row['median_ms']} ms median (bare {row['bare_ms']} ms, "
                f"×{row['ratio']}), {row['queries']} queries")
        builds, stream_times = [], []
        for file_format in ("csv", "csv", "csv", "xlsx"):
            forget()
            _post(client, url, {**EXPORT_FILTER, "file_format": file_format})
            built = listing_export_build(export_id=ListingExport.objects.get(seller=seller).pk)
            builds.append({"format": file_format, "status": built.status, "rows": built.done_rows,
                           "seconds": round(built.seconds, 2), "rows_per_second": built.rows_per_second,
                           "bytes": built.file.size})
            log(f"  Export job ({file_format}): {builds[-1]}")
            if file_format == "csv":  # in turns with the job, so both meet the same load
                started = time.perf_counter()
                streamed = sum(1 for _chunk in listings_export_lines(seller=seller)) - 2  # BOM, header
                stream_times.append(time.perf_counter() - started)
                log(f"  The former whole-file stream: {streamed} rows in {stream_times[-1]:.2f} s")
        forget()
        stream_seconds = statistics.median(stream_times)
    finally:
        small_files.disable()
        tasks.build_listing_export.delay = delay
    former = {"rows": streamed, "seconds": round(stream_seconds, 2),
              "rows_per_second": round(streamed / stream_seconds)}
    return {"rows": rows, "builds": builds, "former_stream": former}


EXPORT_HEADING = "## Session 5: export"


def render_export(export: dict, *, bare_row: dict | None = None) -> str:
    """The export's section of the results: its requests against the bare view, then the job."""
    load = os.getloadavg()
    lines = [EXPORT_HEADING, "",
             f"- **Date**: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `python benchmarks/seller_pages.py "
             f"--export-only`; load average at the end {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on "
             f"{os.cpu_count()} cores",
             "- The stock export of the whole stock (50,000 rows, archived listings too) is a job: the "
             "request answers at once with the export's page, which polls the rows written; a worker "
             "(the `imports` queue) writes the file to the private storage. Each request alternates "
             "with one of the bare view; *ratio* = median ÷ bare-view median of the same loop (target ≤ "
             f"{TARGET_RATIO:.0f}×).", "",
             "| request | URL | n | median ms | p95 ms | bare ms | ratio | result | queries |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in ([bare_row] if bare_row else []) + export["rows"]:
        baseline = row["name"].startswith("Bare view")
        passed = row["ratio"] <= TARGET_RATIO and row["status"] in (200, 302)
        verdict = "—" if baseline else ("**pass**" if passed else "**MISSED**")
        lines.append(f"| {row['name']} | `{row['url']}` | {row['n']} | {row['median_ms']} | "
                     f"{row['p95_ms']} | {row['bare_ms']} | {'—' if baseline else '×' + str(row['ratio'])} | "
                     f"{verdict} | {row['queries']} |")
    lines += ["", "The job (the task's body in-process, after the request; not a page, so no ratio):", "",
              "| file | rows | seconds | rows a second | size |", "|---|---|---|---|---|"]
    for build in export["builds"]:
        lines.append(f"| {build['format'].upper()} ({build['status']}) | {build['rows']:,} | "
                     f"{build['seconds']} | {build['rows_per_second']:,} | {build['bytes'] / 1e6:.1f} MB |")
    former = export["former_stream"]
    lines.append(f"| CSV, the former whole-file stream of a request (median of 3, in turns with the jobs) | "
                 f"{former['rows']:,} | "
                 f"{former['seconds']} | {former['rows_per_second']:,} | — |")
    return "\n".join(lines) + "\n"


def export_section_written(markdown: str, section: str) -> str:
    """The results file with the export's section replaced (or appended), nothing else changed."""
    start = markdown.find(EXPORT_HEADING)
    if start == -1:
        return markdown.rstrip("\n") + "\n\n" + section
    end = markdown.find("\n## ", start + len(EXPORT_HEADING))
    return markdown[:start] + section + (markdown[end:] if end != -1 else "")


def run_export_only(*, iterations: int, log=print) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings

    from benchmarks.big_seller import BIG_SELLER_EMAIL
    from sellers.models import Seller

    seller = Seller.objects.get(members__user__email=BIG_SELLER_EMAIL)
    client = Client()
    client.force_login(get_user_model().objects.get(email=BIG_SELLER_EMAIL))
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        bare = "/__bench__/bare/"
        bare_row = measure(client, "Bare view (logged in, baseline)", bare, bare, iterations=iterations,
                           warmup=3, cold=0)
        export = measure_export(client, seller, bare, iterations=iterations, log=log)
    return {"bare": bare_row, "export": export}


def render(report: dict, *, seconds: float) -> str:
    facts = report["facts"]
    load = os.getloadavg()
    lines = [
        "# The back office of a seller with 50,000 listings (issue 15)",
        "",
        f"- **Date**: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `python benchmarks/seller_pages.py` "
        f"({seconds:.0f} s); load average at the end {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on "
        f"{os.cpu_count()} cores (a machine shared with other people's test suites)",
        f"- **Seller**: Bench Volume Outlet, {facts['listings']:,} listings in a marketplace of "
        f"{facts['all_listings']:,}; on sale in {facts['boxes_competed']:,} boxes, holds "
        f"{facts['boxes_held']:,}; {facts['winning']:,} listings winning, {facts['losing']:,} losing, "
        f"{facts['no_competitor']:,} without a competitor",
        "- Each page request alternates with one of the bare view (base.html, logged in as the same "
        "seller); *ratio* = page median ÷ bare-view median of the same loop. Target: every seller "
        f"page ≤ {TARGET_RATIO:.0f}× and a constant number of queries. *Empty cache*: right after "
        "emptying Redis, when the seller's buy-box standings (the whole market ranked, one query) are "
        "computed again; every write to an offer (catalog.cache.products_changed) starts a new "
        "generation of them.",
        "",
        "| page | URL | n | median ms | p95 ms | bare ms | ratio | result | queries | empty cache: "
        "queries | empty cache: median ms (ratio) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        baseline = row["name"].startswith("Bare view")
        verdict = "—" if baseline else ("**pass**" if row["ratio"] <= TARGET_RATIO and row["status"] == 200
                                        else "**MISSED**")
        cold = "—" if row["cold_median_ms"] is None else f"{row['cold_median_ms']} (×{row['cold_ratio']})"
        lines.append(f"| {row['name']} | `{row['url']}` | {row['n']} | {row['median_ms']} | "
                     f"{row['p95_ms']} | "
                     f"{row['bare_ms']} | {'—' if baseline else '×' + str(row['ratio'])} | {verdict} | "
                     f"{row['queries']} | {row['cold_queries'] if not baseline else '—'} | {cold} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cold", type=int, default=2, help="empty-cache requests per page")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--export-only", action="store_true",
                        help='measure the export alone, written as the "Session 5: export" section')
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from benchmarks.run import ensure_database, prepare_data

    started = time.perf_counter()
    ensure_database()
    prepare_data(scale=args.scale, seed=args.seed, regenerate=False)
    if args.export_only:
        report = run_export_only(iterations=args.iterations)
        section = render_export(report["export"], bare_row=report["bare"])
        existing = args.output.read_text() if args.output.exists() else ""
        args.output.write_text(export_section_written(existing, section))
        data = json.dumps(report, indent=2, default=str)
        args.output.with_name("seller_pages_50k_export.json").write_text(data)
        print(section)
        return 0
    report = run(iterations=args.iterations, warmup=args.warmup, cold=args.cold)
    markdown = render(report, seconds=time.perf_counter() - started)
    markdown = export_section_written(markdown, render_export(report["export"]))
    args.output.write_text(markdown)
    args.output.with_suffix(".json").write_text(json.dumps(report, indent=2, default=str))
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
