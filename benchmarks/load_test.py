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
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS_DIR = Path(__file__).resolve().parent / "results"
WORK_DIR = ROOT / "var" / "load_test"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
ACCESS_LOG = WORK_DIR / "access.log"
KEY_NAME = "load test"
PERCENTILES = ("50%", "95%", "99%")


# --- The fixture the simulated users read ----------------------------------------------------


def build_fixture(
    *,
    seed: int,
    started_at: datetime,
    api_sellers: int = 10,
    csv_sellers: int = 6,
    integrators: int = 10,
    import_timeout_s: int = 90,
    think_scale: float = 1.0,
) -> dict:
    """What the users need to behave: popular models first, categories with their brands, search
    words, a fresh range of shoppers, and sellers with new API keys (earlier load-test keys are
    revoked)."""
    import random

    from django.db.models import Count, Q

    from benchmarks.big_seller import BIG_SELLER_EMAIL
    from catalog.models import Category, Product, ProductModel
    from marketplace.demo import DEMO_PASSWORD
    from orders.models import SellerOrder
    from sellers.api_auth import api_key_create, api_key_revoke
    from sellers.models import ApiKey, Listing, Seller, buyable_q

    for key in ApiKey.objects.filter(name=KEY_NAME, revoked_at__isnull=True):
        api_key_revoke(api_key=key)
    buyable = Count("products__listings", filter=buyable_q("products__listings__"))
    models = list(
        ProductModel.objects.annotate(offers=buyable)
        .filter(offers__gt=0)
        .order_by("-offers", "pk")
        .values("pk", "slug", "name", "brand__name")[:600]
    )
    variants: dict[int, list[str]] = {}
    for model_id, slug in (
        Product.objects.filter(model_id__in=[m["pk"] for m in models], listings__in=Listing.objects.buyable())
        .distinct()
        .order_by("model_id", "pk")
        .values_list("model_id", "slug")
    ):
        variants.setdefault(model_id, []).append(slug)
    categories = []
    for category in Category.objects.annotate(n=Count("models")).order_by("-n", "pk"):
        brands = list(
            ProductModel.objects.filter(Q(category=category) | Q(category__parent=category))
            .values("brand__slug")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .values_list("brand__slug", flat=True)[:6]
        )
        if brands:
            categories.append({"slug": category.slug, "brands": brands})
    searches = list(
        dict.fromkeys(
            [*(m["name"].lower() for m in models[:300]), *(m["brand__name"].lower() for m in models[:300])]
        )
    )

    sellers = Seller.objects.filter(status=Seller.Status.APPROVED)
    by_listings = list(sellers.annotate(n=Count("listings")).order_by("-n", "pk"))
    big = [s for s in by_listings if s.members.filter(user__email=BIG_SELLER_EMAIL).exists()]
    others = [s for s in by_listings if s not in big]
    by_orders = list(
        sellers.annotate(
            n=Count("seller_orders", filter=Q(seller_orders__state=SellerOrder.State.PAID))
        ).order_by("-n", "pk")[:integrators]
    )

    def owner_email(seller) -> str:
        return seller.members.order_by("pk").values_list("user__email", flat=True).first()

    def with_key(seller) -> dict:
        _key, raw = api_key_create(seller=seller, name=KEY_NAME)
        return {"seller": seller.slug, "api_key": raw}

    rng = random.Random(seed)
    csv_accounts = []
    for seller in (big + others)[:csv_sellers]:
        skus = list(seller.listings.filter(archived_at__isnull=True).values_list("sku", flat=True)[:20_000])
        csv_accounts.append(
            {
                "seller": seller.slug,
                "email": owner_email(seller),
                "skus": rng.sample(skus, min(len(skus), 5_000)),
            }
        )
    return {
        "seed": seed,
        "started_at": started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "password": DEMO_PASSWORD,
        "import_timeout_s": import_timeout_s,
        "think_scale": think_scale,
        "models": [{"slug": m["slug"], "variants": variants.get(m["pk"], [])[:5]} for m in models],
        "categories": categories,
        "searches": searches,
        "shoppers": shoppers_fixture(rng),
        "api_sellers": [with_key(s) for s in others[csv_sellers : csv_sellers + api_sellers]],
        "csv_sellers": csv_accounts,
        "integrators": [with_key(s) for s in by_orders],
    }


