"""One command for the scale benchmarks: migrate, generate the data if missing, measure, report.

    python benchmarks/run.py [--scale 1] [--iterations 60] [--duration 15] [--regenerate]

Writes benchmarks/results/RESULTS.md (and results.json) and refreshes the table in
benchmarks/README.md. Every number is taken against a baseline measured in the same run: the
bare view of benchmarks/urls.py, which renders base.html with no queries of its own.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import throughput  # noqa: E402

# The report's parts; load_test.py takes machine() from here.
from benchmarks.report import (  # noqa: E402, F401
    TARGETS,
    _fmt_ms,
    machine,
    page_row,
    render_report,
    shorten_sql,
    target_rows,
    update_readme,
    verdict,
)

# The bare view is the pages' baseline too; load_test.py takes the two helpers from here.
from benchmarks.throughput import BARE_URL, _free_port, _wait_for, parse_wrk  # noqa: E402, F401

RESULTS_DIR = Path(__file__).resolve().parent / "results"
EXTERNAL_SCRIPTS = [
    ("import", "import_bench.py", "CSV import (100,000 rows) and bulk API (10,000 items) vs COPY"),
    ("orders", "order_placement.py", "Order placement under concurrency (no oversell)"),
]


# --- In-process page timing ----------------------------------------------------------------

@dataclass
class Measurement:
    """One page measured in-process: server time in ms and SQL queries per request."""

    name: str
    url: str
    status: int | None = None
    median_ms: float | None = None
    p95_ms: float | None = None
    cpu_ms: float | None = None
    first_ms: float | None = None
    queries: int | None = None
    iterations: int = 0
    bytes: int | None = None
    error: str = ""
    baseline: str = ""
    # The bare view timed in the same loop, alternating with this page, so both see the same load.
    paired_baseline_ms: float | None = None
    # With an empty cache before every request (the site caches what it reads often).
    cold_median_ms: float | None = None
    cold_queries: int | None = None
    cold_iterations: int = 0
    # Where the database time goes: all queries' time in one request, and the slowest one.
    sql_ms: float | None = None
    slowest_query_ms: float | None = None
    slowest_query: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def _timed_get(client, url: str) -> tuple[float, float]:
    """(wall ms, CPU ms of this thread) of one request; the CPU part excludes PostgreSQL's work."""
    wall, cpu = time.perf_counter(), time.thread_time()
    client.get(url)
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000


def measure(client, name: str, url: str, *, iterations: int = 60, warmup: int = 5,
            baseline: str = "", baseline_url: str | None = None, budget_s: float | None = None,
            min_iterations: int = 10, cold_iterations: int = 0) -> Measurement:
    """Times `iterations` GETs of url after `warmup` ones; counts the queries of one request.

    A very slow page stops after `budget_s` seconds of timing (but not before `min_iterations`),
    so one slow page cannot hold the whole run; the count taken is reported.

    With baseline_url, each timed request of the page alternates with one of the baseline, so a
    burst of load on a shared machine weighs on both. A missing page, an error or a redirect is
    reported in the result, never raised.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = Measurement(name=name, url=url, baseline=baseline)
    try:
        started = time.perf_counter()
        response = client.get(url)
        result.first_ms = (time.perf_counter() - started) * 1000
        result.status = response.status_code
        if response.status_code != 200:
            where = response.get("Location", "")
            result.error = f"HTTP {response.status_code}" + (f" → {where}" if where else "")
            return result
        result.bytes = len(response.content)
        for _ in range(warmup):
            client.get(url)
        counts = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            counts.append(len(ctx.captured_queries))
        result.queries = max(counts)
        timed = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
        if timed:
            result.sql_ms = sum(t for t, _sql in timed)
            result.slowest_query_ms, result.slowest_query = max(timed, key=lambda item: item[0])
        times, cpu, base_times = [], [], []
        timing_started = time.perf_counter()
        for i in range(iterations):
            if budget_s and i >= min_iterations and time.perf_counter() - timing_started > budget_s:
                break
            if baseline_url and i % 2:
                base_times.append(_timed_get(client, baseline_url)[0])
            wall, used = _timed_get(client, url)
            times.append(wall)
            cpu.append(used)
            if baseline_url and not i % 2:
                base_times.append(_timed_get(client, baseline_url)[0])
        result.iterations = len(times)
        result.median_ms = statistics.median(times)
        result.p95_ms = percentile(times, 95)
        result.cpu_ms = statistics.median(cpu)
        if base_times:
            result.paired_baseline_ms = statistics.median(base_times)
        if cold_iterations:
            measure_cold(client, url, result, iterations=cold_iterations)
    except Exception as exc:  # a page under construction must not stop the run
        message = str(exc).splitlines()[0][:200] if str(exc) else ""
        result.error = f"{type(exc).__name__}: {message}"
        traceback.print_exc()
    return result


def measure_cold(client, url: str, result: Measurement, *, iterations: int) -> None:
    """Times requests each made right after emptying the cache: the worst case a visitor meets."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    result.cold_queries = len(ctx.captured_queries)
    times = []
    for _ in range(iterations):
        cache.clear()
        times.append(_timed_get(client, url)[0])
    result.cold_iterations = len(times)
    result.cold_median_ms = statistics.median(times)
    client.get(url)  # leave the cache warm for the next page


