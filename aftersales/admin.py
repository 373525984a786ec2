"""Staff see every warranty claim, read-only; they close one (resolved) or reopen a declined one
through actions that ask for a reason and call aftersales.services."""
from django.contrib import admin, messages
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.admin_actions import ReadOnlyAdminMixin, ReadOnlyInlineMixin, all_fields, reason_action
from marketplace.storage import private_file_response
from orders.states import TransitionError

from . import services
from .models import WarrantyClaim, WarrantyClaimPhoto, WarrantyClaimTransition

C = WarrantyClaim.State


class WarrantyClaimTransitionInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = WarrantyClaimTransition
    fields = ["created_at", "from_state", "to_state", "actor", "reason"]
    readonly_fields = fields


@admin.register(WarrantyClaim)
class WarrantyClaimAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "seller_order", "reason", "state", "created_at", "answered_at"]
    list_select_related = ["seller_order__order", "order_line"]
    list_filter = ["state", "reason", "created_at"]
    search_fields = ["seller_order__order__number", "seller_order__seller__name", "order_line__sku"]
    readonly_fields = [*all_fields(WarrantyClaim), "photo_links"]
    inlines = [WarrantyClaimTransitionInline]
    actions = ["close_claims", "reopen_claims"]

    @admin.display(description=_("photos"))
    def photo_links(self, obj):
        return format_html_join(" ", '<a href="{}">{}</a>', (
            (reverse("admin:aftersales_warrantyclaim_photo", args=[obj.pk, photo.pk]),
             _("photo %(n)s") % {"n": n}) for n, photo in enumerate(obj.photos.all(), 1)))

    def get_urls(self):
        view = self.admin_site.admin_view(self.photo_view)
        return [path("<int:pk>/photos/<int:photo_pk>/", view, name="aftersales_warrantyclaim_photo"),
                *super().get_urls()]

    def photo_view(self, request, pk, photo_pk):
        """A claim's photo, from the private storage, to staff (the admin's own login check)."""
        photo = WarrantyClaimPhoto.objects.filter(pk=photo_pk, claim_id=pk).first()
        if photo is None or not self.has_view_permission(request):
            raise Http404
        return private_file_response(photo.image, filename=f"claim-{pk}-{photo_pk}.webp",
                                     content_type="image/webp", as_attachment=False)

    def _run(self, request, queryset, *, action, title, to_state, done):
        return reason_action(
            self, request, queryset.select_related("seller_order__order", "order_line").order_by("pk"),
            action=action, title=title, refusals=(TransitionError,), refusal_level=messages.WARNING,
            apply=lambda claim, data: services.claim_staff_move(claim=claim, to_state=to_state,
                                                                actor=request.user, reason=data["reason"]),
            done_message=done, describe=lambda claim: f"{claim} — {claim.seller_order}")

    @admin.action(description=_("Close as resolved"), permissions=["act"])
    def close_claims(self, request, queryset):
        return self._run(request, queryset, action="close_claims", title=_("Close warranty claims"),
                         to_state=C.RESOLVED, done=lambda n: ngettext(
                             "%(count)s claim closed.", "%(count)s claims closed.", n) % {"count": n})

    @admin.action(description=_("Reopen a declined claim (covered after all)"), permissions=["act"])
    def reopen_claims(self, request, queryset):
        return self._run(request, queryset, action="reopen_claims", title=_("Reopen warranty claims"),
                         to_state=C.OPEN, done=lambda n: ngettext(
                             "%(count)s claim reopened.", "%(count)s claims reopened.", n) % {"count": n})
