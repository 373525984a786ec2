"""Seller and listing administration for staff.

Onboarding decisions (approve, reject, suspend, reinstate) are admin actions that ask for a reason
on a confirmation page, then call the same services as everywhere else; the reason is kept on the
seller and in its audit trail. Every list keeps a fixed number of queries whatever the data.
"""
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from catalog.cache import products_changed_on_commit, seller_products_changed_on_commit
from marketplace.admin_actions import ReasonForm, reason_action
from marketplace.admin_money import MoneyAdminMixin

from . import services
from .ledger import Reason, stock_cause
from .models import ApiKey, Listing, Seller, SellerInvitation, SellerMember, StockImport, StockMovement
from .services import DEVICE_FIELDS


class SellerMemberInline(admin.TabularInline):
    model = SellerMember
    extra = 0
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class DecisionForm(ReasonForm):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), max_length=2000,
        help_text=_("Kept on the seller and in its history; sent to the seller with rejections and "
                    "suspensions."),
    )


# action name -> (service, past-tense message, verb for the page title)
DECISIONS = {
    "approve": (lambda seller, reason: services.seller_approve(seller=seller),
                lambda n: ngettext("%(count)s seller approved.", "%(count)s sellers approved.", n),
                _("Approve sellers")),
    "reject": (lambda seller, reason: services.seller_reject(seller=seller, reason=reason),
               lambda n: ngettext("%(count)s application rejected.", "%(count)s applications rejected.",
                                  n),
               _("Reject applications")),
    "suspend": (lambda seller, reason: services.seller_suspend(seller=seller, reason=reason),
                lambda n: ngettext("%(count)s seller suspended.", "%(count)s sellers suspended.", n),
                _("Suspend sellers")),
    "reinstate": (lambda seller, reason: services.seller_reinstate(seller=seller, reason=reason),
                  lambda n: ngettext("%(count)s seller reinstated.", "%(count)s sellers reinstated.", n),
                  _("Reinstate sellers")),
}


class QualityReviewFilter(admin.SimpleListFilter):
    """Sellers whose quality score fell below SELLER_QUALITY_REVIEW_THRESHOLD: for staff to review."""

    title = _("quality")
    parameter_name = "quality"

    def lookups(self, request, model_admin):
        return [("review", _("Below the review threshold"))]

    def queryset(self, request, queryset):
        if self.value() == "review":
            return queryset.filter(quality_score__lt=settings.SELLER_QUALITY_REVIEW_THRESHOLD)
        return queryset


@admin.register(Seller)
class SellerAdmin(MoneyAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "status", "vat_number", "contact_email", "commission_rate", "quality",
                    "rating", "rating_count", "listing_count", "created_at"]
    list_filter = ["status", QualityReviewFilter, "created_at", "approved_at"]
    search_fields = ["name", "slug", "vat_number", "contact_email", "contact_name"]
    prepopulated_fields = {"slug": ["name"]}
    # The rating and the score are computed from reviews and orders (sellers.performance), never typed.
    readonly_fields = ["status", "status_reason", "accepted_terms_at", "approved_at", "created_at",
                       "updated_at", "rating", "rating_count", "quality_score", "quality_parts_table",
                       "quality_computed_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "status", "status_reason"]}),
        (_("Commission"), {"fields": ["commission_rate", "shipping_fee", "shipping_days"]}),
        (_("Quality (computed)"), {"fields": ["quality_score", "quality_parts_table", "quality_computed_at",
                                              "rating", "rating_count"]}),
        (_("Contact"), {"fields": ["vat_number", "contact_name", "contact_email", "phone",
                                   "business_address", "return_address"]}),
        (_("Settings and dates"), {"fields": ["low_stock_alerts", "accepted_terms_at", "approved_at",
                                              "created_at", "updated_at"]}),
    ]
    inlines = [SellerMemberInline]
    actions = ["approve", "reject", "suspend", "reinstate"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        seller_products_changed_on_commit(obj.pk)  # name and rating show in the buy box
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _listing_count=Count("listings", filter=Q(listings__archived_at__isnull=True)))

    @admin.display(description=_("quality score"), ordering="quality_score")
    def quality(self, obj):
        if obj.quality_score < settings.SELLER_QUALITY_REVIEW_THRESHOLD:
            return format_html('<strong class="flag-review">{} ⚑ {}</strong>', obj.quality_score, _("review"))
        return obj.quality_score

    @admin.display(description=_("score parts (last 90 days)"))
    def quality_parts_table(self, obj):
        from .performance import measures_from_json
        from .scorecard import part_rows

        rows = part_rows(measures_from_json(obj.quality_parts))
        return format_html_join(
            "", "<div>{}: {} ({} {}) → {} × {}</div>",
            ((row.label, "—" if row.value is None else row.value, row.count, row.count_label, row.blended,
              row.weight) for row in rows))

    @admin.display(description=_("listings"), ordering="_listing_count")
    def listing_count(self, obj):
        return obj._listing_count

    def _decide(self, request, queryset, action: str):
        """Shows the confirmation page asking for a reason, then applies the decision."""
        service, done_message, title = DECISIONS[action]

        def decide(seller, data):
            seller._change_reason = data["reason"]  # the audit trail records why
            service(seller, data["reason"])

        return reason_action(self, request, queryset, action=action, title=title, apply=decide,
                             done_message=lambda n: done_message(n) % {"count": n},
                             refusal_level=messages.WARNING, form_class=DecisionForm,
                             describe=lambda seller: f"{seller.name} — {seller.get_status_display()}",
                             log=False)

    @admin.action(description=_("Approve selected sellers (with a reason; e-mails them)"),
                  permissions=["change"])
    def approve(self, request, queryset):
        return self._decide(request, queryset, "approve")

    @admin.action(description=_("Reject selected applications (with a reason; e-mails them)"),
                  permissions=["change"])
    def reject(self, request, queryset):
        return self._decide(request, queryset, "reject")

    @admin.action(description=_("Suspend selected sellers: their listings leave the marketplace, their "
                                "open orders are reassigned or refunded"), permissions=["change"])
    def suspend(self, request, queryset):
        from .admin_suspension import suspend_action

        _service, done_message, title = DECISIONS["suspend"]
        return suspend_action(self, request, queryset, title=title, done_message=done_message)

    @admin.action(description=_("Reinstate selected suspended sellers"), permissions=["change"])
    def reinstate(self, request, queryset):
        return self._decide(request, queryset, "reinstate")