@dataclass
class PageCase:
    key: str
    name: str
    url: str | None
    login_email: str | None = None
    query_target: int | None = None
    median_target_ms: float | None = None
    note: str = ""


def _reverse(name: str, **kwargs) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def page_cases() -> list[PageCase]:
    """The pages to measure, picked from the generated data (busiest product, biggest seller)."""
    from django.db.models import Count, Q

    from benchmarks.generate import BENCH_SELLER_EMAIL
    from catalog.models import Brand, Category, Product
    from sellers.models import Listing

    cases = []
    busiest = (Listing.objects.buyable().values("product_id", "grade").annotate(n=Count("id"))
               .order_by("-n", "product_id").first())
    if busiest:
        product = Product.objects.select_related("model").get(pk=busiest["product_id"])
        base = _reverse("catalog:model", slug=product.model.slug)
        url = base and f"{base}?{urlencode({'variant': product.slug, 'grade': busiest['grade']})}"
        cases.append(PageCase("product", "Product page (busiest variant × grade)", url,
                              query_target=TARGETS["product_queries"],
                              median_target_ms=TARGETS["product_median_ms"],
                              note=f"{busiest['n']} buyable offers for this variant and grade"))
        # A typical product: the median number of offers.
        typical = (Product.objects.annotate(n=Count("listings", filter=Q(listings__is_active=True)))
                   .filter(n__gt=0).order_by("n", "pk"))
        middle = typical[typical.count() // 2] if typical.exists() else None
        if middle:
            base = _reverse("catalog:model", slug=middle.model.slug)
            cases.append(PageCase("product_typical", "Product page (typical variant)",
                                  base and f"{base}?{urlencode({'variant': middle.slug})}",
                                  query_target=TARGETS["product_queries"],
                                  median_target_ms=TARGETS["product_median_ms"],
                                  note=f"{middle.n} active offers for this variant"))
    top = Category.objects.filter(parent__isnull=True).annotate(n=Count("children__models")) \
        .order_by("-n", "pk").first()
    if top:
        base = _reverse("catalog:category", slug=top.slug)
        brands = list(Brand.objects.filter(models__category__parent=top).annotate(n=Count("models"))
                      .order_by("-n", "slug").values_list("slug", flat=True)[:2])
        params = [("brand", b) for b in brands] + [("grade", "excellent"), ("grade", "good"),
                                                   ("price_min", "150"), ("price_max", "700")]
        cases.append(PageCase("category", f"Category page with filters ({top.name})",
                              base and f"{base}?{urlencode(params)}",
                              query_target=TARGETS["category_queries"],
                              median_target_ms=TARGETS["category_median_ms"],
                              note="2 brands, 2 grades, a price range, default sort"))
        cases.append(PageCase("category_plain", f"Category page, no filters ({top.name})", base,
                              query_target=TARGETS["category_queries"],
                              median_target_ms=TARGETS["category_median_ms"]))
    search = _reverse("catalog:search")
    cases.append(PageCase("search", "Search “iphone 13”", search and f"{search}?q=iphone+13",
                          median_target_ms=TARGETS["search_median_ms"]))
    cases.append(PageCase("search_typo", "Search with a typo “galxy s21”",
                          search and f"{search}?q=galxy+s21",
                          median_target_ms=TARGETS["search_median_ms"]))
    listing_list = _reverse("sellers:listing_list")
    count = Listing.objects.filter(seller__members__user__email=BENCH_SELLER_EMAIL).count()
    cases.append(PageCase("seller_listings", "Seller listing list (biggest seller)", listing_list,
                          login_email=BENCH_SELLER_EMAIL, note=f"{count} listings; no target in the issue"))
    return cases


def measure_pages(*, iterations: int, warmup: int, budget_s: float | None = None, cold_iterations: int = 0,
                  log=print) -> tuple[list[dict], dict]:
    """Every page of page_cases(), each beside the bare view measured the same way, same user."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings

    results, baselines = [], {}
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        clients = {None: Client()}
        for case in page_cases():
            if case.login_email not in clients:
                client = Client()
                user = get_user_model().objects.filter(email=case.login_email).first()
                if user:
                    client.force_login(user)
                clients[case.login_email] = client
            client = clients[case.login_email]
            who = case.login_email or "anonymous"
            if who not in baselines:
                baselines[who] = measure(client, f"Bare view ({who})", BARE_URL, iterations=iterations,
                                         warmup=warmup)
                log(f"  baseline {who}: {_fmt_ms(baselines[who].median_ms)} ms, "
                    f"{baselines[who].queries} queries")
            if case.url is None:
                m = Measurement(name=case.name, url="—", error="URL not found (page not built yet?)",
                                baseline=who)
            else:
                m = measure(client, case.name, case.url, iterations=iterations, warmup=warmup, baseline=who,
                            baseline_url=BARE_URL, budget_s=budget_s, cold_iterations=cold_iterations)
            m_dict = {"case": case, "m": m}
            results.append(m_dict)
            log(f"  {case.name}: {m.status} {_fmt_ms(m.median_ms)} ms median, {_fmt_ms(m.p95_ms)} ms p95, "
                f"{m.queries} queries; empty cache {_fmt_ms(m.cold_median_ms)} ms, {m.cold_queries} queries "
                f"{m.error}")
    return results, baselines


# --- The other engineers' standalone scripts -------------------------------------------------

def run_external(key: str, script: str, title: str, *, timeout: int, log=print) -> dict:
    """Runs benchmarks/<script> if present; its JSON summary (or its output) goes in the report.

    A script may write a JSON object to the path in $BENCH_RESULT_JSON, or print one as its last
    line of output; otherwise the tail of its output is quoted.
    """
    path = Path(__file__).resolve().parent / script
    result = {"key": key, "script": script, "title": title, "present": path.exists()}
    if not path.exists():
        result["error"] = "script not present"
        return result
    json_path = RESULTS_DIR / f"{key}.json"
    json_path.unlink(missing_ok=True)
    env = {**os.environ, "BENCH_RESULT_JSON": str(json_path), "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, str(path)], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        result["error"] = f"timed out after {timeout} s"
        return result
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["exit_code"] = proc.returncode
    output = proc.stdout + ("\n" + proc.stderr if proc.stderr.strip() else "")
    (RESULTS_DIR / f"{key}.log").write_text(output)
    result["tail"] = "\n".join(output.strip().splitlines()[-25:])
    summary = None
    if json_path.exists():
        try:
            summary = json.loads(json_path.read_text())
        except ValueError:
            summary = None
    if summary is None:
        for line in reversed(proc.stdout.strip().splitlines()):
            line = line.strip()
            if line.startswith("{") and line.endswith("}"):
                try:
                    summary = json.loads(line)
                    break
                except ValueError:
                    continue
    result["summary"] = summary
    log(f"  {script}: exit {proc.returncode} in {result['seconds']} s; summary: {bool(summary)}")
    return result


# --- Main ------------------------------------------------------------------------------------

def ensure_database(log=print) -> None:
    """Creates the benchmark database when the server answers but the database does not exist."""
    from django.db import OperationalError, connection

    try:
        connection.ensure_connection()
        return
    except OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    import psycopg
    from psycopg import sql

    params = connection.get_connection_params()
    name = params.pop("dbname", None) or params.pop("database")
    params = {k: v for k, v in params.items() if k in ("user", "password", "host", "port")}
    log(f"Creating the database {name}…")
    admin = psycopg.connect(dbname="postgres", **params)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def refuse_foreign_data(*, force: bool) -> None:
    """The generator empties tables: never in a database holding data it did not write."""
    from django.contrib.auth import get_user_model

    from benchmarks.generate import dataset_info

    if force or dataset_info():
        return
    if get_user_model().objects.exclude(email__endswith="@bench.test").exists():
        raise SystemExit("This database holds users the benchmark did not generate, and generating "
                         "empties the marketplace tables. Point DATABASE_URL at a benchmark database "
                         "(make benchmark uses BENCH_DATABASE_URL) or pass --force.")


def prepare_data(*, scale: float, seed: int, regenerate: bool, force: bool = False, log=print) -> dict:
    """Migrates; generates the data unless this database already holds this scale and seed."""
    from django.core.management import call_command

    from benchmarks.generate import dataset_info, generate, refresh_search_index
    from catalog.models import Product
    from sellers.models import Listing

    log("Migrating…")
    call_command("migrate", interactive=False, verbosity=0)
    refuse_foreign_data(force=force)
    info = dataset_info()
    intact = bool(info) and info["counts"].get("listings") == Listing.objects.count() \
        and info["counts"].get("products") == Product.objects.count()
    if regenerate or not info or info["scale"] != scale or info["seed"] != seed or not intact:
        log(f"Generating the data at scale {scale} (seed {seed})…")
        generate(scale=scale, seed=seed, log=log)
        info = dataset_info()
    else:
        log(f"Reusing the data generated {info['generated_at']:%Y-%m-%d %H:%M} (scale {scale}).")
        from django.db import connection

        with connection.cursor() as cursor:
            log(f"  search: {refresh_search_index(cursor)}")
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the issue's full scale (default)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--regenerate", action="store_true", help="generate even if the data is there")
    parser.add_argument("--force", action="store_true",
                        help="generate even into a database holding other data (it is emptied)")
    parser.add_argument("--iterations", type=int, default=60, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--cold-iterations", type=int, default=10,
                        help="requests per page timed right after emptying the cache (0: none)")
    parser.add_argument("--page-budget", type=float, default=40,
                        help="seconds of timing per page at most (at least 10 requests are timed)")
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--product-urls", type=int, default=200,
                        help="product pages the throughput run rotates over")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--skip-pages", action="store_true", help="skip the in-process page timing")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-external", action="store_true", help="skip import/order scripts")
    parser.add_argument("--external-timeout", type=int, default=1200)
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "RESULTS.md")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("The benchmarks need PostgreSQL: set DATABASE_URL (see benchmarks/README.md).", file=sys.stderr)
        return 2
    RESULTS_DIR.mkdir(exist_ok=True)
    started = time.perf_counter()
    ensure_database()
    mach = machine()
    info = prepare_data(scale=args.scale, seed=args.seed, regenerate=args.regenerate, force=args.force)

    measured, baselines = [], {}
    if not args.skip_pages:
        print("Measuring pages in-process…")
        measured, baselines = measure_pages(iterations=args.iterations, warmup=args.warmup,
                                            budget_s=args.page_budget, cold_iterations=args.cold_iterations)
    pages = {item["case"].key: (item["case"], item["m"]) for item in measured}

    measured_throughput = {"error": "skipped (--skip-throughput)"}
    if not args.skip_throughput:
        print("Measuring throughput under gunicorn…")
        product_urls = throughput.rotating_product_urls(args.product_urls)
        connection.close()  # gunicorn workers open their own
        measured_throughput = throughput.measure_throughput(
            product_urls=product_urls, duration=args.duration, connections=args.connections,
            workers=args.workers, port=args.port)

    external = []
    if not args.skip_external:
        for key, script, title in EXTERNAL_SCRIPTS:
            print(f"Running {script}…")
            external.append(run_external(key, script, title, timeout=args.external_timeout))

    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": time.perf_counter() - started,
        "machine": mach,
        "dataset": {**info, "generated_at": str(info["generated_at"])} if info else {},
        "iterations": args.iterations, "warmup": args.warmup, "cold_iterations": args.cold_iterations,
        "baselines": {who: asdict(b) for who, b in baselines.items()},
        "pages": [{**asdict(m), "key": c.key, "note": c.note, "query_target": c.query_target,
                   "median_target_ms": c.median_target_ms} for c, m in pages.values()],
        "page_rows": [page_row(c, m, baselines[m.baseline])[1] for c, m in pages.values()],
        "throughput": measured_throughput,
        "external": external,
        "load_after": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
    }
    report["targets"] = target_rows(report, pages)
    markdown = render_report(report)
    args.output.write_text(markdown)
    args.output.with_suffix(".json").with_stem("results").write_text(  # beside the report
        json.dumps(report, indent=2, default=str))
    if args.output == RESULTS_DIR / "RESULTS.md":
        update_readme(markdown)
    print(f"\nWrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    for target, measured_value, ok in report["targets"]:
        print(f"  {verdict(ok).strip('*'):7} {target}: {measured_value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
