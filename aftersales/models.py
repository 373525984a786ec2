"""After-sales cases: a shopper's warranty claim on a delivered device, answered by its seller."""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.storage import private_storage
from orders.models import OrderLine, SellerOrder


class WarrantyClaim(models.Model):
    """A shopper's claim under the seller's warranty for one device (an order line) of a delivered
    seller order. Its state moves only through aftersales.states."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for the seller")
        ACCEPTED = "accepted", _("Accepted by the seller")
        DECLINED = "declined", _("Declined by the seller")
        RESOLVED = "resolved", _("Resolved")

    class Reason(models.TextChoices):
        STOPPED_WORKING = "stopped_working", _("It stopped working or will not turn on")
        BATTERY = "battery", _("The battery does not hold its charge")
        SCREEN = "screen", _("A screen or touch fault")
        CHARGING = "charging", _("It does not charge")
        CAMERA_AUDIO = "camera_audio", _("Camera, microphone or speaker fault")
        NETWORK = "network", _("Network, Wi-Fi or Bluetooth fault")
        OTHER = "other", _("Another fault")

    seller_order = models.ForeignKey(SellerOrder, on_delete=models.PROTECT, related_name="warranty_claims")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="warranty_claims")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="warranty_claims")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN,
                             db_index=True)
    reason = models.CharField(_("what is wrong"), max_length=20, choices=Reason.choices)
    description = models.TextField(_("description"))
    seller_message = models.TextField(_("the seller's answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("warranty claim")
        verbose_name_plural = _("warranty claims")
        constraints = [
            # One case at a time per device: a new one only once the last is declined or resolved.
            models.UniqueConstraint(fields=["order_line"], condition=Q(state__in=["open", "accepted"]),
                                    name="warrantyclaim_one_live_per_line"),
        ]
        indexes = [models.Index(fields=["seller_order", "state"], name="warrantyclaim_so_state_idx")]

    def __str__(self) -> str:
        return f"{self.order_line} — {self.get_state_display()}"


def claim_photo_path(instance: "WarrantyClaimPhoto", filename: str) -> str:
    """A generated name, never the shopper's: photos are re-encoded to WebP before saving."""
    return f"warranty-claims/{uuid.uuid4().hex}.webp"


class WarrantyClaimPhoto(models.Model):
    """A shopper's photo of the fault: private, shown only to the claim's seller and to staff."""

    claim = models.ForeignKey(WarrantyClaim, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=claim_photo_path, storage=private_storage)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.image.name


class WarrantyClaimTransition(models.Model):
    """Every state change of a claim: from, to, who, when and why."""

    claim = models.ForeignKey(WarrantyClaim, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=10, choices=WarrantyClaim.State.choices)
    to_state = models.CharField(max_length=10, choices=WarrantyClaim.State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"
