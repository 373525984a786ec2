"""Order administration for staff: orders, seller orders with their fulfilment actions, returns to
arbitrate, refunds, and the sellers' payout ledgers. Admin actions call the same services as the
back office, so every rule and transition record applies."""
from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import fulfilment
from .models import (
    Order,
    OrderLine,
    Payment,
    Payout,
    PayoutEntry,
    Refund,
    ReturnRequest,
    ReturnTransition,
    SellerOrder,
    SellerOrderTransition,
    UnitSerial,
)


class SellerOrderInline(admin.TabularInline):
    model = SellerOrder
    extra = 0
    fields = ["seller", "state", "total", "refunded_amount", "carrier", "tracking_number"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Order)
class OrderAdmin(SimpleHistoryAdmin):
    list_display = ["number", "email", "status", "total", "created_at"]
    list_filter = ["status"]
    search_fields = ["number", "email"]
    date_hierarchy = "created_at"
    inlines = [SellerOrderInline]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = ["listing", "product_name", "grade", "sku", "unit_price", "quantity"]
    fields = readonly_fields
    can_delete = False


class UnitSerialInline(admin.TabularInline):
    model = UnitSerial
    extra = 0
    readonly_fields = ["order_line", "unit", "serial", "created_at"]
    fields = readonly_fields
    can_delete = False


class TransitionInline(admin.TabularInline):
    model = SellerOrderTransition
    extra = 0
    readonly_fields = ["from_state", "to_state", "actor", "reason", "created_at"]
    fields = readonly_fields
    can_delete = False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    readonly_fields = ["amount", "status", "reason", "provider_reference", "idempotency_key", "created_at"]
    fields = readonly_fields
    can_delete = False


def _run(modeladmin, request, queryset, action, done_message):
    done = 0
    for obj in queryset:
        try:
            action(obj)
        except (fulfilment.TransitionError, fulfilment.RefundError) as error:
            modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
        except ValidationError as error:
            modeladmin.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, messages.SUCCESS)


@admin.register(SellerOrder)
class SellerOrderAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "seller", "state", "total", "refunded_amount", "commission_amount",
                    "cancel_cause", "created_at"]
    list_select_related = ["order", "seller"]
    list_filter = ["state", "cancel_cause", "seller"]
    search_fields = ["order__number", "seller__name", "tracking_number", "order__email"]
    readonly_fields = ["order", "seller", "state", "subtotal", "shipping_fee", "total", "commission_rate",
                       "commission_amount", "refunded_amount", "carrier", "tracking_number", "paid_at",
                       "accepted_at", "shipped_at", "delivered_at", "cancelled_at", "cancel_cause",
                       "settled_at"]
    inlines = [OrderLineInline, UnitSerialInline, RefundInline, TransitionInline]
    actions = ["mark_delivered", "cancel_and_refund", "refund_in_full"]

    @admin.action(description=_("Mark delivered"))
    def mark_delivered(self, request, queryset):
        _run(self, request, queryset, lambda so: fulfilment.seller_order_deliver(
            seller_order=so, actor=request.user, reason="marked delivered by staff"),
            _("%(n)s seller order(s) marked delivered."))

    @admin.action(description=_("Cancel and refund (not shipped yet)"))
    def cancel_and_refund(self, request, queryset):
        _run(self, request, queryset, lambda so: fulfilment.seller_order_cancel(
            seller_order=so, cause=SellerOrder.CancelCause.STAFF, reason="cancelled by staff",
            actor=request.user), _("%(n)s seller order(s) cancelled and refunded."))

    @admin.action(description=_("Refund what is left in full (lost parcel, dispute)"))
    def refund_in_full(self, request, queryset):
        def refund(so):
            left = so.total - so.refunded_amount
            fulfilment.refund_create(seller_order=so, amount=left, reason="refunded in full by staff",
                                     idempotency_key=f"refurb-so-{so.pk}-staff-full", actor=request.user)
        _run(self, request, queryset, refund, _("%(n)s refund(s) sent."))

    def has_add_permission(self, request):
        return False


