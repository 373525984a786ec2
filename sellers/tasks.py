"""Seller tasks: thin wrappers over services, safe to run twice."""
from celery import shared_task


@shared_task(name="sellers.tasks.apply_stock_import", acks_late=True)
def apply_stock_import(stock_import_id: int) -> None:
    from .imports import stock_import_apply

    stock_import_apply(stock_import_id=stock_import_id)


@shared_task(name="sellers.tasks.send_low_stock_alerts")
def send_low_stock_alerts() -> int:
    from .services import low_stock_alerts_send

    return low_stock_alerts_send()
