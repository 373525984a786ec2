"""Celery queues by kind: a stock import never delays a password-reset e-mail."""
import uuid

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from marketplace.celery import app
from marketplace.queues import DEFAULT, EMAILS, IMPORTS, WEBHOOKS, queue_kind_of
from tests.factories import UserFactory
from tests.workers import worker_start, worker_stop

OUR_APPS = ("marketplace.", "catalog.", "sellers.", "orders.", "reviews.", "tradein.", "aftersales.",
            "pages.")


def test_each_task_runs_on_the_queue_of_its_kind():
    app.loader.import_default_modules()
    ours = sorted(name for name in app.tasks if name.startswith(OUR_APPS))
    assert len(ours) > 25
    kinds = {name: queue_kind_of(name) for name in ours}
    assert kinds["sellers.tasks.apply_stock_import"] == IMPORTS
    assert kinds["sellers.tasks.send_webhook_delivery"] == WEBHOOKS
    assert kinds["sellers.tasks.deliver_due_webhooks"] == WEBHOOKS
    assert kinds["marketplace.tasks.send_account_email"] == EMAILS
    assert kinds["orders.tasks.send_order_confirmation"] == EMAILS
    assert kinds["orders.tasks.release_expired_orders"] == DEFAULT
    assert kinds["orders.tasks.process_refund"] == DEFAULT
    # Every task that only sends e-mail is on the e-mail queue; nothing else is.
    assert {name for name, kind in kinds.items() if kind == EMAILS} == {
        name for name in ours if ".send_" in name and "webhook_delivery" not in name or ".notify_" in name}
    assert app.amqp.router.route({}, "sellers.tasks.apply_stock_import")["queue"].name == \
        f"{settings.CELERY_QUEUE_PREFIX}imports"


@pytest.mark.django_db
def test_a_password_reset_email_is_rendered_in_the_request_and_sent_by_the_email_task(
        client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="forgot@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    [mail] = mailoutbox
    assert mail.to == ["forgot@example.test"] and "/accounts/password/reset/key/" in mail.body


@pytest.fixture
def email_worker(settings, transactional_db):
    """A real worker consuming only the e-mail queue, on queue names of this test's own."""
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    settings.CELERY_QUEUE_PREFIX = prefix
    process = worker_start(f"{prefix}emails", pool="solo", env={"CELERY_QUEUE_PREFIX": prefix})
    yield prefix
    worker_stop(process)
    redis.Redis.from_url(settings.REDIS_URL).delete(f"{prefix}imports")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_email_worker_sends_while_an_import_waits_on_its_own_queue(email_worker, settings):
    broker = redis.Redis.from_url(settings.REDIS_URL)
    app.send_task("sellers.tasks.apply_stock_import", args=[0])  # no imports worker runs
    sent = app.send_task("marketplace.tasks.send_account_email", kwargs={
        "key": f"queue-test-{email_worker}", "subject": "Reset your password", "body": "Follow the link.",
        "from_email": "shop@example.test", "to": ["forgot@example.test"]})
    assert sent.get(timeout=60, disable_sync_subtasks=False) == 1  # sent by the e-mail worker
    assert broker.llen(f"{email_worker}imports") == 1  # the import still waits for its own worker
    assert broker.llen(f"{email_worker}emails") == 0
