"""Staff moderation of reviews: read-only rows, hidden or shown again only through an action with a reason."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.admin_actions import ReadOnlyAdminMixin, ReadOnlyInlineMixin, all_fields, reason_action

from . import services
from .models import Review, ReviewEvent


class ReviewEventInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ReviewEvent
    fields = ["created_at", "action", "actor", "stars", "reason"]
    readonly_fields = fields


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "seller", "stars", "created_at", "hidden_at", "replied_at"]
    list_filter = [("hidden_at", admin.EmptyFieldListFilter), "stars"]
    search_fields = ["seller__name", "seller_order__order__number", "comment"]
    list_select_related = ["seller"]
    readonly_fields = all_fields(Review)
    inlines = [ReviewEventInline]
    actions = ["hide", "show"]

    def has_change_permission(self, request, obj=None) -> bool:
        # The change page is shown read-only (its history inline); nothing on it can be saved.
        return obj is not None and request.method == "GET" and self.has_act_permission(request)

    @admin.action(description=_("Hide (counts nowhere)"), permissions=["act"])
    def hide(self, request, queryset):
        return reason_action(self, request, queryset, action="hide", title=_("Hide reviews"),
                             apply=lambda review, data: services.review_hide(
                                 review=review, actor=request.user, reason=data["reason"]),
                             done_message=lambda n: ngettext("%(count)s review hidden.",
                                                             "%(count)s reviews hidden.", n) % {"count": n})

    @admin.action(description=_("Show again"), permissions=["act"])
    def show(self, request, queryset):
        return reason_action(self, request, queryset, action="show", title=_("Show reviews again"),
                             apply=lambda review, data: services.review_show(
                                 review=review, actor=request.user, reason=data["reason"]),
                             done_message=lambda n: ngettext(
                                 "%(count)s review shown again.", "%(count)s reviews shown again.", n)
                             % {"count": n})
