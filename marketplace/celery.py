"""The Celery app: configured from Django settings (CELERY_*), tasks found in each app's tasks.py."""
import os

from celery import Celery, signals
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
def _task_log_id(task_id=None, **kwargs):
    """A task's log lines carry its id, as a request's carry the request's."""
    from marketplace.observability import task_started

    task_started(task_id=task_id)


@signals.task_postrun.connect
def _task_log_id_end(task_id=None, **kwargs):
    from marketplace.observability import task_ended

    task_ended(task_id=task_id)

# Timed jobs. Each is a thin, idempotent task over a service, so a late or doubled run is harmless.
app.conf.beat_schedule = {
    "release-expired-unpaid-orders": {
        "task": "orders.tasks.release_expired_orders",
        "schedule": 60.0,
    },
    "cancel-unaccepted-seller-orders": {
        "task": "orders.tasks.cancel_unaccepted_seller_orders",
        "schedule": 15 * 60.0,
    },
    "deliver-shipped-seller-orders": {
        "task": "orders.tasks.deliver_shipped_seller_orders",
        "schedule": crontab(minute=10),
    },
    "compute-payouts": {
        "task": "orders.tasks.compute_payouts",
        "schedule": crontab(hour=2, minute=0),
    },
    "retry-due-refunds": {
        "task": "orders.tasks.retry_due_refunds",
        "schedule": 60.0,
    },
    "resume-stalled-stock-imports": {
        "task": "sellers.tasks.resume_stalled_imports",
        "schedule": 60.0,
    },
    "recompute-seller-scores": {
        "task": "sellers.tasks.recompute_seller_scores",
        "schedule": crontab(hour=3, minute=0),
    },
    "send-low-stock-alerts": {
        "task": "sellers.tasks.send_low_stock_alerts",
        "schedule": crontab(hour=7, minute=0),
    },
    "send-buy-box-digests": {
        "task": "sellers.tasks.send_buy_box_digests",
        "schedule": crontab(hour=7, minute=5),
    },
    "deliver-due-webhooks": {
        "task": "sellers.tasks.deliver_due_webhooks",
        "schedule": 30.0,
    },
    # Trade-in deadlines: unshipped quotes expire, unanswered counter-offers go back, devices not
    # inspected in time are bought at the quote (tradein.services).
    "expire-unshipped-trade-ins": {
        "task": "tradein.tasks.expire_unshipped_trade_ins",
        "schedule": crontab(minute=20),
    },
    "return-unanswered-counter-offers": {
        "task": "tradein.tasks.return_unanswered_counter_offers",
        "schedule": crontab(minute=25),
    },
    "confirm-uninspected-trade-ins": {
        "task": "tradein.tasks.confirm_uninspected_trade_ins",
        "schedule": crontab(minute=30),
    },
    # Trade-in quotes never accepted, 30 days after they expired (tradein.services).
    "purge-old-trade-in-quotes": {
        "task": "tradein.tasks.purge_old_quotes",
        "schedule": crontab(hour=3, minute=35),
    },
    # Stock exports past LISTING_EXPORT_KEEP_HOURS lose their file (sellers.listing_exports).
    "purge-listing-exports": {
        "task": "sellers.tasks.purge_listing_exports",
        "schedule": crontab(minute=45),
    },
    # Old events, webhook attempts, expired exports and stock-import files (sellers.retention).
    "purge-old-records": {
        "task": "sellers.tasks.purge_old_records",
        "schedule": crontab(hour=4, minute=15),
    },
    "purge-idempotency-records": {
        "task": "sellers.tasks.purge_idempotency_records",
        "schedule": crontab(minute=40),
    },
}
