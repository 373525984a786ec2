"""Seller and listing administration for staff: onboarding decisions are admin actions."""
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Listing, Seller, SellerInvitation, SellerMember


class SellerMemberInline(admin.TabularInline):
    model = SellerMember
    extra = 0
    autocomplete_fields = ["user"]


def _apply(modeladmin, request, queryset, service, done_message: str) -> None:
    done, refused = 0, []
    for seller in queryset:
        try:
            service(seller=seller)
        except ValidationError as error:
            refused.append(f"{seller}: {' '.join(error.messages)}")
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, line, messages.WARNING)


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "vat_number", "contact_email", "commission_rate", "rating",
                    "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "vat_number", "contact_email"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["status", "accepted_terms_at", "approved_at", "created_at", "updated_at"]
    inlines = [SellerMemberInline]
    actions = ["approve", "reject", "suspend"]

    @admin.action(description=_("Approve selected sellers (e-mails them)"))
    def approve(self, request, queryset):
        _apply(self, request, queryset, services.seller_approve,
               ngettext("%(count)s seller approved.", "%(count)s sellers approved.", queryset.count()))

    @admin.action(description=_("Reject selected applications (e-mails them; give the reason in "
                                "'reason for the status' first)"))
    def reject(self, request, queryset):
        _apply(self, request, queryset, services.seller_reject,
               ngettext("%(count)s application rejected.", "%(count)s applications rejected.",
                        queryset.count()))

    @admin.action(description=_("Suspend selected sellers (e-mails them)"))
    def suspend(self, request, queryset):
        _apply(self, request, queryset, services.seller_suspend,
               ngettext("%(count)s seller suspended.", "%(count)s sellers suspended.", queryset.count()))


@admin.register(SellerInvitation)
class SellerInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "seller", "created_at", "accepted_at"]
    search_fields = ["email", "seller__name"]
    readonly_fields = ["token"]


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["sku", "seller", "product", "grade", "price", "quantity", "allocated", "is_active"]
    list_select_related = ["seller", "product__model"]
    list_filter = ["grade", "is_active", "seller__status"]
    search_fields = ["sku", "product__reference", "product__model__name", "seller__name"]
    autocomplete_fields = ["seller", "product"]
    readonly_fields = ["allocated"]
