"""Order administration for staff: orders, seller orders, payments, refunds, returns, provider
events and the sellers' payout ledgers.

Every one of them is read-only here: no add, no change form, no delete. What staff may change goes
through the admin actions, which ask for a reason on a confirmation page and call the same services
as the back office (orders.fulfilment, orders.refunds, orders.services) with the staff member as
actor, so the state machines' tables, the refund limits and the history apply; a refusal is an
error message, never a server error.
"""
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from marketplace.admin_actions import ReadOnlyAdminMixin, ReadOnlyInlineMixin, ReasonForm, reason_action
from marketplace.admin_actions import all_fields as _all
from marketplace.templatetags.money import format_money

from . import fulfilment, services
from .models import (
    Order,
    OrderLine,
    Payment,
    Payout,
    PayoutEntry,
    ProviderEvent,
    Refund,
    ReturnRequest,
    ReturnTransition,
    SellerOrder,
    SellerOrderTransition,
    UnitSerial,
)

REFUSALS = (fulfilment.TransitionError, fulfilment.RefundError, ValidationError)
ZERO = Decimal("0.00")


def _act(modeladmin, request, queryset, *, action, title, apply, done, **options):
    """A reason action of this module: the services' refusals become error messages."""
    return reason_action(modeladmin, request, queryset, action=action, title=title, apply=apply,
                         done_message=lambda n: done(n) % {"count": n}, refusals=REFUSALS, **options)


# --- Inlines -------------------------------------------------------------------------------------
class SellerOrderInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = SellerOrder
    fields = ["seller", "state", "total", "refunded_amount", "carrier", "tracking_number"]
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "seller")


class PaymentInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Payment
    fields = ["provider", "provider_reference", "amount", "status", "failure_reason", "created_at"]
    readonly_fields = fields


class OrderLineInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = OrderLine
    fields = ["listing", "product_name", "grade", "sku", "unit_price", "quantity"]
    readonly_fields = fields


class UnitSerialInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = UnitSerial
    fields = ["order_line", "unit", "serial", "created_at"]
    readonly_fields = fields


class TransitionInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = SellerOrderTransition
    fields = ["from_state", "to_state", "actor", "reason", "created_at"]
    readonly_fields = fields


class RefundInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Refund
    fields = ["amount", "status", "reason", "attempts", "next_attempt_at", "failure_reason",
              "provider_reference", "created_at"]
    readonly_fields = fields


class ReturnTransitionInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ReturnTransition
    fields = ["from_state", "to_state", "actor", "reason", "created_at"]
    readonly_fields = fields


# --- Orders --------------------------------------------------------------------------------------
@admin.register(Order)
class OrderAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["number", "email", "status", "total", "created_at"]
    list_filter = ["status"]
    search_fields = ["number", "email"]
    date_hierarchy = "created_at"
    readonly_fields = _all(Order)
    inlines = [SellerOrderInline, PaymentInline]
    actions = ["cancel_unpaid"]

    @admin.action(description=_("Cancel unpaid orders (their stock goes back)"), permissions=["act"])
    def cancel_unpaid(self, request, queryset):
        def cancel(order, data):
            if not services.order_release(order=order, reason=data["reason"], actor=request.user,
                                          status=Order.Status.CANCELLED):
                raise fulfilment.TransitionError(
                    _("Only an order awaiting payment can be cancelled here; cancel a paid order's "
                      "seller orders instead."))

        return _act(self, request, queryset, action="cancel_unpaid", title=_("Cancel unpaid orders"),
                    apply=cancel, describe=lambda o: f"{o.number} — {o.get_status_display()} — "
                                                     f"{format_money(o.total, o.currency)}",
                    done=lambda n: ngettext("%(count)s order cancelled.", "%(count)s orders cancelled.", n))


class RefundAmountForm(ReasonForm):
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=Decimal("0.01"), max_digits=10, decimal_places=2,
        help_text=_("Leave empty to refund what is left of each seller order."))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("amount") is not None and len(self.objects) > 1:
            raise ValidationError(_("Give an amount for one seller order at a time, or leave it empty "
                                    "to refund what is left of each."))
        return cleaned


def _owed(seller_order) -> Decimal:
    """Refunds already given back or on their way (pending, failed and being retried, succeeded)."""
    return seller_order.owed if hasattr(seller_order, "owed") else (
        seller_order.refunds.aggregate(total=Sum("amount"))["total"] or ZERO)


def _describe_seller_order(so) -> str:
    left = so.total - _owed(so)
    return (f"{so} — {so.seller.name} — {so.get_state_display()} — " + str(_("total %(total)s, refunded "
            "or being refunded %(owed)s, left %(left)s")) % {
        "total": format_money(so.total), "owed": format_money(_owed(so)), "left": format_money(left)})


