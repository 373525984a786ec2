"""The back office of a seller with 50,000 listings (issue 15): every seller page against the bare view.

    DATABASE_URL=postgres://…/bench REDIS_URL=redis://…/6 python benchmarks/seller_pages.py [--iterations 20]

For the generated marketplace's volume seller (benchmarks/big_seller.py, logged in as
seller-big@bench.test) it times the dashboard, the listing list unfiltered and with each filter, the
CSV export (its whole stream) and the performance page, each request alternating with one of the
logged-in bare view (benchmarks/urls.py) as the same user, so both see the same load. Reported per
page: the median and 95th percentile, the bare view's median in the same loop and the ratio (target:
at most 25×), the queries of a warm request and of a request right after emptying the cache, and
the empty-cache median. Writes benchmarks/results/seller_pages_50k.md (and .json). Migrates and
generates the data first when the database does not hold it (as benchmarks/run.py does).
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


def run(*, iterations: int, warmup: int, cold: int, log=print) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from benchmarks.big_seller import BIG_SELLER_EMAIL
    from sellers.buy_box_insight import seller_standings
    from sellers.models import Listing, Seller

    seller = Seller.objects.get(members__user__email=BIG_SELLER_EMAIL)
    client = Client()
    client.force_login(get_user_model().objects.get(email=BIG_SELLER_EMAIL))
    standings = seller_standings(seller=seller)
    facts = {"listings": Listing.objects.filter(seller=seller).count(),
             "winning": len(standings.winning), "losing": len(standings.losing),
             "no_competitor": len(standings.no_competitor), "boxes_competed": standings.boxes_competed,
             "boxes_held": standings.boxes_held,
             "all_listings": Listing.objects.count()}
    log(f"Seller {seller.name}: {facts}")
    rows = []
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        bare = "/__bench__/bare/"
        lst = reverse("sellers:listing_list")
        pages = [("Dashboard", reverse("sellers:dashboard"))]
        pages += [(name, f"{lst}?{urlencode(params)}" if params else lst) for name, params in FILTERS]
        pages += [("CSV export (the whole file)", reverse("sellers:stock_export")),
                  ("Performance page", reverse("sellers:performance"))]
        bare_row = measure(client, "Bare view (logged in, baseline)", bare, bare, iterations=iterations,
                           warmup=warmup, cold=0)
        rows.append(bare_row)
        log(f"  {bare_row['name']}: {bare_row['median_ms']} ms, {bare_row['queries']} queries")
        for name, url in pages:
            # The export streams 50,000 rows: fewer turns, it takes seconds.
            n = max(5, iterations // 4) if "export" in name else iterations
            row = measure(client, name, url, bare, iterations=n, warmup=1 if "export" in name else warmup,
                          cold=1 if "export" in name else cold)
            rows.append(row)
            log(f"  {name}: {row['status']} {row['median_ms']} ms median (bare {row['bare_ms']} ms, "
                f"×{row['ratio']}), {row['queries']} queries; empty cache {row['cold_median_ms']} ms, "
                f"{row['cold_queries']} queries")
    return {"facts": facts, "rows": rows}


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
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from benchmarks.run import ensure_database, prepare_data

    started = time.perf_counter()
    ensure_database()
    prepare_data(scale=args.scale, seed=args.seed, regenerate=False)
    report = run(iterations=args.iterations, warmup=args.warmup, cold=args.cold)
    markdown = render(report, seconds=time.perf_counter() - started)
    args.output.write_text(markdown)
    args.output.with_suffix(".json").write_text(json.dumps(report, indent=2, default=str))
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
