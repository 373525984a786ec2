"""Catalog curation for staff."""
from django.contrib import admin

from .models import Brand, Category, Product, ProductModel


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "position"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class ProductInline(admin.TabularInline):
    model = Product
    extra = 0


@admin.register(ProductModel)
class ProductModelAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "category", "release_year", "reference_price_new", "is_published"]
    list_select_related = ["brand", "category"]
    list_filter = ["category", "brand", "is_published"]
    search_fields = ["name", "brand__name"]
    autocomplete_fields = ["brand", "category"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProductInline]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reference", "storage_gb", "colour", "is_active"]
    list_select_related = ["model"]
    search_fields = ["reference", "model__name", "slug"]
    autocomplete_fields = ["model"]
