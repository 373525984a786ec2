"""A real Celery worker process consumes tasks from Redis."""
import uuid

import pytest

from marketplace.celery import app
from tests.workers import worker_start, worker_stop


@pytest.fixture
def celery_worker_process():
    """Starts `celery worker` on a queue of its own and stops it afterwards."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    process = worker_start(queue, pool="solo")
    yield queue
    worker_stop(process)


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
