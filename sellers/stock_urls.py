"""Back-office URLs for stock sync: CSV imports and exports, API keys, webhooks."""
from django.urls import path

from . import export_views, stock_views, webhook_views

urlpatterns = [
    path("stock/", stock_views.stock_imports, name="stock_imports"),
    path("stock/imports/<int:pk>/", stock_views.stock_import_detail, name="stock_import"),
    path("stock/imports/<int:pk>/progress/", stock_views.stock_import_progress,
         name="stock_import_progress"),
    path("stock/imports/<int:pk>/errors.csv", stock_views.stock_import_errors, name="stock_import_errors"),
    path("stock/imports/<int:pk>/file.csv", stock_views.stock_import_file, name="stock_import_file"),
    path("stock/export.csv", export_views.stock_export_all, {"file_format": "csv"}, name="stock_export"),
    path("stock/export.xlsx", export_views.stock_export_all, {"file_format": "xlsx"},
         name="stock_export_xlsx"),
    path("stock/exports/", export_views.listing_exports, name="listing_exports"),
    path("stock/exports/<int:pk>/", export_views.listing_export, name="listing_export"),
    path("stock/exports/<int:pk>/progress/", export_views.listing_export_progress,
         name="listing_export_progress"),
    path("stock/exports/<int:pk>/download/", export_views.listing_export_download,
         name="listing_export_download"),
    path("stock/template.csv", stock_views.stock_template, name="stock_template"),
    path("api-keys/", stock_views.api_keys, name="api_keys"),
    path("api-keys/<int:pk>/revoke/", stock_views.api_key_revoke_view, name="api_key_revoke"),
    path("webhooks/", webhook_views.webhooks, name="webhooks"),
    path("webhooks/signatures/", webhook_views.webhook_docs, name="webhook_docs"),
    path("webhooks/<int:pk>/", webhook_views.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/<str:action>/", webhook_views.webhook_action, name="webhook_action"),
    path("webhooks/deliveries/<int:pk>/resend/", webhook_views.webhook_resend, name="webhook_resend"),
]
