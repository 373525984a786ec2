"""Carts, orders split per seller, payments and their provider events, and saved addresses."""
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Grade
from sellers.models import Listing, Seller

MONEY = {"max_digits": 12, "decimal_places": 2}


class Address(models.Model):
    """A shopper's saved shipping address."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="addresses")
    full_name = models.CharField(_("full name"), max_length=150)
    line1 = models.CharField(_("address line 1"), max_length=200)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="FR")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(is_default=True),
                                    name="address_one_default_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.line1}, {self.postal_code} {self.city}"


class Cart(models.Model):
    """A shopper's cart: a logged-in user's, or an anonymous session's until login merges it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                null=True, blank=True, related_name="cart")
    session_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(session_key__isnull=False),
                name="cart_has_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"Cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="cart_lines")
    quantity = models.PositiveIntegerField(default=1)
    # The price the shopper saw when adding, so a later change can be pointed out.
    price_when_added = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "listing"], name="cartline_unique_listing"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cartline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.listing_id}"


class Order(models.Model):
    """What a shopper pays for at once; split into one SellerOrder per seller."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        PAID = "paid", _("Paid")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    class ShippingMethod(models.TextChoices):
        STANDARD = "standard", _("Standard tracked delivery")
        EXPRESS = "express", _("Express delivery")

    number = models.CharField(_("order number"), max_length=20, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="orders")
    email = models.EmailField(_("e-mail"))
    # The cart it was placed from: its lines are removed once the order is paid.
    cart = models.ForeignKey(Cart, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="orders")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.AWAITING_PAYMENT, db_index=True)
    shipping_method = models.CharField(_("shipping"), max_length=10, choices=ShippingMethod.choices,
                                       default=ShippingMethod.STANDARD)
    # The shipping address, copied at checkout so later edits do not rewrite history.
    ship_full_name = models.CharField(_("full name"), max_length=150)
    ship_line1 = models.CharField(_("address line 1"), max_length=200)
    ship_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    ship_postal_code = models.CharField(_("postal code"), max_length=20)
    ship_city = models.CharField(_("city"), max_length=100)
    ship_country = models.CharField(_("country"), max_length=2)
    ship_phone = models.CharField(_("phone"), max_length=30, blank=True)
    currency = models.CharField(max_length=3, default=settings.MARKETPLACE_CURRENCY)
    subtotal = models.DecimalField(_("subtotal"), **MONEY)
    shipping_total = models.DecimalField(_("shipping"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    expires_at = models.DateTimeField(_("payment due by"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.CheckConstraint(condition=Q(total=models.F("subtotal") + models.F("shipping_total")),
                                   name="order_total_is_sum"),
            models.CheckConstraint(condition=Q(subtotal__gte=0) & Q(shipping_total__gte=0),
                                   name="order_amounts_not_negative"),
            # One cart, one live unpaid order: a double click can never hold stock twice.
            models.UniqueConstraint(fields=["cart"], condition=Q(status="awaiting_payment"),
                                    name="one_live_order_per_cart"),
        ]

    def __str__(self) -> str:
        return self.number


class SellerOrder(models.Model):
    """The part of an order one seller fulfils, with its own state."""

    class State(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        PAID = "paid", _("Paid, awaiting the seller")
        ACCEPTED = "accepted", _("Accepted")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    class CancelCause(models.TextChoices):
        NONE = "", _("Not cancelled")
        UNPAID = "unpaid", _("Not paid")
        REFUSED = "refused", _("Refused by the seller")
        NOT_ACCEPTED = "not_accepted", _("Not accepted in time")
        STAFF = "staff", _("Cancelled by staff")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="seller_orders")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="seller_orders")
    state = models.CharField(_("state"), max_length=20, choices=State.choices,
                             default=State.AWAITING_PAYMENT, db_index=True)
    subtotal = models.DecimalField(_("subtotal"), **MONEY)
    shipping_fee = models.DecimalField(_("shipping"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    commission_rate = models.DecimalField(_("commission rate"), max_digits=5, decimal_places=4)
    commission_amount = models.DecimalField(_("commission"), **MONEY, default=Decimal("0.00"))
    refunded_amount = models.DecimalField(_("refunded"), **MONEY, default=Decimal("0.00"))
    carrier = models.CharField(_("carrier"), max_length=50, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Why it was cancelled: a seller's refusals and missed deadlines count against it.
    cancel_cause = models.CharField(_("cancelled because"), max_length=20, choices=CancelCause.choices,
                                    default="", blank=True, db_index=True)
    # When its amounts went into the seller's payout ledger (delivery + return window passed).
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("seller order")
        verbose_name_plural = _("seller orders")
        constraints = [
            models.UniqueConstraint(fields=["order", "seller"], name="sellerorder_one_per_seller"),
            models.CheckConstraint(condition=Q(total=models.F("subtotal") + models.F("shipping_fee")),
                                   name="sellerorder_total_is_sum"),
            models.CheckConstraint(condition=Q(refunded_amount__lte=models.F("total")),
                                   name="sellerorder_refund_within_total"),
            models.CheckConstraint(condition=Q(refunded_amount__gte=0),
                                   name="sellerorder_refund_not_negative"),
        ]
        indexes = [models.Index(fields=["seller", "state", "-created_at"],
                                name="sellerorder_seller_state_idx")]

    def __str__(self) -> str:
        return f"{self.order.number}-{self.seller_id}"

    @property
    def accept_by(self):
        """When a paid seller order not yet accepted is cancelled (SELLER_ACCEPT_HOURS after payment)."""
        if self.paid_at is None:
            return None
        return self.paid_at + timedelta(hours=settings.SELLER_ACCEPT_HOURS)


class OrderLine(models.Model):
    """One listing bought in a seller order, with what it was at the time of purchase."""

    seller_order = models.ForeignKey(SellerOrder, on_delete=models.CASCADE, related_name="lines")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="order_lines")
    product_name = models.CharField(max_length=250)
    grade = models.CharField(max_length=10, choices=Grade.choices)
    sku = models.CharField(max_length=64)
    unit_price = models.DecimalField(**MONEY)
    quantity = models.PositiveIntegerField()
    warranty_months = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="orderline_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class SellerOrderTransition(models.Model):
    """Every state change of a seller order: from, to, who, when and why."""

    seller_order = models.ForeignKey(SellerOrder, on_delete=models.CASCADE,
                                     related_name="transitions")
    from_state = models.CharField(max_length=20, choices=SellerOrder.State.choices)
    to_state = models.CharField(max_length=20, choices=SellerOrder.State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class Payment(models.Model):
    """One payment attempt for an order, through a payment provider."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    provider_reference = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(max_length=255, blank=True)
    # Where the shopper pays (Stripe Checkout or the test provider's page), to come back to it.
    redirect_url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_reference"],
                                    condition=~Q(provider_reference=""),
                                    name="payment_unique_provider_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_reference or self.pk} ({self.status})"


