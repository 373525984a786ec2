"""A seller's listing export built in the background: the file of a large filter, kept for a while."""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.storage import private_storage

from .models import Seller


def listing_export_path(instance: "ListingExport", filename: str) -> str:
    """A generated name in the private storage, never guessable from the export's number."""
    return f"listing-exports/{instance.seller_id}/{uuid.uuid4().hex}.{instance.file_format}"


class ListingExport(models.Model):
    """The CSV (or XLSX) file of a seller's listings matching a filter, built by a worker
    (sellers.listing_exports), with its progress; downloaded by that seller only, until it expires."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="listing_exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+")
    # The filter as sellers.listing_filters.ListingFilters takes it (text values), and its digest
    # with the format: a second request of the same file while this one runs reuses it.
    filters = models.JSONField(default=dict, blank=True)
    filters_key = models.CharField(max_length=64)
    file_format = models.CharField(max_length=4, choices=Format.choices, default=Format.CSV)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    # Private: only its seller downloads it, through sellers:listing_export_download.
    file = models.FileField(upload_to=listing_export_path, storage=private_storage, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # After this the file is deleted (sellers.tasks.purge_listing_exports) and the export expired.
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["seller", "filters_key", "-created_at"],
                                name="listingexport_reuse_idx")]

    def __str__(self) -> str:
        return f"{self.seller_id}: {self.file_format} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(self.done_rows * 100 // self.total_rows, 99) if self.total_rows else 0

    @property
    def seconds(self) -> float | None:
        """How long the worker took to build the file."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def rows_per_second(self) -> int | None:
        seconds = self.seconds
        return round(self.done_rows / seconds) if seconds else None