class ReturnTransitionInline(admin.TabularInline):
    model = ReturnTransition
    extra = 0
    readonly_fields = ["from_state", "to_state", "actor", "reason", "created_at"]
    fields = readonly_fields
    can_delete = False


@admin.register(ReturnRequest)
class ReturnRequestAdmin(SimpleHistoryAdmin):
    """Staff arbitrate disputed returns: accept (the shopper sends it back) or reject, with a note."""

    list_display = ["__str__", "seller_order", "order_line", "reason", "state", "amount", "created_at"]
    list_select_related = ["seller_order__order", "order_line"]
    list_filter = ["state", "reason"]
    search_fields = ["seller_order__order__number", "seller_order__seller__name"]
    readonly_fields = ["seller_order", "order_line", "state", "reason", "comment", "seller_note", "amount",
                       "requested_by", "created_at"]
    fields = [*readonly_fields, "staff_note"]
    inlines = [ReturnTransitionInline]
    actions = ["accept_returns", "reject_returns", "mark_received"]

    @admin.action(description=_("Accept (arbitrate in the shopper's favour)"))
    def accept_returns(self, request, queryset):
        _run(self, request, queryset, lambda ret: fulfilment.return_accept(
            ret=ret, actor=request.user, by_staff=True, note=ret.staff_note or "accepted by staff"),
            _("%(n)s return(s) accepted."))

    @admin.action(description=_("Reject (uses the staff decision note)"))
    def reject_returns(self, request, queryset):
        _run(self, request, queryset, lambda ret: fulfilment.return_reject(
            ret=ret, actor=request.user, note=ret.staff_note), _("%(n)s return(s) rejected."))

    @admin.action(description=_("Item received: refund"))
    def mark_received(self, request, queryset):
        _run(self, request, queryset,
             lambda ret: fulfilment.return_mark_received(ret=ret, actor=request.user),
             _("%(n)s return(s) received and refunded."))

    def has_add_permission(self, request):
        return False


@admin.register(Refund)
class RefundAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "seller_order", "amount", "status", "provider_reference", "created_at"]
    list_select_related = ["seller_order__order"]
    list_filter = ["status"]
    search_fields = ["seller_order__order__number", "provider_reference", "idempotency_key"]
    readonly_fields = [f.name for f in Refund._meta.fields]
    actions = ["retry"]

    @admin.action(description=_("Send again to the payment provider (same idempotency key)"))
    def retry(self, request, queryset):
        _run(self, request, queryset.exclude(status=Refund.Status.SUCCEEDED),
             lambda refund: fulfilment.refund_process(refund=refund), _("%(n)s refund(s) sent."))

    def has_add_permission(self, request):
        return False


@admin.register(PayoutEntry)
class PayoutEntryAdmin(admin.ModelAdmin):
    """Each seller's payout ledger; the changelist shows the totals of what is filtered."""

    list_display = ["created_at", "seller", "kind", "amount", "seller_order", "payout"]
    list_select_related = ["seller", "seller_order__order", "payout"]
    list_filter = ["kind", "seller"]
    search_fields = ["seller__name", "seller_order__order__number"]
    readonly_fields = ["seller", "seller_order", "payout", "kind", "amount", "created_at"]
    actions = ["pay_out_balance"]

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

    @admin.action(description=_("Record a transfer of the whole payable balance to these entries' sellers"))
    def pay_out_balance(self, request, queryset):
        from sellers.models import Seller

        sellers = Seller.objects.filter(pk__in=queryset.values("seller_id"))
        _run(self, request, sellers, lambda seller: fulfilment.payout_record(
            seller=seller, reference=f"admin-{request.user.pk}-{seller.pk}", actor=request.user),
            _("%(n)s payout(s) recorded."))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payout)
class PayoutAdmin(admin.ModelAdmin):
    list_display = ["created_at", "seller", "amount", "reference", "created_by"]
    list_select_related = ["seller", "created_by"]
    list_filter = ["seller"]
    readonly_fields = ["seller", "amount", "reference", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["order", "provider", "status", "amount", "created_at"]
    list_select_related = ["order"]
    list_filter = ["provider", "status"]