class ProviderEvent(models.Model):
    """A payment provider's event, stored once: a duplicate delivery is a no-op."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"],
                                    name="providerevent_unique_event"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id}"


class UnitSerial(models.Model):
    """The IMEI or serial number of one unit shipped: recorded once, when the seller ships."""

    seller_order = models.ForeignKey(SellerOrder, on_delete=models.CASCADE, related_name="serials")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="serials")
    unit = models.PositiveSmallIntegerField()  # 1 … line quantity
    serial = models.CharField(_("IMEI or serial number"), max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order_line_id", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["order_line", "unit"], name="unitserial_once_per_unit"),
            models.UniqueConstraint(fields=["seller_order", "serial"], name="unitserial_unique_in_parcel"),
        ]

    def __str__(self) -> str:
        return self.serial


class ReturnRequest(models.Model):
    """A shopper's return of one order line, within the return window after delivery."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted: send the item back")
        DISPUTED = "disputed", _("Disputed by the seller")
        RECEIVED = "received", _("Item received")
        REFUNDED = "refunded", _("Refunded")
        REJECTED = "rejected", _("Rejected")

    class Reason(models.TextChoices):
        DEFECTIVE = "defective", _("It does not work properly")
        NOT_AS_DESCRIBED = "not_as_described", _("Not as described (grade, model, colour)")
        DAMAGED = "damaged", _("Damaged in transit")
        CHANGED_MIND = "changed_mind", _("I changed my mind")
        OTHER = "other", _("Another reason")

    OPEN_STATES = (State.REQUESTED, State.ACCEPTED, State.DISPUTED, State.RECEIVED)

    seller_order = models.ForeignKey(SellerOrder, on_delete=models.CASCADE, related_name="returns")
    order_line = models.OneToOneField(OrderLine, on_delete=models.CASCADE, related_name="return_request")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.REQUESTED,
                             db_index=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    comment = models.TextField(_("comment"))
    seller_note = models.TextField(_("seller's note"), blank=True)
    staff_note = models.TextField(_("staff decision"), blank=True)
    amount = models.DecimalField(_("amount to refund"), **MONEY)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+")
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="return_amount_positive")]

    def __str__(self) -> str:
        return f"Return {self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class ReturnTransition(models.Model):
    """Every state change of a return: from, to, who, when and why."""

    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=ReturnRequest.State.choices)
    to_state = models.CharField(max_length=20, choices=ReturnRequest.State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class Refund(models.Model):
    """Money given back for a seller order through the payment provider: recorded once per key.

    The intent is stored first (pending), the provider is called outside any lock with the same
    idempotency key, then the result is recorded: a retry can never refund twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    # None for a payment that arrived for an order no longer payable: refunded whole.
    seller_order = models.ForeignKey(SellerOrder, on_delete=models.PROTECT, related_name="refunds",
                                     null=True, blank=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    return_request = models.OneToOneField(ReturnRequest, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="refund")
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=255)
    idempotency_key = models.CharField(max_length=100, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    provider_reference = models.CharField(max_length=255, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When a worker sends it next (back-off after a failure); None once it succeeded, or when the
    # retries ran out and staff must look at it.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)  # one attempt at a time
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["next_attempt_at"], name="refund_next_attempt",
                                condition=Q(status__in=["pending", "failed"]))]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"Refund {self.amount} ({self.status})"


class Payout(models.Model):
    """Money paid out to a seller (a bank transfer staff made), recorded against its ledger."""

    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="payouts")
    amount = models.DecimalField(_("amount"), **MONEY)
    reference = models.CharField(_("transfer reference"), max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive")]

    def __str__(self) -> str:
        return f"{self.seller_id}: {self.amount}"


class PayoutEntry(models.Model):
    """One line of a seller's payout ledger. The balance payable is the sum of the amounts:
    earnings are positive; refunds, commission and payouts negative."""

    class Kind(models.TextChoices):
        EARNING = "earning", _("Earned")
        REFUND = "refund", _("Refunded")
        COMMISSION = "commission", _("Commission")
        PAYOUT = "payout", _("Paid out")
        TRADE_IN = "trade_in", _("Trade-in bought")
        TRADE_IN_COMMISSION = "trade_in_fee", _("Trade-in commission")

    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="payout_entries")
    seller_order = models.ForeignKey(SellerOrder, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="payout_entries")
    payout = models.OneToOneField(Payout, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="entry")
    # A device the seller bought from a shopper (tradein): its price and the platform's commission.
    trade_in = models.ForeignKey("tradein.TradeIn", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="seller_entries")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payout ledger entry")
        verbose_name_plural = _("payout ledger")
        constraints = [
            models.UniqueConstraint(fields=["seller_order", "kind"], condition=Q(seller_order__isnull=False),
                                    name="payoutentry_once_per_seller_order"),
            models.UniqueConstraint(fields=["trade_in", "kind"], condition=Q(trade_in__isnull=False),
                                    name="payoutentry_once_per_trade_in"),
            models.CheckConstraint(
                condition=(Q(kind="earning", amount__gte=0) | (~Q(kind="earning") & Q(amount__lte=0))),
                name="payoutentry_sign_by_kind"),
        ]
        indexes = [models.Index(fields=["seller", "-created_at"], name="payoutentry_seller_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class Notification(models.Model):
    """An e-mail already sent about an order event: the same event never mails twice."""

    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
