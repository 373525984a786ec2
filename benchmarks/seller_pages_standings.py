"""The buy-box pages of a seller with 50,000 listings on the stored standings: warm, and right after
an offer changed in one of the seller's boxes.

    DATABASE_URL=postgres://…/bench REDIS_URL=redis://…/6 python benchmarks/seller_pages_standings.py

The pages of benchmarks/seller_pages.py but the export (the dashboard, the listing list unfiltered and
with each filter, the performance page), each request alternating with one of the logged-in bare
view, as there. Then each page right after a competitor's offer in one of the seller's boxes changed
price through the listing service (its after-commit hook stores that product's buy boxes again and
bumps the caches) and Redis was emptied: what a seller meets after any offer change anywhere, since
nothing the pages read is generation-wide any more. Writes only its section of
benchmarks/results/seller_pages_50k.md (and seller_pages_50k_standings.json).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.seller_pages import FILTERS, RESULTS, TARGET_RATIO, _get, _queries, big_seller_session  # noqa: E402

HEADING = "## Session 5: the buy-box pages on stored standings"


def measure(client, name: str, url: str, bare: str, *, iterations: int, warmup: int, changes: int,
            change) -> dict:
    """The page and the bare view in turns; then the page right after `change()` and emptying Redis,
    each such request followed by one of the bare view."""
    from django.core.cache import cache

    status = _get(client, url)[1]
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
    changed, changed_base = [], []
    change()
    cache.clear()
    changed_queries = _queries(client, url)
    for _ in range(changes):
        change()
        cache.clear()
        changed.append(_get(client, url)[0])
        changed_base.append(_get(client, bare)[0])
    _get(client, url)
    median, bare_median = statistics.median(page), statistics.median(base)
    ordered = sorted(page)
    return {"name": name, "url": url, "status": status, "n": len(page), "median_ms": round(median, 1),
            "p95_ms": round(ordered[max(0, -(-len(ordered) * 95 // 100) - 1)], 1),
            "bare_ms": round(bare_median, 2), "ratio": round(median / bare_median, 1), "queries": queries,
            "changed_queries": changed_queries, "changed_median_ms": round(statistics.median(changed), 1),
            "changed_ratio": round(statistics.median(changed) / bare_median, 1)}


def offer_changer(seller):
    """A competitor's offer in one of the seller's boxes, its price moved by a cent at each call,
    through the listing service."""
    from sellers import services
    from sellers.models import Listing

    rival = (Listing.objects.buyable().exclude(seller=seller)
             .filter(product_id__in=Listing.objects.filter(seller=seller).values("product_id"))
             .order_by("pk").first())
    turns = {"n": 0}

    def change():
        listing = Listing.objects.get(pk=rival.pk)
        turns["n"] += 1
        step = Decimal("0.01") if turns["n"] % 2 else Decimal("-0.01")
        services.listing_update(listing=listing, price=listing.price + step, confirm_low_price=True)
    return change


def run(*, iterations: int, warmup: int, changes: int, log=print) -> dict:
    from django.test.utils import override_settings
    from django.urls import reverse

    seller, client, facts = big_seller_session(log=log)
    change = offer_changer(seller)
    started = time.perf_counter()
    for _ in range(5):
        change()
    facts["offer_change_ms"] = round((time.perf_counter() - started) * 1000 / 5, 1)
    rows = []
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        bare = "/__bench__/bare/"
        lst = reverse("sellers:listing_list")
        pages = [("Dashboard", reverse("sellers:dashboard"))]
        pages += [(name, f"{lst}?{urlencode(params)}" if params else lst) for name, params in FILTERS]
        pages += [("Performance page", reverse("sellers:performance"))]
        for name, url in pages:
            row = measure(client, name, url, bare, iterations=iterations, warmup=warmup, changes=changes,
                          change=change)
            rows.append(row)
            log(f"  {name}: {row['status']} {row['median_ms']} ms (bare {row['bare_ms']} ms, "
                f"×{row['ratio']}), {row['queries']} queries; after an offer change ×{row['changed_ratio']}, "
                f"{row['changed_queries']} queries")
    return {"facts": facts, "rows": rows}


def render(report: dict, *, seconds: float, heading: str = HEADING) -> str:
    facts = report["facts"]
    load = os.getloadavg()
    lines = [
        heading,
        "",
        f"- **Date**: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `python benchmarks/seller_pages_standings.py` "
        f"({seconds:.0f} s); load average at the end {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on "
        f"{os.cpu_count()} cores (shared with other people's test suites)",
        f"- **Seller**: {facts['listings']:,} listings in a marketplace of {facts['all_listings']:,}; "
        f"on sale in {facts['boxes_competed']:,} boxes, holds {facts['boxes_held']:,}; {facts['winning']:,} "
        f"listings winning, {facts['losing']:,} losing (on sale), {facts['no_competitor']:,} without a "
        f"competitor; {facts['stored_boxes']:,} boxes stored for the whole market",
        f"- **An offer change** (the listing service, its after-commit refresh of the product's boxes "
        f"and the cache bumps): {facts['offer_change_ms']} ms",
        "- *Ratio* = page median ÷ bare-view median of the same loop; target ≤ "
        f"{TARGET_RATIO:.0f}× and a constant number of queries. *After an offer change*: each request "
        "right after a competitor's offer in one of the seller's boxes changed price through the listing "
        "service and Redis was emptied, against the same run's bare view.",
        "",
        "| page | URL | n | median ms | p95 ms | bare ms | ratio | result | queries | after an offer change: "
        "queries | after an offer change: median ms (ratio) | result |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        ok = row["status"] == 200
        warm, changed = (("**pass**" if ok and ratio <= TARGET_RATIO else "**MISSED**")
                         for ratio in (row["ratio"], row["changed_ratio"]))
        lines.append(f"| {row['name']} | `{row['url']}` | {row['n']} | {row['median_ms']} | "
                     f"{row['p95_ms']} | {row['bare_ms']} | ×{row['ratio']} | {warm} | {row['queries']} | "
                     f"{row['changed_queries']} | {row['changed_median_ms']} (×{row['changed_ratio']}) | "
                     f"{changed} |")
    return "\n".join(lines) + "\n"


def section_written(markdown: str, section: str, heading: str = HEADING) -> str:
    """The results file with this section replaced, or put first after the title; nothing else changed."""
    start = markdown.find(heading)
    if start != -1:
        end = markdown.find("\n## ", start + len(heading))
        return markdown[:start] + section + (markdown[end:] if end != -1 else "")
    title_end = markdown.find("\n") + 1 if markdown.startswith("# ") else 0
    return markdown[:title_end] + "\n" + section + "\n" + markdown[title_end:].lstrip("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--changes", type=int, default=5, help="requests right after an offer change")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--heading", default=HEADING, help="the section written (replaced if there)")
    parser.add_argument("--json", default="seller_pages_50k_standings.json",
                        help="the raw figures' file, beside --output")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    started = time.perf_counter()
    report = run(iterations=args.iterations, warmup=args.warmup, changes=args.changes)
    section = render(report, seconds=time.perf_counter() - started, heading=args.heading)
    existing = args.output.read_text() if args.output.exists() else ""
    args.output.write_text(section_written(existing, section, args.heading))
    data = json.dumps(report, indent=2, default=str)
    args.output.with_name(args.json).write_text(data)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
