"""Throughput near the limit (issue 20): requests/s under gunicorn and wrk, each endpoint against
trivial views measured in the same run.

Two baselines, both served by benchmarks/wsgi.py in the same gunicorn as the site: the issue's, a
trivial view with Django's stock middleware and none of ours, on which its targets are judged; and
a stricter floor, the same view with no middleware at all. benchmarks/run.py calls
`measure_throughput` and puts `report_lines` in its report; what each endpoint is:
benchmarks/README.md.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
BARE_URL = "/__bench__/bare/"
TRIVIAL_URL = "/__bench__/trivial/"  # served without any middleware by benchmarks/wsgi.py
STOCK_TRIVIAL_URL = "/__bench__/trivial-django/"  # with Django's stock middleware only
TARGETS = {"warm": 0.5, "cold": 0.25}  # the product page ÷ the baseline
BASELINE = "trivial_django"  # the issue's: "no template, no middleware of ours"
FLOOR = "trivial"

ENDPOINTS = [
    # key, name, what the cache holds when a round starts
    ("trivial", "Trivial view, no middleware at all (floor)", "warm"),
    ("trivial_django", "Trivial view, Django's stock middleware (the issue's baseline)", "warm"),
    ("bare", "Bare view (base.html and our middleware)", "warm"),
    ("product_warm", "Product page, rotating, warm cache", "warm"),
    ("product_cold", "Product page, rotating, cache emptied at the start of each round", "cold"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_wrk() -> str | None:
    path = shutil.which("wrk")
    if path:
        return path
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("  installing wrk with apt-get…")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, timeout=300,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("wrk")


def parse_wrk(output: str) -> dict:
    """Requests/s, latency percentiles and errors from `wrk --latency` output."""
    def ms(text: str) -> float:
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]

    result: dict = {"requests_per_s": None, "non_2xx": 0, "socket_errors": ""}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result["requests_per_s"] = float(m.group(1))
    if m := re.search(r"(\d+) requests in", output):
        result["requests"] = int(m.group(1))
    for pct in ("50", "99"):
        if m := re.search(rf"^\s+{pct}%\s+([\d.]+\w+)", output, re.M):
            result[f"p{pct}_ms"] = ms(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["non_2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: (.*)", output):
        result["socket_errors"] = m.group(1).strip()
    return result


def rotating_product_urls(count: int = 200) -> list[str]:
    """`count` product pages to rotate over: the busiest variant × grade of the `count` device models
    with the most buyable offers (one URL per model, so each is a different page and cache entry)."""
    from django.db.models import Count
    from django.urls import reverse

    from sellers.models import Listing

    rows = (Listing.objects.buyable().values("product__model__slug", "product__slug", "grade")
            .annotate(n=Count("id")).order_by("-n", "product__model__slug", "product__slug", "grade"))
    urls, seen = [], set()
    for row in rows.iterator(chunk_size=2000):
        if row["product__model__slug"] in seen:
            continue
        seen.add(row["product__model__slug"])
        base = reverse("catalog:model", kwargs={"slug": row["product__model__slug"]})
        urls.append(f"{base}?{urlencode({'variant': row['product__slug'], 'grade': row['grade']})}")
        if len(urls) == count:
            break
    return urls


def wrk_rotation_script(paths: list[str]) -> str:
    """A wrk Lua script requesting `paths` in turn; each thread starts at its own place in the list."""
    quoted = ",\n".join(json.dumps(p) for p in paths)
    return f"""local paths = {{
{quoted}
}}
local threads = 0
local counter = 0
function setup(thread)
  thread:set("offset", threads * math.floor(#paths / 2))
  threads = threads + 1
end
function init(args)
  counter = offset or 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
"""


def _gunicorn(entry: str, settings: str, port: int, workers: int, log_file) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings, "PYTHONPATH": str(ROOT)}
    command = [str(Path(sys.executable).with_name("gunicorn")), entry, "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--worker-class", "sync", "--log-level", "warning",
               "--chdir", str(ROOT)]
    return subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()


def measure_throughput(*, product_urls: list[str], duration: int, connections: int, workers: int,
                       rounds: int = 3, port: int = 0, log=print) -> dict:
    """Requests/s of both trivial views, the bare view and the product page rotating over many URLs
    (warm, and just after emptying the cache), all under one gunicorn in this run, in alternating
    rounds."""
    from django.core.cache import cache

    result: dict = {"workers": workers, "connections": connections, "duration_s": duration, "rounds": rounds,
                    "product_urls": len(product_urls), "rows": [],
                    "load_before": [round(x, 2) for x in os.getloadavg()]}
    wrk = _ensure_wrk()
    if not wrk:
        result["error"] = ("wrk is not installed and could not be installed here: `apt-get install wrk` "
                           "(as root), or put wrk on the PATH")
        return result
    if not product_urls:
        result["error"] = "no product page to measure"
        return result
    port = port or _free_port()
    log_file = (RESULTS_DIR / "gunicorn.log").open("w")
    server = _gunicorn("benchmarks.wsgi:application", "benchmarks.settings", port, workers, log_file)
    base = f"http://127.0.0.1:{port}"
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115 (removed below)
    script.write(wrk_rotation_script(product_urls))
    script.close()
    rotating = ["-s", script.name, f"{base}/"]
    targets = {"trivial": [f"{base}{TRIVIAL_URL}"], "trivial_django": [f"{base}{STOCK_TRIVIAL_URL}"],
               "bare": [f"{base}{BARE_URL}"], "product_warm": rotating, "product_cold": rotating}

    def run_wrk(key: str, seconds: int, *, latency: bool = True) -> str:
        args = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", *(["--latency"] if latency else []),
                *targets[key]]
        return subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60).stdout

    try:
        if not all(_wait_for(url, timeout=30) for url in (f"{base}{BARE_URL}", f"{base}{TRIVIAL_URL}",
                                                          f"{base}{STOCK_TRIVIAL_URL}")):
            result["error"] = "gunicorn did not answer within 30 s (see results/gunicorn.log)"
            return result
        # Warm every worker first (imports, templates, connections), and every product page.
        for key in ("trivial", "trivial_django", "bare"):
            run_wrk(key, 3, latency=False)
        _get_all(base, product_urls, threads=workers)
        run_wrk("product_warm", 3, latency=False)
        # Alternate the endpoints in rounds, so a burst of other load on the machine weighs on all.
        totals = {key: {"requests": 0, "seconds": 0.0, "non_2xx": 0, "p50": [], "p99": [], "errors": [],
                        "rates": []} for key, _n, _c in ENDPOINTS}
        seconds = max(1, duration // rounds)
        for _round in range(rounds):
            for key, _name, state in ENDPOINTS:
                if state == "cold":
                    cache.clear()
                elif key == "product_warm":
                    _get_all(base, product_urls, threads=workers)  # every page cached again
                parsed, total = parse_wrk(run_wrk(key, seconds)), totals[key]
                total["requests"] += parsed.get("requests") or 0
                total["seconds"] += seconds
                total["non_2xx"] += parsed["non_2xx"]
                total["rates"].append(parsed.get("requests_per_s"))
                total["p50"].append(parsed.get("p50_ms"))
                total["p99"].append(parsed.get("p99_ms"))
                if parsed["socket_errors"]:
                    total["errors"].append(parsed["socket_errors"])
        for key, name, _state in ENDPOINTS:
            total = totals[key]
            p50 = [x for x in total["p50"] if x is not None]
            p99 = [x for x in total["p99"] if x is not None]
            url = {"trivial": TRIVIAL_URL, "trivial_django": STOCK_TRIVIAL_URL,
                   "bare": BARE_URL}.get(key, f"{len(product_urls)} product pages")
            rate = round(total["requests"] / total["seconds"], 1) if total["seconds"] else None
            row = {"key": key, "name": name, "url": url, "requests": total["requests"],
                   "requests_per_s": rate, "rounds_per_s": total["rates"],
                   "p50_ms": statistics.median(p50) if p50 else None, "p99_ms": max(p99) if p99 else None,
                   "non_2xx": total["non_2xx"], "socket_errors": "; ".join(total["errors"])}
            result["rows"].append(row)
            log(f"  {name}: {row['requests_per_s']} req/s, p50 {row['p50_ms']} ms, non-2xx {row['non_2xx']}")
        result.update(ratios_of({row["key"]: row["requests_per_s"] for row in result["rows"]}))
    finally:
        _stop(server)
        log_file.close()
        Path(script.name).unlink(missing_ok=True)
        result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def ratios_of(rates: dict[str, float | None]) -> dict:
    """Each endpoint ÷ the issue's baseline (`ratios`) and ÷ the no-middleware floor
    (`ratios_floor`); the warm product page ÷ the bare view (`ratio`, issue 9's)."""
    found: dict = {}
    for name, baseline in (("ratios", BASELINE), ("ratios_floor", FLOOR)):
        if rates.get(baseline):
            found[name] = {key: rate / rates[baseline] for key, rate in rates.items()
                           if rate and key != baseline}
    if rates.get("bare") and rates.get("product_warm"):
        found["ratio"] = rates["product_warm"] / rates["bare"]
    return found


def target_rows(throughput: dict) -> list[tuple[str, str, bool | None]]:
    """Issue 20's two targets, judged on the issue's baseline, with the floor's ratio beside."""
    ratios, floor = throughput.get("ratios") or {}, throughput.get("ratios_floor") or {}
    rows = []
    for key, label, limit in (("product_warm", "warm", TARGETS["warm"]),
                              ("product_cold", "cache just emptied", TARGETS["cold"])):
        value = ratios.get(key)
        measured = f"{value:.2f}×" if value else "not measured"
        if floor.get(key):
            measured += f" (÷ the no-middleware view: {floor[key]:.2f}×)"
        rows.append((f"Product page throughput, rotating, {label}: ≥ {limit} × the trivial view with "
                     "Django's middleware (issue 20)", measured, value >= limit if value else None))
    return rows


def report_lines(tp: dict) -> list[str]:
    """The report's throughput section."""
    lines = ["## Throughput under gunicorn", ""]
    if not tp.get("rows"):
        return lines + [f"Not measured: {tp.get('error', 'skipped')}."]
    lines += [f"gunicorn with {tp['workers']} sync workers and `benchmarks.settings` "
              f"(`benchmarks.wsgi`); `wrk -t2 -c{tp['connections']}` from the same machine (load tool "
              f"and server share the cores), {tp['duration_s']} s per endpoint in {tp['rounds']} "
              "alternating rounds after a 3 s warm-up of each (every product page requested once "
              "before each warm round); both trivial views are served by the same gunicorn, one through "
              "Django's stock middleware only, the other through none. The product page rotates over "
              f"{tp['product_urls']} URLs (the busiest variant × "
              "grade of as many device models); its cold rounds start right after emptying the cache "
              "(Redis), so the first request of each URL in a round builds the page. Issue 20's targets "
              "are judged ÷ the trivial view with Django's middleware (the issue's \"no middleware of "
              "ours\"); ÷ the view with no middleware at all is shown beside. Load average before "
              f"{tp.get('load_before')}, after {tp.get('load_after')}.", "",
              "| endpoint | URL | requests/s | each round | p50 ms | p99 ms | non-2xx "
              "| ÷ trivial, Django's middleware | ÷ trivial, no middleware |",
              "|---|---|---|---|---|---|---|---|---|"]
    ratios, floor = tp.get("ratios") or {}, tp.get("ratios_floor") or {}

    def shown(value):
        return f"{value:.2f}" if value else "—"

    for row in tp["rows"]:
        rounds = " / ".join(f"{r:.0f}" for r in row.get("rounds_per_s") or [] if r)
        lines.append(f"| {row['name']} | `{row['url']}` | {row.get('requests_per_s') or '—'} | {rounds} | "
                     f"{_fmt_ms(row.get('p50_ms'))} | {_fmt_ms(row.get('p99_ms'))} | {row['non_2xx']} | "
                     f"{shown(ratios.get(row['key']))} | {shown(floor.get(row['key']))} |")
    ratio = tp.get("ratio")
    lines += ["", f"Product page (rotating, warm) / bare view: **{ratio:.2f}** (issue 9: ≥ 0.5)"
              if ratio else "Ratio not computed (no requests/s)."]
    return lines


def _fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _get_all(base: str, paths: list[str], *, threads: int) -> None:
    """Each path requested once (a page missing from the cache is built and stored)."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    def get(path: str) -> None:
        with urllib.request.urlopen(f"{base}{path}", timeout=60) as response:  # noqa: S310 (127.0.0.1)
            response.read()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(get, paths))


def _wait_for(url: str, *, timeout: float) -> bool:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (127.0.0.1 only)
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


# --- In-process: CPU and Python calls per request ---------------------------------------------------
def _wsgi_get(application, env: dict) -> None:
    """One request through the WSGI application, as gunicorn makes it; anything but 200 is an error."""
    statuses = []
    body = application(dict(env), lambda status, headers, exc_info=None: statuses.append(status))
    for _chunk in body:
        pass
    body.close()
    if not statuses[0].startswith("200"):
        raise RuntimeError(f"{statuses[0]} for {env['PATH_INFO']}?{env['QUERY_STRING']}")


def _environs(urls: list[str]) -> list[dict]:
    from django.test import RequestFactory

    factory = RequestFactory()
    return [factory._base_environ(PATH_INFO=url.partition("?")[0], QUERY_STRING=url.partition("?")[2])
            for url in urls]


def cpu_per_request(*, product_urls: list[str], requests: int = 400, repeats: int = 3,
                    cold_pages: int = 100) -> dict:
    """CPU ms per request of each endpoint in this process, through benchmarks.wsgi as gunicorn calls
    it (no network, no other process's load in the figure): the best of `repeats` runs of `requests`
    requests (the product page rotating over `product_urls`, warm). Cold: the cache emptied, then
    `cold_pages` pages each requested once (each builds its page), CPU and wall ms per page."""
    from django.core.cache import cache
    from django.db import connection, reset_queries

    from benchmarks.wsgi import application

    def best(urls: list[str]) -> float:
        envs = _environs(urls)
        for env in envs[:50]:
            _wsgi_get(application, env)
        runs = []
        for _ in range(repeats):
            started = time.process_time()
            for i in range(requests):
                _wsgi_get(application, envs[i % len(envs)])
            runs.append((time.process_time() - started) * 1000 / requests)
        return min(runs)

    found = {"trivial": best([TRIVIAL_URL]), "trivial_django": best([STOCK_TRIVIAL_URL]),
             "bare": best([BARE_URL])}
    for env in _environs(product_urls):  # every page built once, so the warm runs only serve
        _wsgi_get(application, env)
    found["product_warm"] = best(product_urls)
    cpu, wall, queries = [], [], []
    force_debug = connection.force_debug_cursor
    connection.force_debug_cursor = True  # counts the queries
    try:
        for start in range(0, cold_pages, len(product_urls)):
            cache.clear()
            for env in _environs(product_urls[:cold_pages - start]):
                reset_queries()
                started, started_cpu = time.perf_counter(), time.process_time()
                _wsgi_get(application, env)
                cpu.append((time.process_time() - started_cpu) * 1000)
                wall.append((time.perf_counter() - started) * 1000)
                queries.append(len(connection.queries))
    finally:
        connection.force_debug_cursor = force_debug
    if cpu:
        found.update(product_cold_cpu=statistics.median(cpu), product_cold_wall=statistics.median(wall),
                     product_cold_queries=max(queries), product_cold_cpu_mean=statistics.fmean(cpu))
    return found


def calls_per_request(*, product_urls: list[str], requests: int = 200, cold_pages: int = 100,
                      profile_to: Path | None = None) -> dict:
    """Python function calls per request, as cProfile counts them: unlike time on a shared machine,
    the same figure on every run, so a change's effect shows however loaded the machine is. The
    trivial views, the bare view, the warm product page (rotating over `product_urls`) and a page
    built after the cache is emptied (`cold_pages` of them, after one emptied round, so that what a
    process renders once for good — the language parts — is not counted; what each flush costs once,
    every model's trade-in answer, is). `profile_to`: the product pages' profile,
    warm and cold, written there (pstats files, `.warm` and `.cold`)."""
    import cProfile
    import pstats

    from django.core.cache import cache

    from benchmarks.wsgi import application

    def counted(envs: list[dict], count: int, name: str | None) -> float:
        profile = cProfile.Profile()
        profile.enable()
        for i in range(count):
            _wsgi_get(application, envs[i % len(envs)])
        profile.disable()
        stats = pstats.Stats(profile)
        if profile_to and name:
            stats.dump_stats(f"{profile_to}.{name}")
        return sum(entry[1] for entry in stats.stats.values()) / count

    found = {}
    for key, url in (("trivial", TRIVIAL_URL), ("trivial_django", STOCK_TRIVIAL_URL), ("bare", BARE_URL)):
        envs = _environs([url])
        _wsgi_get(application, envs[0])
        found[key] = counted(envs, requests, None)
    envs = _environs(product_urls)
    for env in envs:
        _wsgi_get(application, env)
    found["product_warm"] = counted(envs, requests, "warm")
    cold = envs[:cold_pages]
    cache.clear()
    for env in cold:
        _wsgi_get(application, env)
    cache.clear()
    found["product_cold"] = counted(cold, len(cold), "cold")
    return found


def main(argv: list[str] | None = None) -> int:
    """`python benchmarks/throughput.py --in-process`: CPU ms per request of each endpoint (`--calls`:
    Python calls per request)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--in-process", action="store_true", help="CPU ms per request, in this process")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cold-pages", type=int, default=100)
    parser.add_argument("--product-urls", type=int, default=200)
    parser.add_argument("--calls", action="store_true",
                        help="Python calls per request instead of CPU time (the same on every run)")
    parser.add_argument("--profile", type=Path,
                        help="with --calls: write the product pages' cProfile here (PATH.warm, PATH.cold)")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    urls = rotating_product_urls(args.product_urls)
    if args.calls:
        found = calls_per_request(product_urls=urls, requests=args.requests, cold_pages=args.cold_pages,
                                  profile_to=args.profile)
    else:
        found = cpu_per_request(product_urls=urls, requests=args.requests, repeats=args.repeats,
                                cold_pages=args.cold_pages)
    print(json.dumps({"load": [round(x, 2) for x in os.getloadavg()], "product_urls": len(urls),
                      **{key: round(value, 3) for key, value in found.items()}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