def shoppers_fixture(rng, *, remembered: int = 300, by_password: int = 2_000) -> dict:
    """Two ranges of shoppers this run starts from (so one run's carts are not the next one's):
    returning shoppers whose browser kept a session (made here, as logging in would), and shoppers
    who type their password."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    shoppers = (
        get_user_model().objects.filter(email__startswith="shopper", email__endswith="@bench.test").count()
    )
    remembered, by_password = min(remembered, shoppers // 3), min(by_password, shoppers // 2)
    first = rng.randrange(0, shoppers - remembered - by_password + 1)
    emails = [f"shopper{i}@bench.test" for i in range(first, first + remembered)]
    sessions = []
    for user in get_user_model().objects.filter(email__in=emails).order_by("pk"):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        sessions.append({"email": user.email, "key": client.cookies[settings.SESSION_COOKIE_NAME].value})
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "sessions": sessions,
        "remembered_share": 1 / 3,
        "email": "shopper{}@bench.test",
        "first": first + remembered,
        "count": by_password,
        "login_share": 1 / 20,
    }


# --- The servers -------------------------------------------------------------------------------


def server_env() -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings", "PYTHONPATH": str(ROOT)}


def start_worker(*, concurrency: int, log_path: Path) -> subprocess.Popen:
    """A Celery worker on every queue (marketplace.queues), as `make worker` runs it."""
    from django.conf import settings

    from marketplace.queues import KINDS, queue_name

    queues = ",".join(queue_name(kind) for kind in KINDS)
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "marketplace",
        "worker",
        "-Q",
        queues,
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"load-test-{os.getpid()}@%h",
    ]
    assert settings.CELERY_BROKER_URL.startswith("redis"), "the load test needs a real broker"
    return subprocess.Popen(
        command, env=server_env(), cwd=ROOT, stdout=log_path.open("w"), stderr=subprocess.STDOUT
    )


def wait_for_worker(timeout: float = 60) -> bool:
    from marketplace.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            return True
        time.sleep(0.5)
    return False


def start_gunicorn(
    *, port: int, workers: int, threads: int, timeout: int, log_path: Path
) -> subprocess.Popen:
    """gunicorn as docker-compose.yml runs it (marketplace.wsgi), with the benchmark settings."""
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "marketplace.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--log-level",
        "warning",
        "--chdir",
        str(ROOT),
        # Method, path, status and the microseconds a worker spent on it (queueing excluded).
        "--access-logfile",
        str(ACCESS_LOG),
        "--access-logformat",
        "%(m)s %(U)s %(s)s %(D)s",
    ]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    return subprocess.Popen(command, env=server_env(), stdout=log_path.open("w"), stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def queued_tasks() -> int:
    """Messages waiting on the worker's queues in the broker (Redis lists named after the queues)."""
    import redis
    from django.conf import settings

    from marketplace.queues import KINDS, queue_name

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return sum(client.llen(queue_name(kind)) for kind in KINDS)


def wait_for_queues(timeout: float = 300) -> int:
    """Until the worker has taken every queued task (then a moment for the last ones to finish)."""
    deadline = time.monotonic() + timeout
    while (left := queued_tasks()) and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(3)
    return left


# --- One locust run ------------------------------------------------------------------------------


