"""One headless locust run of the scenario: its statistics, the CPU and load it cost each group of
processes, and the time gunicorn's workers spent on each kind of request."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.loadtest import LOCUSTFILE, ROOT


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
