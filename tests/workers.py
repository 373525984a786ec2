"""Real Celery worker processes for the tests: on Redis and the test database, each on queues of its
test's own, started and stopped here so that every test that needs a worker starts it alike."""
import os
import signal
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from marketplace.celery import app

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The test database (pytest-django's test_… copy) as a URL the worker's settings read."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_start(queues: str, *, pool: str = "prefork", env: dict | None = None,
                 stderr=subprocess.PIPE) -> subprocess.Popen:
    """`celery worker` consuming `queues` (comma-separated), one child, in a process group of its
    own (worker_stop, or a test killing the whole worker, signals the group)."""
    environment = {**os.environ, "CELERY_BROKER_URL": settings.REDIS_URL, "REDIS_URL": settings.REDIS_URL,
                   "CELERY_TASK_ALWAYS_EAGER": "false", "DJANGO_SETTINGS_MODULE": "tests.settings",
                   "DATABASE_URL": database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                   "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT), **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "marketplace", "worker", "-P", pool,
         *(["-c", "1"] if pool == "prefork" else []), "-Q", queues,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)


def worker_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def task_on_own_queue(task, monkeypatch):
    """`task.delay(pk)` sends to a queue of this test's own, and tasks are no longer run in-process;
    yields the queue's name."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    monkeypatch.setattr(task, "delay", lambda pk: task.apply_async(args=[pk], queue=queue))
    try:
        yield queue
    finally:
        app.conf.task_always_eager = eager


@contextmanager
def worker_for(task, monkeypatch):
    """A worker running `task`, sent with `task.delay(pk)`, on a queue of the test's own; yields
    the worker's process."""
    with task_on_own_queue(task, monkeypatch) as queue:
        process = worker_start(queue)
        try:
            yield process
        finally:
            worker_stop(process)
