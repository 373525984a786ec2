"""Top-level URLs: each app mounts its own; the seller API lives under /api/v1/."""
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from marketplace.api import api

from . import observability, views

urlpatterns = [
    # First: the shoppers' pages are most of the requests, and Django tries the patterns in order
    # (none of theirs is a path another app serves).
    path("", include("catalog.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", observability.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("seller/", include("sellers.urls")),
    path("", include("tradein.urls")),  # "Sell your device" and the seller's trade-in pages
    path("", include("reviews.urls")),
    path("", include("pages.urls")),  # terms, privacy, legal notice, cookies, the help centre
    path("", include("aftersales.urls")),  # warranty claims: the order page's and the seller's
    path("", include("orders.urls")),
]
handler404 = "marketplace.views.not_found"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
