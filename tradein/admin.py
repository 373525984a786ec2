"""Trade-in administration for staff: trade-ins with their history and photos, the shoppers'
payouts, and the sellers' offers with their statistics per model.

Read-only here: no add, no change form, no delete. Staff change a trade-in only through actions
that ask for a reason and call the same services as the pages (arbitrate a disputed counter-offer,
mark a payout sent with its reference), so the state machine's table and the history apply; a
refusal is an error message, never a server error.
"""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.admin_actions import ReadOnlyAdminMixin, ReadOnlyInlineMixin, ReasonForm, reason_action
from marketplace.admin_actions import all_fields as _all
from marketplace.templatetags.money import format_money

from . import services
from .iban import iban_masked
from .models import ShopperPayout, TradeIn, TradeInOffer, TradeInPhoto, TradeInQuote, TradeInTransition
from .payouts import shopper_payout_mark_sent
from .photos import trade_in_photo_response
from .selectors import offer_statistics_per_model
from .states import TransitionError

REFUSALS = (TransitionError, ValidationError)


def _act(modeladmin, request, queryset, *, action, title, apply, done, **options):
    return reason_action(modeladmin, request, queryset, action=action, title=title, apply=apply,
                         done_message=lambda n: done(n) % {"count": n}, refusals=REFUSALS, **options)


class TransitionInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = TradeInTransition
    fields = ["created_at", "from_state", "to_state", "actor", "reason"]
    readonly_fields = fields


class PhotoInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = TradeInPhoto
    fields = ["photo", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("photo"))
    def photo(self, obj):
        """A private file: shown through the admin's own view, to staff who may see the trade-in."""
        url = reverse("admin:tradein_tradein_photo", args=[obj.trade_in_id, obj.pk])
        return format_html('<a href="{}"><img src="{}" width="160" alt="{}"></a>', url, url,
                           _("Photo of the device at inspection"))


class ArbitrationForm(ReasonForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=[
        ("counter", _("The counter-offer stands: bought at the seller's new price")),
        ("quote", _("The shopper is right: bought at the quoted price")),
        ("return", _("Neither: the device goes back to the shopper, free")),
    ], widget=forms.RadioSelect)

    def clean(self):
        data = super().clean()
        if any(obj.state != TradeIn.State.DISPUTED for obj in self.objects):
            raise ValidationError(_("Choose disputed trade-ins only."))
        return data


class ReferenceForm(ReasonForm):
    reference = forms.CharField(label=_("Bank transfer reference"), max_length=100)


def _describe(trade_in: TradeIn) -> str:
    return (f"{trade_in.number} — {trade_in.get_state_display()} — {trade_in.seller} — "
            f"{format_money(trade_in.price_due)}")


def _describe_payout(payout: ShopperPayout) -> str:
    return f"{payout.trade_in.number} — {format_money(payout.amount)} — {iban_masked(payout.iban)}"


def _payouts_done(n: int) -> str:
    return ngettext("%(count)s payout marked sent.", "%(count)s payouts marked sent.", n)


