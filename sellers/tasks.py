"""Seller tasks: thin wrappers over services, safe to run twice."""
from celery import shared_task


@shared_task(name="sellers.tasks.apply_stock_import", acks_late=True)
def apply_stock_import(stock_import_id: int) -> None:
    from .stock_sync import stock_import_apply

    stock_import_apply(stock_import_id=stock_import_id)


@shared_task(name="sellers.tasks.resume_stalled_imports")
def resume_stalled_imports() -> int:
    from .stock_sync import stock_imports_resume_stalled

    return len(stock_imports_resume_stalled())


@shared_task(name="sellers.tasks.build_listing_export", acks_late=True)
def build_listing_export(export_id: int) -> int | None:
    """Builds a large stock export's file (sellers.listing_exports); its rows, or None if not to build."""
    from .listing_exports import listing_export_build

    export = listing_export_build(export_id=export_id)
    return export.done_rows if export else None


@shared_task(name="sellers.tasks.purge_listing_exports")
def purge_listing_exports() -> int:
    """Deletes the files of stock exports past their time (hourly)."""
    from .listing_exports import listing_exports_purge

    return listing_exports_purge()


@shared_task(name="sellers.tasks.send_low_stock_alerts")
def send_low_stock_alerts() -> int:
    from .services import low_stock_alerts_send

    return low_stock_alerts_send()


@shared_task(name="sellers.tasks.send_seller_status_email")
def send_seller_status_email(seller_id: int, status: str, change: str = "") -> int:
    """E-mails the decision; skipped when the seller's status has moved on since."""
    from .emails import send_status_email
    from .models import Seller

    seller = Seller.objects.filter(pk=seller_id, status=status).first()
    return send_status_email(seller=seller, status=status, change=change) if seller else 0


@shared_task(name="sellers.tasks.send_seller_invitation_email")
def send_seller_invitation_email(invitation_id: int) -> int:
    from .emails import send_invitation_email
    from .models import SellerInvitation

    invitation = (SellerInvitation.objects.select_related("seller")
                  .filter(pk=invitation_id, accepted_at__isnull=True).first())
    return send_invitation_email(invitation=invitation) if invitation else 0


@shared_task(name="sellers.tasks.recompute_seller_score")
def recompute_seller_score(seller_id: int) -> int:
    """One seller's quality score, after a change (debounced by sellers.performance)."""
    from .performance import seller_scores_compute

    return seller_scores_compute(seller_ids=[seller_id])


@shared_task(name="sellers.tasks.recompute_seller_scores")
def recompute_seller_scores() -> int:
    """Every seller's quality score and the day's history row (nightly)."""
    from .performance import seller_scores_compute

    return seller_scores_compute()


@shared_task(name="sellers.tasks.purge_idempotency_records")
def purge_idempotency_records() -> int:
    """Deletes the seller API's stored answers older than their 24 hours."""
    from .api_idempotency import idempotency_records_purge

    return idempotency_records_purge()


@shared_task(name="sellers.tasks.purge_old_records")
def purge_old_records() -> dict:
    """Deletes what is past its retention (nightly): events, webhook attempts, exports, stock files."""
    from dataclasses import asdict

    from .retention import records_purge

    return asdict(records_purge())


@shared_task(name="sellers.tasks.drain_webhook_endpoint")
def drain_webhook_endpoint(endpoint_id: int) -> int:
    """Sends one endpoint's due deliveries in event order; a failure waits for `deliver_due_webhooks`."""
    from .webhook_delivery import webhook_endpoint_drain

    return webhook_endpoint_drain(endpoint_id=endpoint_id)


@shared_task(name="sellers.tasks.send_webhook_delivery")
def send_webhook_delivery(delivery_id: int) -> bool:
    """One delivery at once (a resend or a test event the seller asked for)."""
    from .webhook_delivery import webhook_delivery_send_now

    return webhook_delivery_send_now(delivery_id=delivery_id)


@shared_task(name="sellers.tasks.deliver_due_webhooks")
def deliver_due_webhooks() -> int:
    """Retries the endpoints whose oldest pending delivery is due, each in event order."""
    from .webhook_delivery import webhook_deliveries_drain_due

    return webhook_deliveries_drain_due()


@shared_task(name="sellers.tasks.send_webhook_disabled_email")
def send_webhook_disabled_email(endpoint_id: int) -> int:
    """Tells the seller an endpoint was switched off after failing for 72 hours (once per switch-off)."""
    from .emails import send_webhook_disabled_email as send
    from .models import WebhookEndpoint

    endpoint = (WebhookEndpoint.objects.select_related("seller")
                .filter(pk=endpoint_id, is_active=False).first())
    return send(endpoint=endpoint) if endpoint and endpoint.disabled_at else 0


@shared_task(name="sellers.tasks.watch_boxes", acks_late=True)
def watch_boxes(product_ids: list[int]) -> int:
    """Repricing rules and buy-box alerts for these products, once their offers are quiet
    (sellers.buybox_watch); a retried run changes nothing twice."""
    from .buybox_watch import boxes_watch_run

    return boxes_watch_run(product_ids, debounce=True)


@shared_task(name="sellers.tasks.watch_import_boxes", acks_late=True)
def watch_import_boxes(stock_import_id: int, seller_id: int, product_ids: list[int]) -> tuple[int, int]:
    """The boxes a finished stock import moved, once for the whole file (sellers.buybox_watch)."""
    from .buybox_watch import import_boxes_watched

    return import_boxes_watched(stock_import_id=stock_import_id, seller_id=seller_id, product_ids=product_ids)


@shared_task(name="sellers.tasks.send_buy_box_digests")
def send_buy_box_digests() -> int:
    """The daily e-mail of boxes won and lost, to each team member who wants it (sent once a day)."""
    from .notices import buy_box_digests_send

    return buy_box_digests_send()

