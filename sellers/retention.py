"""What the marketplace forgets, and when: a nightly job (sellers.tasks.purge_old_records) deletes
the seller events older than RETENTION_EVENTS_DAYS (with their webhook deliveries and attempts),
webhook attempts older than RETENTION_WEBHOOK_ATTEMPTS_DAYS (the delivery keeps its last answer),
the stock exports expired more than RETENTION_EXPORTS_DAYS ago, and the uploaded files of stock
imports finished more than RETENTION_STOCK_FILES_DAYS ago (the import and its report stay).

Set-based, in batches: each batch is one transaction of a fixed number of statements over at most
`batch_size` rows, so locks stay short whatever the backlog. Never purged: the stock ledger
(StockMovement rows are append-only; an import they name keeps its row), an event whose delivery
is still being retried, and an import not finished."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from marketplace.storage import private_storage

from .models import Event, ListingExport, StockImport, WebhookAttempt, WebhookDelivery

BATCH_SIZE = 2000


@dataclass(frozen=True)
class Purged:
    events: int = 0
    deliveries: int = 0
    attempts: int = 0
    exports: int = 0
    stock_files: int = 0


def _ids(queryset: QuerySet, batch_size: int) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])


def _delete_files(names: list[str]) -> None:
    storage = private_storage()
    for name in names:
        storage.delete(name)


def attempts_purge(*, before, batch_size: int = BATCH_SIZE) -> int:
    """Webhook attempts made before `before`; returns how many were deleted."""
    due = WebhookAttempt.objects.filter(attempted_at__lt=before)
    total = 0
    while ids := _ids(due, batch_size):
        deleted, _by_model = WebhookAttempt.objects.filter(pk__in=ids).delete()
        total += deleted
    return total


def events_purge(*, before, batch_size: int = BATCH_SIZE) -> tuple[int, int, int]:
    """Events created before `before` and no longer being delivered, with their deliveries and
    those deliveries' attempts: (events, deliveries, attempts) deleted."""
    retrying = WebhookDelivery.objects.filter(event=OuterRef("pk"), status=WebhookDelivery.Status.PENDING)
    due = Event.objects.filter(created_at__lt=before).exclude(Exists(retrying))
    events = deliveries = attempts = 0
    while ids := _ids(due, batch_size):
        with transaction.atomic():
            # Children first, so that each delete is one statement over the batch.
            attempts += WebhookAttempt.objects.filter(delivery__event_id__in=ids).delete()[0]
            deliveries += WebhookDelivery.objects.filter(event_id__in=ids).delete()[0]
            events += Event.objects.filter(pk__in=ids).delete()[0]
    return events, deliveries, attempts


def exports_purge(*, before, batch_size: int = BATCH_SIZE) -> int:
    """Stock exports that expired before `before` (rows and any file left); how many."""
    due = ListingExport.objects.filter(expires_at__lt=before).exclude(
        status__in=[ListingExport.Status.QUEUED, ListingExport.Status.RUNNING]
    )
    total = 0
    while batch := list(due.order_by("pk").values_list("pk", "file")[:batch_size]):
        ids = [pk for pk, _name in batch]
        with transaction.atomic():
            total += ListingExport.objects.filter(pk__in=ids).delete()[0]
            names = [name for _pk, name in batch if name]
            transaction.on_commit(lambda names=names: _delete_files(names))
    return total


def stock_files_purge(*, before, batch_size: int = BATCH_SIZE) -> int:
    """The uploaded files of stock imports finished before `before`: deleted from the private
    storage, and the import keeps its report with no file. Rows are never deleted (the stock
    ledger's movements name them). Returns how many files."""
    due = StockImport.objects.filter(
        status__in=[StockImport.Status.DONE, StockImport.Status.FAILED],
        finished_at__lt=before,
    ).exclude(file="")
    total = 0
    while batch := list(due.order_by("pk").values_list("pk", "file")[:batch_size]):
        ids = [pk for pk, _name in batch]
        with transaction.atomic():
            total += StockImport.objects.filter(pk__in=ids).update(file="")
            names = [name for _pk, name in batch]
            transaction.on_commit(lambda names=names: _delete_files(names))
    return total


def records_purge(*, now=None, batch_size: int = BATCH_SIZE) -> Purged:
    """Everything past its retention (see the module's docstring), as of `now`."""
    now = now or timezone.now()
    days = timedelta(days=1)
    events, deliveries, attempts = events_purge(
        before=now - settings.RETENTION_EVENTS_DAYS * days, batch_size=batch_size
    )
    attempts += attempts_purge(
        before=now - settings.RETENTION_WEBHOOK_ATTEMPTS_DAYS * days, batch_size=batch_size
    )
    return Purged(
        events=events,
        deliveries=deliveries,
        attempts=attempts,
        exports=exports_purge(before=now - settings.RETENTION_EXPORTS_DAYS * days, batch_size=batch_size),
        stock_files=stock_files_purge(
            before=now - settings.RETENTION_STOCK_FILES_DAYS * days, batch_size=batch_size
        ),
    )
