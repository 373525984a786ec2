"""A real Celery worker process consumes tasks from Redis."""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from marketplace.celery import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def celery_worker_process():
    """Starts `celery worker` on a queue of its own and stops it afterwards."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CELERY_BROKER_URL": settings.REDIS_URL,
           "CELERY_TASK_ALWAYS_EAGER": "false", "DJANGO_SETTINGS_MODULE": "tests.settings"}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "marketplace", "worker", "-P", "solo", "-Q", queue,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    yield queue
    process.terminate()
    process.wait(timeout=20)


@pytest.mark.worker
def test_a_real_worker_consumes_a_task_from_redis(celery_worker_process):
    assert app.conf.broker_url.startswith("redis://")
    result = app.send_task("marketplace.ping", queue=celery_worker_process)
    # (disable_sync_subtasks: an earlier test may have left Celery's in-process "inside a task" mark)
    assert result.get(timeout=60, disable_sync_subtasks=False) == "pong"


def test_celery_is_configured_for_safe_redelivery():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json"
    assert "release-expired-unpaid-orders" in app.conf.beat_schedule
