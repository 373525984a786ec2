"""Celery queues by kind of work, so one kind never waits behind another: a 100,000-row stock
import or export (`imports`) never delays a password-reset e-mail (`emails`), and a slow webhook receiver
(`webhooks`) never delays either. Everything else runs on `default`. Each queue has its own
worker in docker-compose.yml; `make worker` consumes them all.

CELERY_QUEUE_PREFIX (empty by default) lets several deployments, or test runs, share one broker."""
from django.conf import settings

IMPORTS, EMAILS, WEBHOOKS, DEFAULT = "imports", "emails", "webhooks", "default"
KINDS = (IMPORTS, EMAILS, WEBHOOKS, DEFAULT)

_BY_NAME = {
    "sellers.tasks.apply_stock_import": IMPORTS,
    "sellers.tasks.resume_stalled_imports": IMPORTS,
    # A large stock export reads every listing of a seller and writes a file: bulk work like an import.
    "sellers.tasks.build_listing_export": IMPORTS,
    "sellers.tasks.send_webhook_delivery": WEBHOOKS,
    "sellers.tasks.deliver_due_webhooks": WEBHOOKS,
    "sellers.tasks.drain_webhook_endpoint": WEBHOOKS,
}
# A task that only sends e-mail says so in its name (send_order_confirmation, notify_...).
_EMAIL_WORDS = (".send_", ".notify_")


def queue_name(kind: str) -> str:
    return f"{settings.CELERY_QUEUE_PREFIX}{kind}"


def queue_kind_of(task_name: str) -> str:
    """The kind of queue a task runs on."""
    if task_name in _BY_NAME:
        return _BY_NAME[task_name]
    if any(word in task_name for word in _EMAIL_WORDS):
        return EMAILS
    return DEFAULT


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery's router (CELERY_TASK_ROUTES): an explicit `queue=` given when sending wins."""
    return {"queue": queue_name(queue_kind_of(name))}
