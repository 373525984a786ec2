"""Staff review of sellers' product proposals: read-only rows, decided only through the actions
(approve: the product is created by catalog.proposals; reject: with the reason the seller reads)."""
from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.admin_actions import ReadOnlyAdminMixin, ReasonForm, all_fields, reason_action

from . import proposals
from .models import ProductModel, ProductProposal


class ApproveForm(ReasonForm):
    reason = forms.CharField(
        label=_("Note to the seller"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Optional; sent with the approval and kept in the history."))
    model = forms.ModelChoiceField(
        label=_("Device model"), required=False,
        queryset=ProductModel.objects.select_related("brand").order_by("brand__name", "name"),
        help_text=_("For proposals naming a model the catalog does not have yet (add it first). "
                    "Leave empty to use the model each seller chose."))


class RejectForm(ReasonForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Sent to the seller and shown on its proposal."))


@admin.register(ProductProposal)
class ProductProposalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "seller", "status", "created_at", "reviewed_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["seller", "model"]
    search_fields = ["reference", "model_name", "brand_name", "model__name", "seller__name"]
    readonly_fields = [*all_fields(ProductProposal), "photo_previews"]
    actions = ["approve", "reject"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None) -> bool:
        # The change page is shown read-only (with the photos); nothing on it can be saved.
        return obj is not None and request.method == "GET" and self.has_act_permission(request)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("photos")

    @admin.display(description=_("photos"))
    def photo_previews(self, obj):
        photos = list(obj.photos.all())
        if not photos:
            return "—"
        return format_html_join(
            " ", '<a href="{}"><img src="{}" width="160" alt="" style="object-fit:contain;'
            'background:#f1f4f2;border-radius:6px"></a>',
            ((url, url) for url in (reverse("admin:catalog_productproposal_photo", args=[obj.pk, photo.pk])
                                    for photo in photos)))

    def get_urls(self):
        photo = self.admin_site.admin_view(self.photo_view)
        return [path("<int:object_id>/photos/<int:pk>/", photo, name="catalog_productproposal_photo"),
                *super().get_urls()]

    def photo_view(self, request, object_id, pk):
        """A proposal's photo (a private file), to staff who may see the proposal."""
        proposal = self.get_object(request, str(object_id))
        if proposal is None or not self.has_view_permission(request, proposal):
            raise Http404
        return proposals.proposal_photo_response(proposal=proposal, pk=pk)

    @admin.action(description=_("Approve: add the products to the catalog (e-mails the sellers)"),
                  permissions=["act"])
    def approve(self, request, queryset):
        return reason_action(
            self, request, queryset, action="approve", title=_("Approve product proposals"),
            apply=lambda proposal, data: proposals.product_proposal_approve(
                proposal=proposal, reviewer=request.user, model=data.get("model"), note=data["reason"]),
            done_message=lambda n: ngettext("%(count)s product added to the catalog.",
                                            "%(count)s products added to the catalog.", n) % {"count": n},
            form_class=ApproveForm, refusal_level=messages.WARNING, describe=_describe)

    @admin.action(description=_("Reject, with a reason (e-mails the sellers)"), permissions=["act"])
    def reject(self, request, queryset):
        return reason_action(
            self, request, queryset, action="reject", title=_("Reject product proposals"),
            apply=lambda proposal, data: proposals.product_proposal_reject(
                proposal=proposal, reviewer=request.user, reason=data["reason"]),
            done_message=lambda n: ngettext("%(count)s proposal rejected.", "%(count)s proposals rejected.",
                                            n) % {"count": n},
            form_class=RejectForm, refusal_level=messages.WARNING, describe=_describe)


def _describe(proposal: ProductProposal) -> str:
    return format_html("{} — {} ({})", proposal, proposal.seller, proposal.get_status_display())
