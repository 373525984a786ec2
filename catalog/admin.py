"""Catalog curation for staff: search, filters, autocompletes, variant and image inlines with previews.

Every save refreshes the search fields of the models it touches, so search is right at once.
"""
from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from marketplace.admin_money import MoneyAdminMixin

from .cache import catalog_changed, categories_changed
from .images import validate_and_reencode
from .models import Brand, Category, Product, ProductImage, ProductModel
from .services import product_image_queue_thumbnails, product_models_refresh_search


def _catalog_changed_on_commit(*, model_ids: list[int]) -> None:
    """After the admin's transaction commits, rebuild every cached page showing these models."""
    product_ids = list(Product.objects.filter(model_id__in=model_ids).values_list("pk", flat=True))
    transaction.on_commit(lambda: catalog_changed(product_ids=product_ids))


def _preview(image: ProductImage | None, size: int = 64):
    if image is None or not image.image:
        return "—"
    return format_html('<img src="{}" width="{}" height="{}" alt="" style="object-fit:contain;'
                       'background:#f1f4f2;border-radius:6px">', image.small_url, size, size)


class ProductImageForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ["image", "alt_text", "colour", "position"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            # Decode, check limits, re-encode as WebP: the stored file is never the raw upload.
            return validate_and_reencode(image)
        return image


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ["preview", "image", "alt_text", "colour", "position"]
    readonly_fields = ["preview"]

    @admin.display(description=_("preview"))
    def preview(self, obj):
        return _preview(obj, 96)


class ProductInline(admin.TabularInline):
    model = Product
    extra = 0
    fields = ["slug", "reference", "storage_gb", "colour", "connectivity", "reference_price_new", "is_active"]
    show_change_link = True


class CategoryChildrenFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("top", _("Top level")), ("sub", _("Subcategories"))]

    def queryset(self, request, queryset):
        if self.value() == "top":
            return queryset.filter(parent__isnull=True)
        if self.value() == "sub":
            return queryset.filter(parent__isnull=False)
        return queryset


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):  # the name and description in each language, side by side
    list_display = ["name", "parent", "position"]
    list_editable = ["position"]
    list_select_related = ["parent"]
    list_filter = [CategoryChildrenFilter]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Category names are in the search document of their models (and of subcategories' models).
        product_models_refresh_search(model_ids=ProductModel.objects.filter(
            category__in=Category.objects.filter(pk=obj.pk) | Category.objects.filter(parent=obj)
        ).values_list("pk", flat=True))
        transaction.on_commit(categories_changed)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(categories_changed)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(categories_changed)


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        product_models_refresh_search(model_ids=obj.models.values_list("pk", flat=True))
        transaction.on_commit(lambda: catalog_changed())


@admin.register(ProductModel)
class ProductModelAdmin(MoneyAdminMixin, TranslationAdmin):
    list_display = ["thumbnail", "name", "brand", "category", "release_year", "reference_price_new",
                    "is_published"]
    list_display_links = ["thumbnail", "name"]
    list_select_related = ["brand", "category"]
    list_filter = ["is_published", "category", "brand", "release_year"]
    search_fields = ["name", "brand__name", "products__reference"]
    autocomplete_fields = ["brand", "category"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProductImageInline, ProductInline]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("images")

    @admin.display(description=_("picture"))
    def thumbnail(self, obj):
        images = list(obj.images.all())
        return _preview(images[0] if images else None, 48)

    def save_formset(self, request, form, formset, change):
        for subform in formset.forms:
            content = subform.cleaned_data.get("image") if hasattr(subform, "cleaned_data") else None
            if getattr(content, "image_size", None):
                subform.instance.width, subform.instance.height = content.image_size
        instances = formset.save()
        for instance in instances:
            if isinstance(instance, ProductImage):
                product_image_queue_thumbnails(image=instance)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the variants are saved too: their colours and storage are searchable.
        product_models_refresh_search(model_ids=[form.instance.pk])
        _catalog_changed_on_commit(model_ids=[form.instance.pk])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(lambda: catalog_changed())

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(lambda: catalog_changed())


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reference", "storage_gb", "colour", "connectivity", "is_active"]
    list_select_related = ["model"]
    list_filter = ["is_active", "model__category", "model__brand", "storage_gb"]
    search_fields = ["reference", "model__name", "slug", "colour"]
    autocomplete_fields = ["model"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        product_models_refresh_search(model_ids=[obj.model_id])
        _catalog_changed_on_commit(model_ids=[obj.model_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(lambda: catalog_changed())


from . import (  # noqa: E402, F401 - they register the proposals' and the catalog words' admin
    admin_proposals,
    admin_words,
)