@admin.register(SellerOrder)
class SellerOrderAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "seller", "state", "total", "refunded_amount", "commission_amount",
                    "cancel_cause", "created_at"]
    list_select_related = ["order", "seller"]
    list_filter = ["state", "cancel_cause", "seller"]
    search_fields = ["order__number", "seller__name", "tracking_number", "order__email"]
    readonly_fields = _all(SellerOrder)
    inlines = [OrderLineInline, UnitSerialInline, RefundInline, TransitionInline]
    actions = ["mark_delivered", "cancel_and_refund", "refund"]

    def _selected(self, queryset):
        return queryset.select_related("order", "seller").annotate(
            owed=Sum("refunds__amount", default=ZERO)).order_by("pk")

    @admin.action(description=_("Mark delivered"), permissions=["act"])
    def mark_delivered(self, request, queryset):
        return _act(self, request, self._selected(queryset), action="mark_delivered",
                    title=_("Mark seller orders delivered"), describe=_describe_seller_order,
                    apply=lambda so, data: fulfilment.seller_order_deliver(
                        seller_order=so, actor=request.user, reason=data["reason"]),
                    done=lambda n: ngettext("%(count)s seller order marked delivered.",
                                            "%(count)s seller orders marked delivered.", n))

    @admin.action(description=_("Cancel and refund (not shipped yet)"), permissions=["act"])
    def cancel_and_refund(self, request, queryset):
        return _act(self, request, self._selected(queryset), action="cancel_and_refund",
                    title=_("Cancel and refund seller orders"), describe=_describe_seller_order,
                    apply=lambda so, data: fulfilment.seller_order_cancel(
                        seller_order=so, cause=SellerOrder.CancelCause.STAFF, reason=data["reason"],
                        actor=request.user),
                    done=lambda n: ngettext("%(count)s seller order cancelled and refunded.",
                                            "%(count)s seller orders cancelled and refunded.", n))

    @admin.action(description=_("Refund an amount, or what is left (lost parcel, dispute)"),
                  permissions=["act"])
    def refund(self, request, queryset):
        def refund(so, data):
            amount = data["amount"] if data["amount"] is not None else so.total - _owed(so)
            if amount <= 0:
                raise fulfilment.RefundError(_("Nothing is left to refund on this seller order."))
            # The same click (or two staff at once on the same state) makes one refund: the key
            # names what was owed before and the amount; the limit is enforced under the row locks.
            fulfilment.refund_create(
                seller_order=so, amount=amount, reason=data["reason"], actor=request.user,
                idempotency_key=f"refurb-so-{so.pk}-staff-{so.refunds.count()}-{amount}")

        return _act(self, request, self._selected(queryset), action="refund",
                    title=_("Refund seller orders"), describe=_describe_seller_order, apply=refund,
                    form_class=RefundAmountForm,
                    done=lambda n: ngettext("%(count)s refund recorded; it is being sent.",
                                            "%(count)s refunds recorded; they are being sent.", n))


