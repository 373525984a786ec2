"""Seller and listing administration for staff."""
from django.contrib import admin

from .models import Listing, Seller, SellerMember


class SellerMemberInline(admin.TabularInline):
    model = SellerMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "commission_rate", "rating", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "vat_number", "contact_email"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SellerMemberInline]


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["sku", "seller", "product", "grade", "price", "quantity", "allocated", "is_active"]
    list_select_related = ["seller", "product__model"]
    list_filter = ["grade", "is_active", "seller__status"]
    search_fields = ["sku", "product__reference", "product__model__name", "seller__name"]
    autocomplete_fields = ["seller", "product"]
    readonly_fields = ["allocated"]
