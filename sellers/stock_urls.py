"""Back-office URLs for stock sync: CSV imports and exports, API keys."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
