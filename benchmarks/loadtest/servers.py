"""The load test's servers: a Celery worker on every queue and gunicorn as in production, started,
waited for, drained and stopped."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.loadtest import ACCESS_LOG, ROOT


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
