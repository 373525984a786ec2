"""Carts, orders split per seller, payments and their provider events, and saved addresses."""
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
