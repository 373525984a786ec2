"""The catalog's words in the admin: staff translate colours, connectivity and specification labels
in the list itself, one column per language; a save rebuilds the pages that show them."""
from django.contrib import admin
from django.db import transaction
from modeltranslation.admin import TranslationAdmin

from .cache import catalog_changed
from .models import CatalogWord
from .words import words_changed


def _changed() -> None:
    words_changed()
    catalog_changed()


@admin.register(CatalogWord)
class CatalogWordAdmin(TranslationAdmin):
    list_display = ["text", "kind", "label_fr", "label_es"]
    list_editable = ["label_fr", "label_es"]
    list_filter = ["kind"]
    search_fields = ["text", "label_fr", "label_es"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(_changed)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(_changed)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(_changed)