# --- Returns -------------------------------------------------------------------------------------
def _describe_return(ret) -> str:
    return (f"{ret} — {ret.seller_order} — {ret.order_line.product_name} — {ret.get_reason_display()} — "
            f"{format_money(ret.amount)}")


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Staff arbitrate disputed returns (accept: the shopper sends it back; or reject), and mark
    returned items received, which refunds them."""

    list_display = ["__str__", "seller_order", "order_line", "reason", "state", "amount", "created_at"]
    list_select_related = ["seller_order__order", "order_line"]
    list_filter = ["state", "reason"]
    search_fields = ["seller_order__order__number", "seller_order__seller__name"]
    readonly_fields = _all(ReturnRequest)
    inlines = [ReturnTransitionInline]
    actions = ["accept_returns", "reject_returns", "mark_received"]

    def _selected(self, queryset):
        return queryset.select_related("seller_order__order", "order_line").order_by("pk")

    @admin.action(description=_("Accept (arbitrate a dispute in the shopper's favour)"), permissions=["act"])
    def accept_returns(self, request, queryset):
        return _act(self, request, self._selected(queryset), action="accept_returns",
                    title=_("Accept returns"), describe=_describe_return,
                    intro=_("The reason is the staff decision the shopper and the seller read."),
                    apply=lambda ret, data: fulfilment.return_accept(
                        ret=ret, actor=request.user, by_staff=True, note=data["reason"]),
                    done=lambda n: ngettext("%(count)s return accepted.", "%(count)s returns accepted.", n))

    @admin.action(description=_("Reject (arbitrate a dispute in the seller's favour)"), permissions=["act"])
    def reject_returns(self, request, queryset):
        return _act(self, request, self._selected(queryset), action="reject_returns",
                    title=_("Reject returns"), describe=_describe_return,
                    intro=_("The reason is the staff decision the shopper and the seller read."),
                    apply=lambda ret, data: fulfilment.return_reject(
                        ret=ret, actor=request.user, note=data["reason"]),
                    done=lambda n: ngettext("%(count)s return rejected.", "%(count)s returns rejected.", n))

    @admin.action(description=_("Item received: refund"), permissions=["act"])
    def mark_received(self, request, queryset):
        return _act(self, request, self._selected(queryset), action="mark_received",
                    title=_("Mark returned items received and refund them"), describe=_describe_return,
                    apply=lambda ret, data: fulfilment.return_mark_received(
                        ret=ret, actor=request.user, reason=data["reason"]),
                    done=lambda n: ngettext("%(count)s return received and refunded.",
                                            "%(count)s returns received and refunded.", n))


# --- Refunds, payments, provider events ---------------------------------------------------------
class NeedsStaffFilter(admin.SimpleListFilter):
    """Refunds whose automatic retries ran out: someone must look at them and send them again."""

    title = _("needs staff")
    parameter_name = "needs_staff"

    def lookups(self, request, model_admin):
        return [("yes", _("Retries ran out")), ("no", _("Other refunds"))]

    def queryset(self, request, queryset):
        stuck = Q(status=Refund.Status.FAILED, next_attempt_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(stuck)
        if self.value() == "no":
            return queryset.exclude(stuck)
        return queryset


def _describe_refund(refund) -> str:
    return (f"{refund.seller_order or refund.payment} — {format_money(refund.amount)} — "
            f"{refund.get_status_display()} — " + str(_("%(n)s attempt(s)")) % {"n": refund.attempts}
            + (f" — {refund.failure_reason}" if refund.failure_reason else ""))


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "seller_order", "amount", "status", "attempts", "next_attempt_at",
                    "failure_reason", "provider_reference", "created_at"]
    list_select_related = ["seller_order__order", "payment"]
    list_filter = [NeedsStaffFilter, "status"]
    search_fields = ["seller_order__order__number", "provider_reference", "idempotency_key"]
    readonly_fields = _all(Refund)
    actions = ["retry"]

    @admin.action(description=_("Send again to the payment provider (same idempotency key)"),
                  permissions=["act"])
    def retry(self, request, queryset):
        def send(refund, data):
            if refund.status == Refund.Status.SUCCEEDED:
                raise fulfilment.RefundError(_("This refund has already succeeded."))
            refund = fulfilment.refund_process(refund=refund, force=True)
            if refund.status != Refund.Status.SUCCEEDED:
                raise fulfilment.RefundError(_("A worker is sending this refund right now; look again "
                                               "in a few minutes."))

        return _act(self, request, queryset.select_related("seller_order__order", "payment").order_by("pk"),
                    action="retry", title=_("Send refunds again"), describe=_describe_refund, apply=send,
                    intro=_("Each is sent with its own idempotency key: the provider never pays it twice."),
                    done=lambda n: ngettext("%(count)s refund sent.", "%(count)s refunds sent.", n))


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "provider", "status", "amount", "created_at"]
    list_select_related = ["order"]
    list_filter = ["provider", "status"]
    search_fields = ["order__number", "provider_reference"]
    readonly_fields = _all(Payment)


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the payment provider told us, stored once per event: for looking, never for editing."""

    list_display = ["received_at", "provider", "event_type", "event_id"]
    list_filter = ["provider", "event_type"]
    search_fields = ["event_id", "event_type"]
    date_hierarchy = "received_at"
    readonly_fields = _all(ProviderEvent)


# --- Payouts -------------------------------------------------------------------------------------
@admin.register(PayoutEntry)
class PayoutEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each seller's payout ledger; the changelist shows the totals of what is filtered."""

    list_display = ["created_at", "seller", "kind", "amount", "seller_order", "payout"]
    list_select_related = ["seller", "seller_order__order", "payout"]
    list_filter = ["kind", "seller"]
    search_fields = ["seller__name", "seller_order__order__number"]
    readonly_fields = _all(PayoutEntry)
    actions = ["pay_out_balance"]

    def has_act_permission(self, request) -> bool:
        return request.user.has_perm("orders.change_payout")  # recording a payout

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        try:
            queryset = response.context_data["cl"].queryset
        except (AttributeError, KeyError):
            return response
        response.context_data["ledger_totals"] = queryset.aggregate(
            total=Sum("amount", default=Decimal("0.00")), entries=Count("pk"),
            earned=Sum("amount", filter=Q(kind=PayoutEntry.Kind.EARNING), default=Decimal("0.00")))
        return response

    @admin.action(description=_("Record a transfer of the whole payable balance to these entries' sellers"),
                  permissions=["act"])
    def pay_out_balance(self, request, queryset):
        # One entry stands for each seller, so the confirmation page posts back entries of this list.
        per_seller = queryset.select_related("seller").order_by("seller_id", "pk").distinct("seller_id")
        return _act(self, request, per_seller, action="pay_out_balance", title=_("Record payouts"),
                    describe=lambda entry: entry.seller.name,
                    apply=lambda entry, data: fulfilment.payout_record(
                        seller=entry.seller, reference=f"admin-{request.user.pk}-{entry.seller_id}",
                        actor=request.user),
                    done=lambda n: ngettext("%(count)s payout recorded.", "%(count)s payouts recorded.", n))


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "seller", "amount", "reference", "created_by"]
    list_select_related = ["seller", "created_by"]
    list_filter = ["seller"]
    readonly_fields = _all(Payout)
