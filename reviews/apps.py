"""Verified reviews of delivered seller orders: the shopper's stars, staff moderation, the seller's reply."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Reviews")
