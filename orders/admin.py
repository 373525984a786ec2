"""Order administration for staff."""
from django.contrib import admin

from .models import Order, OrderLine, Payment, SellerOrder


class SellerOrderInline(admin.TabularInline):
    model = SellerOrder
    extra = 0
    fields = ["seller", "state", "total", "carrier", "tracking_number"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "email", "status", "total", "created_at"]
    list_filter = ["status"]
    search_fields = ["number", "email"]
    date_hierarchy = "created_at"
    inlines = [SellerOrderInline]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = ["listing", "product_name", "grade", "sku", "unit_price", "quantity"]


@admin.register(SellerOrder)
class SellerOrderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "seller", "state", "total", "created_at"]
    list_select_related = ["order", "seller"]
    list_filter = ["state"]
    search_fields = ["order__number", "seller__name", "tracking_number"]
    inlines = [OrderLineInline]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["order", "provider", "status", "amount", "created_at"]
    list_select_related = ["order"]
    list_filter = ["provider", "status"]
