"""A shopper's review of one delivered seller order, and the history of what happened to it."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReviewQuerySet(models.QuerySet):
    def visible(self) -> "ReviewQuerySet":
        """Reviews that count and show: hidden ones count nowhere."""
        return self.filter(hidden_at__isnull=True)


class Review(models.Model):
    """Always a verified purchase: one per seller order, by the shopper who bought it."""

    seller_order = models.OneToOneField("orders.SellerOrder", on_delete=models.CASCADE,
                                        related_name="review")
    # Copied from the seller order: a seller's reviews and their mean read one index.
    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="reviews",
                               db_index=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="reviews")
    stars = models.PositiveSmallIntegerField(_("stars"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("written"))
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_reason = models.CharField(_("why it is hidden"), max_length=255, blank=True)
    reply = models.TextField(_("seller's reply"), blank=True, max_length=2000)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1) & Q(stars__lte=5), name="review_stars_1_to_5"),
        ]
        indexes = [models.Index(fields=["seller", "-created_at"], name="review_seller_created_idx")]

    def __str__(self) -> str:
        return f"{self.stars}★ for {self.seller_id} ({self.seller_order_id})"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class ReviewEvent(models.Model):
    """Everything that happened to a review: written, edited, hidden, shown again, replied to."""

    class Action(models.TextChoices):
        CREATED = "created", _("Written")
        EDITED = "edited", _("Edited")
        HIDDEN = "hidden", _("Hidden by staff")
        SHOWN = "shown", _("Shown again by staff")
        REPLIED = "replied", _("Seller replied")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    reason = models.CharField(max_length=255, blank=True)
    stars = models.PositiveSmallIntegerField(null=True, blank=True)  # the stars after the event
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.action}"