class LoadSampler:
    """While a run lasts, every few seconds: the 1-minute load average, and the CPU time of each
    group of processes (gunicorn and its workers, the Celery worker and its children, locust, the
    PostgreSQL backends serving this database), so the report can say what each request cost
    whatever else the shared machine was doing."""

    def __init__(self, *, groups: dict[str, int], database: str, every: float = 5.0):
        self.groups, self.database, self.every = groups, database, every
        self.samples: list[float] = []
        self._start: dict[int, float] = {}
        self._last: dict[tuple[str, int], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _processes(self):
        import psutil

        for group, pid in self.groups.items():
            try:
                root = psutil.Process(pid)
                yield from ((group, p) for p in [root, *root.children(recursive=True)])
            except psutil.NoSuchProcess:
                continue
        for process in psutil.process_iter(["name", "cmdline"]):
            cmdline = " ".join(process.info["cmdline"] or [])
            if self.database and process.info["name"] == "postgres" and f" {self.database} " in cmdline:
                yield "postgresql", process

    def _sample(self, *, first: bool = False):
        import psutil

        for group, process in self._processes():
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            used = times.user + times.system
            if first:
                self._start[process.pid] = used
            self._last[(group, process.pid)] = used

    def _run(self):
        while not self._stop.wait(self.every):
            self.samples.append(os.getloadavg()[0])
            self._sample()

    def __enter__(self):
        self._sample(first=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()

    def summary(self) -> dict:
        cpu: dict[str, float] = {}
        for (group, pid), used in self._last.items():
            cpu[group] = cpu.get(group, 0.0) + used - self._start.get(pid, 0.0)
        load = {}
        if self.samples:
            load = {
                "mean": round(sum(self.samples) / len(self.samples), 2),
                "max": round(max(self.samples), 2),
                "samples": len(self.samples),
            }
        return {
            "load_average_1m": load,
            "cpu_s": {group: round(used, 1) for group, used in sorted(cpu.items())},
        }


def run_locust(
    *,
    host: str,
    users: int,
    spawn_rate: float,
    duration: int,
    fixture_path: Path,
    prefix: Path,
    servers: dict[str, int],
    database: str,
    access_log: Path | None = None,
) -> dict:
    result_path = Path(f"{prefix}.json")
    result_path.unlink(missing_ok=True)
    env = {**os.environ, "LOAD_TEST_FIXTURE": str(fixture_path), "LOAD_TEST_RESULT": str(result_path)}
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        host,
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        f"{duration}s",
        "--only-summary",
        "--stop-timeout",
        "60",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    started = time.monotonic()
    access_offset = access_log.stat().st_size if access_log and access_log.exists() else None
    with Path(f"{prefix}.log").open("w") as log:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        with LoadSampler(groups={**servers, "locust": proc.pid}, database=database) as load:
            try:
                proc.wait(timeout=duration + 300)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    result = {
        "users": users,
        "spawn_rate": spawn_rate,
        "duration_s": duration,
        "seconds": round(time.monotonic() - started, 1),
        "exit_code": proc.returncode,
        **load.summary(),
        "rows": [],
        "failures": [{"method": "", "name": "locust", "error": "no statistics written", "occurrences": 1}],
        "outcomes": {},
    }
    if result_path.exists():
        result.update(json.loads(result_path.read_text()))
    if access_offset is not None:
        with access_log.open() as handle:
            handle.seek(access_offset)
            result["server_times"] = server_times(handle.read().splitlines())
    return result


# What the locust names mean, for the paths gunicorn logs.
PATH_NAMES = [
    (r"GET /p/[^/]+/", "GET /p/[model]/"),
    (r"GET /c/[^/]+/", "GET /c/[category]/ (with or without filters)"),
    (r"(GET|POST) /payments/test/[^/]+/", r"\1 /payments/test/[ref]/"),
    (r"POST /orders/[^/]+/cancel/", "POST /orders/[number]/cancel/"),
    (r"GET /orders/[^/]+/", "GET /orders/[number]/ (after paying)"),
    (r"PATCH /api/v1/listings/\d+", "PATCH /api/v1/listings/[id]"),
    (r"POST /api/v1/orders/\d+/accept", "POST /api/v1/orders/[id]/accept"),
    (r"GET /api/v1/orders/\d+", "GET /api/v1/orders/[id]"),
    (r"GET /seller/stock/imports/\d+/progress/", "GET /seller/stock/imports/[pk]/progress/"),
    (r"GET /seller/stock/imports/\d+/", "GET /seller/stock/imports/[pk]/"),
]


def server_times(lines: list[str]) -> list[dict]:
    """Per kind of request, the time a gunicorn worker spent on it (from the access log): what the
    server did, apart from the time the request waited for a free worker."""
    import re
    import statistics

    by_name: dict[str, list[float]] = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 4 or not parts[3].isdigit():
            continue
        request = f"{parts[0]} {parts[1]}"
        name = request
        for pattern, label in PATH_NAMES:
            if re.fullmatch(pattern, request):
                name = re.sub(pattern, label, request)
                break
        by_name.setdefault(name, []).append(int(parts[3]) / 1000)
    total = sum(sum(times) for times in by_name.values()) or 1.0
    rows = []
    for name, times in sorted(by_name.items(), key=lambda item: -sum(item[1])):
        ordered = sorted(times)
        rows.append(
            {
                "name": name,
                "requests": len(times),
                "median_ms": round(statistics.median(ordered), 1),
                "p95_ms": round(ordered[-(-len(ordered) * 95 // 100) - 1], 1),
                "share": round(sum(times) / total, 3),
            }
        )
    return rows


# --- The checks after the run ----------------------------------------------------------------------


def stock_check() -> dict:
    from django.core.management import CommandError, call_command

    out = StringIO()
    try:
        call_command("stock_check", stdout=out)
        ok = True
    except CommandError as exc:
        out.write(str(exc))
        ok = False
    lines = out.getvalue().strip().splitlines()
    return {"ok": ok, "summary": lines[-1] if lines else "", "mismatches": lines[:-1][:20]}


def orders_check(*, since: datetime, paid_by_users: int, cards_submitted: int) -> dict:
    """The orders the run placed: each paid one once, for its total, with its seller orders paid (or
    accepted); the others awaiting payment or cancelled with no payment taken; as many paid as the
    simulated shoppers saw paid, and at most as many as they submitted the success card."""
    from django.db.models import Count, Sum

    from orders.models import Order, Payment, SellerOrder

    orders = Order.objects.filter(created_at__gte=since)
    problems = []
    by_status = dict(orders.values_list("status").annotate(n=Count("pk")).order_by())
    paid = orders.filter(status=Order.Status.PAID)
    # Two grouped queries (one join each would multiply the other's rows).
    captured = {
        row["order_id"]: row
        for row in Payment.objects.filter(order__in=paid, status=Payment.Status.SUCCEEDED)
        .values("order_id")
        .annotate(amount=Sum("amount"), n=Count("pk"))
        .order_by()
    }
    parts = dict(
        SellerOrder.objects.filter(order__in=paid)
        .values("order_id")
        .annotate(total=Sum("total"))
        .order_by()
        .values_list("order_id", "total")
    )
    for order in paid.only("pk", "number", "total"):
        capture = captured.get(order.pk, {"amount": None, "n": 0})
        if capture["n"] != 1 or capture["amount"] != order.total:
            problems.append(
                f"order {order.number}: {capture['n']} succeeded payment(s) of {capture['amount']}, "
                f"total {order.total}"
            )
        if parts.get(order.pk) != order.total:
            problems.append(
                f"order {order.number}: seller orders add up to {parts.get(order.pk)}, total {order.total}"
            )
    wrong_parts = SellerOrder.objects.filter(order__in=paid).exclude(
        state__in=[SellerOrder.State.PAID, SellerOrder.State.ACCEPTED]
    )
    problems += [
        f"seller order {so.pk} of paid order {so.order.number} is {so.state}"
        for so in wrong_parts.select_related("order")[:20]
    ]
    unpaid_captured = Payment.objects.filter(
        order__in=orders.exclude(status=Order.Status.PAID), status=Payment.Status.SUCCEEDED
    )
    problems += [
        f"order {p.order.number} is {p.order.status} with a succeeded payment"
        for p in unpaid_captured.select_related("order")[:20]
    ]
    unexpected = set(by_status) - {Order.Status.PAID, Order.Status.AWAITING_PAYMENT, Order.Status.CANCELLED}
    if unexpected:
        problems.append(f"orders in unexpected states: {sorted(unexpected)}")
    paid_count = by_status.get(Order.Status.PAID, 0)
    # Users stopped at the end of a run may have paid without reading the answer.
    if not paid_by_users <= paid_count <= cards_submitted:
        problems.append(
            f"{paid_count} orders paid in the database, the shoppers saw {paid_by_users} paid and "
            f"submitted the success card {cards_submitted} times"
        )
    return {
        "ok": not problems,
        "by_status": by_status,
        "paid": paid_count,
        "paid_seen_by_shoppers": paid_by_users,
        "success_cards_submitted": cards_submitted,
        "problems": problems[:30],
    }


# --- The report ----------------------------------------------------------------------------------


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