@admin.register(TradeIn)
class TradeInAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "created_at", "state", "seller", "product", "condition", "quoted_price",
                    "counter_price", "agreed_price", "stocked_at"]
    list_filter = ["state", "condition", "seller"]
    search_fields = ["number", "shopper__email", "seller__name"]
    list_select_related = ["seller", "product__model", "shopper"]
    inlines = [TransitionInline, PhotoInline]
    actions = ["arbitrate", "mark_payout_sent"]
    # The full IBAN is on the shopper's payout, for Finance to make the transfer; masked here.
    readonly_fields = [*_all(TradeIn, exclude=["iban"]), "payout_iban"]
    fields = readonly_fields

    @admin.display(description=_("payout IBAN"))
    def payout_iban(self, obj):
        return iban_masked(obj.iban)

    def get_urls(self):
        photo = self.admin_site.admin_view(self.photo_view)
        return [path("<int:object_id>/photos/<int:pk>/", photo, name="tradein_tradein_photo"),
                *super().get_urls()]

    def photo_view(self, request, object_id, pk):
        trade_in = self.get_object(request, str(object_id))
        if trade_in is None or not self.has_view_permission(request, trade_in):
            raise Http404
        return trade_in_photo_response(trade_in=trade_in, pk=pk)

    @admin.action(description=_("Arbitrate a disputed counter-offer"), permissions=["act"])
    def arbitrate(self, request, queryset):
        return _act(self, request, queryset.select_related("seller"), action="arbitrate",
                    title=_("Arbitrate disputed counter-offers"), form_class=ArbitrationForm,
                    describe=_describe,
                    apply=lambda trade_in, data: services.trade_in_arbitrate(
                        trade_in=trade_in, actor=request.user, decision=data["decision"],
                        reason=data["reason"]),
                    done=lambda n: ngettext("%(count)s trade-in decided.", "%(count)s trade-ins decided.", n))

    @admin.action(description=_("Mark the shopper's payout sent"), permissions=["act"])
    def mark_payout_sent(self, request, queryset):
        def apply(trade_in, data):
            payout = ShopperPayout.objects.filter(trade_in=trade_in).first()
            if payout is None:
                raise ValidationError(_("Nothing is due to the shopper yet (the device is not bought)."))
            shopper_payout_mark_sent(payout=payout, actor=request.user, reference=data["reference"])

        return _act(self, request, queryset.select_related("seller"), action="mark_payout_sent",
                    title=_("Mark shopper payouts sent"), form_class=ReferenceForm, describe=_describe,
                    apply=apply,
                    done=_payouts_done)


@admin.register(ShopperPayout)
class ShopperPayoutAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["trade_in", "created_at", "shopper", "amount", "status", "reference", "sent_at",
                    "sent_by"]
    list_filter = ["status"]
    search_fields = ["trade_in__number", "reference", "shopper__email"]
    list_select_related = ["trade_in", "shopper", "sent_by"]
    readonly_fields = _all(ShopperPayout)
    actions = ["mark_sent"]

    @admin.action(description=_("Mark sent (with the transfer's reference)"), permissions=["act"])
    def mark_sent(self, request, queryset):
        return _act(self, request, queryset.select_related("trade_in"), action="mark_sent",
                    title=_("Mark shopper payouts sent"), form_class=ReferenceForm,
                    describe=_describe_payout,
                    apply=lambda payout, data: shopper_payout_mark_sent(
                        payout=payout, actor=request.user, reference=data["reference"]),
                    done=_payouts_done)


@admin.register(TradeInOffer)
class TradeInOfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The sellers' buying offers, with their statistics per model above the list."""

    list_display = ["device", "seller", "condition", "price", "cap", "is_active", "updated_at"]
    list_filter = ["condition", "is_active", "seller"]
    search_fields = ["product__model__name", "product__reference", "model__name", "seller__name"]
    list_select_related = ["product__model", "model", "seller"]
    readonly_fields = _all(TradeInOffer)
    change_list_template = "admin/tradein/tradeinoffer/change_list.html"

    @admin.display(description=_("device"))
    def device(self, obj):
        """The product, or the model and storage for every variant of it."""
        if obj.product_id:
            return obj.device_name
        return _("%(device)s (every colour)") % {"device": obj.device_name}

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "statistics": list(offer_statistics_per_model()[:200])}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(TradeInQuote)
class TradeInQuoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The quotes shoppers were given (what "I was offered €300" refers to), read-only."""

    list_display = ["created_at", "product", "condition", "price", "seller", "shopper", "valid_until",
                    "accepted_as"]
    list_filter = ["condition", "seller"]
    search_fields = ["shopper__email", "seller__name", "product__reference", "trade_in__number"]
    list_select_related = ["product__model", "seller", "shopper", "trade_in"]
    readonly_fields = [*_all(TradeInQuote, exclude=["token"]), "accepted_as"]
    fields = readonly_fields

    @admin.display(description=_("accepted as"))
    def accepted_as(self, obj):
        trade_in = getattr(obj, "trade_in", None)
        return trade_in.number if trade_in else "—"