@admin.register(SellerInvitation)
class SellerInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "seller", "role", "created_at", "accepted_at"]
    list_select_related = ["seller"]
    list_filter = [("accepted_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["email", "seller__name"]
    autocomplete_fields = ["seller", "invited_by"]
    readonly_fields = ["token"]


class ArchivedFilter(admin.SimpleListFilter):
    title = _("archived")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", _("Not archived")), ("yes", _("Archived"))]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(archived_at__isnull=self.value() == "no")
        return queryset


class ListingAdminForm(forms.ModelForm):
    """A change is checked by the same rules as every other door (sellers.services)."""

    class Meta:
        model = Listing
        fields = ["price", "quantity", "warranty_months", "is_active"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.errors:
            # self.instance still holds the stored listing here: the form's values come later.
            services.listing_change_validate(listing=self.instance, **{
                name: cleaned.get(name) for name in ("price", "quantity", "warranty_months", "is_active")})
        return cleaned


STOCK_MOVEMENTS_SHOWN = 50


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The stock ledger, read-only: movements are written by sellers.ledger and never edited."""

    list_display = ["created_at", "listing", "seller", "reason", "quantity_delta", "allocated_delta",
                    "stock_import", "seller_order", "user", "api_key"]
    list_select_related = ["listing", "seller", "stock_import", "seller_order__order", "user", "api_key"]
    list_filter = ["reason", "created_at"]
    search_fields = ["listing__sku", "seller__name"]
    raw_id_fields = ["listing"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Listing)
class ListingAdmin(MoneyAdminMixin, SimpleHistoryAdmin):
    """Listings are the sellers' offers: staff correct them through the listing service (archived
    stays archived, product and grade never change); sellers create them."""

    form = ListingAdminForm
    list_display = ["sku", "seller", "product", "grade", "price", "quantity", "allocated", "is_active",
                    "updated_at"]
    list_select_related = ["seller", "product__model"]
    list_filter = ["grade", "is_active", ArchivedFilter, "seller__status", "product__model__category",
                   "product__model__brand"]
    search_fields = ["sku", "product__reference", "product__model__name", "seller__name"]
    autocomplete_fields = ["seller", "product"]
    fields = ["seller", "product", "grade", "sku", "price", "quantity", "allocated", "warranty_months",
              "is_active", "archived_at", *DEVICE_FIELDS, "created_at", "updated_at", "stock_movements"]
    # The device details are the seller's statement (back office, file or API): shown, not edited.
    readonly_fields = ["seller", "product", "grade", "sku", "allocated", "archived_at", *DEVICE_FIELDS,
                       "created_at", "updated_at", "stock_movements"]
    date_hierarchy = "updated_at"

    @admin.display(description=_("stock movements"))
    def stock_movements(self, obj):
        """The listing's latest movements, newest first, and a link to all of them (read-only: the
        form stays the listing's alone, with no formset to post)."""
        movements = list(StockMovement.objects.filter(listing=obj).order_by("-id").select_related(
            "stock_import", "seller_order__order", "user", "api_key")[:STOCK_MOVEMENTS_SHOWN])
        if not movements:
            return _("None yet.")
        cells = "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"
        rows = format_html_join("", cells, (
            (date_format(timezone.localtime(m.created_at), "SHORT_DATETIME_FORMAT"), m.get_reason_display(),
             f"{m.quantity_delta:+d}", f"{m.allocated_delta:+d}",
             m.stock_import or m.seller_order or m.api_key or m.user or "") for m in movements))
        link = reverse("admin:sellers_stockmovement_changelist") + f"?listing__id__exact={obj.pk}"
        return format_html(
            '<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
            '<tbody>{}</tbody></table><p><a href="{}">{}</a></p>',
            _("When"), _("Reason"), _("Change on hand"), _("Change held"), _("Caused by"), rows, link,
            _("All movements of this listing"))

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        services.listing_update(listing=Listing.objects.get(pk=obj.pk), **{
            name: form.cleaned_data[name] for name in ("price", "quantity", "warranty_months", "is_active")},
            cause=stock_cause(Reason.ADMIN, user=request.user),
            confirm_low_price=True)  # staff set a price on purpose: the guard is for sellers' typos

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        products_changed_on_commit([obj.product_id])


@admin.register(StockImport)
class StockImportAdmin(admin.ModelAdmin):
    """Read-only: imports are made by sellers; staff look at them to help."""

    list_display = ["original_name", "seller", "status", "total_rows", "failed_count", "created_at"]
    list_select_related = ["seller"]
    list_filter = ["status", "created_at"]
    search_fields = ["original_name", "seller__name", "sha256"]
    # The file is private (no URL): its seller downloads it from the back office.
    exclude = ["errors", "file"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Staff see who holds keys and when they were used; the secret itself is never stored."""

    list_display = ["name", "prefix", "seller", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["seller"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "seller__name"]
    fields = ["name", "prefix", "seller", "scopes", "created_by", "created_at", "last_used_at",
              "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
