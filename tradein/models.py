"""Trade-in: sellers' offers to buy used devices, the quotes shoppers are given, and shoppers'
trade-ins of one device each.

A trade-in's `state` is written only by tradein/states.py (a test scans for other writers); an
offer's `cap` only by tradein/offers.py, with guarded single statements so that it never goes
below zero.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, ProductModel
from marketplace.storage import private_storage
from sellers.models import Listing, Seller, StockMovement

MONEY = {"max_digits": 12, "decimal_places": 2}


class Condition(models.TextChoices):
    """What a used device is like, as the shopper's answers say (best first)."""

    FLAWLESS = "flawless", _("Flawless")
    WORN = "worn", _("Worn")
    CRACKED = "cracked", _("Cracked")
    DEAD = "dead", _("Does not power on")


class TradeInOffer(models.Model):
    """A seller's price to buy a used device in a condition, for at most `cap` more devices: either
    one product (a variant), or every variant of a model with one storage (`model` + `storage_gb`),
    whose single cap counts the devices of all its colours and connectivities together.

    For a shopper's device, a seller's offer for that very product wins over its offer for the
    product's model and storage (selectors.offers_for_product)."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="trade_in_offers")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="trade_in_offers")
    model = models.ForeignKey(ProductModel, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="trade_in_offers")
    storage_gb = models.PositiveIntegerField(_("storage (GB)"), null=True, blank=True)
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices)
    price = models.DecimalField(_("price"), **MONEY)
    cap = models.PositiveIntegerField(_("devices still wanted"))
    is_active = models.BooleanField(_("on"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product_id", "model_id", "storage_gb", "condition", "-price"]
        verbose_name = _("trade-in offer")
        verbose_name_plural = _("trade-in offers")
        constraints = [
            models.UniqueConstraint(fields=["seller", "product", "condition"],
                                    condition=Q(product__isnull=False), name="tradeinoffer_one_per_seller"),
            models.UniqueConstraint(fields=["seller", "model", "storage_gb", "condition"],
                                    condition=Q(model__isnull=False),
                                    name="tradeinoffer_one_per_seller_model"),
            models.CheckConstraint(
                condition=(Q(product__isnull=False, model__isnull=True, storage_gb__isnull=True)
                           | Q(product__isnull=True, model__isnull=False, storage_gb__isnull=False)),
                name="tradeinoffer_product_or_model_storage"),
            models.CheckConstraint(condition=Q(cap__gte=0), name="tradeinoffer_cap_not_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="tradeinoffer_price_positive"),
        ]
        indexes = [
            models.Index(fields=["product", "condition", "-price"], name="tradeinoffer_best_idx",
                         condition=Q(is_active=True, cap__gt=0)),
            models.Index(fields=["model", "storage_gb", "condition", "-price"],
                         name="tradeinoffer_best_model_idx", condition=Q(is_active=True, cap__gt=0)),
        ]

    def __str__(self) -> str:
        target = self.product_id or f"{self.model_id}/{self.storage_gb} GB"
        return f"{self.seller_id}: {target} {self.condition} {self.price}"

    @property
    def device_name(self) -> str:
        """What the offer buys, for people: "iPhone 12 128 GB Black", or "iPhone 12 128 GB" for
        every variant (needs the product's or the model's row)."""
        if self.product_id:
            product = self.product
            parts = [str(product.model.name)]
            if product.storage_gb:
                parts.append(f"{product.storage_gb} GB")
            if product.colour:
                parts.append(product.colour)
            return " ".join(parts)
        return f"{self.model.name} {self.storage_gb} GB"


class TradeInQuote(models.Model):
    """The best offer a shopper was shown for their answers ("€X from seller Y, valid 14 days"),
    held at its price until `valid_until`: accepted from its own page, after logging in or entering
    an IBAN, whatever the seller has changed since, while the seller's cap lasts (services).

    A quote made before logging in has no shopper yet: the browser's session holds its token and
    the shopper who logs in there takes it; to anyone else it is a 404."""

    token = models.CharField(max_length=32, unique=True)
    shopper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="trade_in_quotes")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices)
    answers = models.JSONField(_("answers"), default=dict)
    offer = models.ForeignKey(TradeInOffer, on_delete=models.CASCADE, related_name="quotes")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+")
    price = models.DecimalField(_("quoted price"), **MONEY)
    created_at = models.DateTimeField(_("quoted at"))
    valid_until = models.DateTimeField(_("valid until"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("trade-in quote")
        verbose_name_plural = _("trade-in quotes")
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="tradeinquote_price_positive"),
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("created_at")),
                                   name="tradeinquote_valid_after_given"),
        ]
        indexes = [models.Index(fields=["shopper", "-created_at"], name="tradeinquote_shopper_idx"),
                   models.Index(fields=["valid_until"], name="tradeinquote_valid_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.condition} {self.price} ({self.seller_id})"


class TradeIn(models.Model):
    """One shopper selling one device to one seller, from the accepted quote to payment (or return)."""

    class State(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted, to ship")
        SHIPPED = "shipped", _("Shipped")
        RECEIVED = "received", _("Received, to inspect")
        COUNTER_OFFERED = "counter_offered", _("Counter-offer")
        DISPUTED = "disputed", _("Counter-offer disputed")
        BOUGHT = "bought", _("Bought, payment due")
        PAID = "paid", _("Paid")
        RETURNING = "returning", _("Being sent back")
        RETURNED = "returned", _("Sent back")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("trade-in number"), max_length=20, unique=True)
    shopper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trade_ins")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="trade_ins")
    offer = models.ForeignKey(TradeInOffer, on_delete=models.PROTECT, related_name="trade_ins")
    # The quote accepted, once: its price is the quoted price (older trade-ins have none).
    quote = models.OneToOneField(TradeInQuote, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="trade_in")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices)
    answers = models.JSONField(_("answers"), default=dict)
    quoted_price = models.DecimalField(_("quoted price"), **MONEY)
    counter_price = models.DecimalField(_("counter-offer"), null=True, blank=True, **MONEY)
    counter_reason = models.TextField(_("reason for the counter-offer"), blank=True)
    # What the shopper is paid: the quote, or the counter-offer accepted (set when bought).
    agreed_price = models.DecimalField(_("agreed price"), null=True, blank=True, **MONEY)
    commission = models.DecimalField(_("trade-in commission"), null=True, blank=True, **MONEY)
    iban = models.CharField(_("payout IBAN"), max_length=34)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.ACCEPTED)
    ship_by = models.DateTimeField(_("ship by"))
    shipping_tracking = models.CharField(_("tracking number"), max_length=100, blank=True)
    return_tracking = models.CharField(_("return tracking number"), max_length=100, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    inspect_by = models.DateTimeField(_("inspect by"), null=True, blank=True)
    inspected_at = models.DateTimeField(null=True, blank=True)
    answer_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    bought_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    # Into stock, once: the listing whose quantity rose by this device (through sellers.ledger).
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # ... and the stock movement that says so (reason "trade-in received"): its link to this trade-in.
    stock_movement = models.OneToOneField(StockMovement, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="trade_in")
    stocked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("trade-in")
        verbose_name_plural = _("trade-ins")
        constraints = [
            models.CheckConstraint(condition=Q(quoted_price__gt=0), name="tradein_quote_positive"),
            models.CheckConstraint(condition=Q(counter_price__isnull=True) | Q(counter_price__gt=0),
                                   name="tradein_counter_positive"),
        ]
        indexes = [
            models.Index(fields=["seller", "state"], name="tradein_seller_state_idx"),
            models.Index(fields=["shopper", "-created_at"], name="tradein_shopper_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def price_due(self):
        """What the shopper is paid if the device is bought now: the counter-offer once made."""
        return self.agreed_price or self.counter_price or self.quoted_price


class TradeInTransition(models.Model):
    """One move of a trade-in's state: who, when, why (the history)."""

    trade_in = models.ForeignKey(TradeIn, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("trade-in history")
        verbose_name_plural = _("trade-in history")

    def __str__(self) -> str:
        return f"{self.from_state or '—'} → {self.to_state}"

    @property
    def to_label(self) -> str:
        """The state reached, in the reader's language."""
        return TradeIn.State(self.to_state).label if self.to_state in TradeIn.State.values else self.to_state


def photo_path(instance, filename: str) -> str:
    return f"trade-ins/{instance.trade_in_id}/{filename}"


class TradeInPhoto(models.Model):
    """A photo the seller took at inspection, shown with a counter-offer."""

    trade_in = models.ForeignKey(TradeIn, on_delete=models.CASCADE, related_name="photos")
    # Private: only the trade-in's shopper, its seller and staff see it, through a view.
    image = models.ImageField(_("photo"), upload_to=photo_path, storage=private_storage)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("trade-in photo")
        verbose_name_plural = _("trade-in photos")

    def __str__(self) -> str:
        return self.image.name


class ShopperPayout(models.Model):
    """The payout ledger entry to the shopper of a bought device: the bank transfer itself happens
    outside; staff mark it sent with its reference."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        SENT = "sent", _("Sent")

    trade_in = models.OneToOneField(TradeIn, on_delete=models.PROTECT, related_name="payout")
    shopper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), **MONEY)
    iban = models.CharField(_("IBAN"), max_length=34)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DUE)
    reference = models.CharField(_("transfer reference"), max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("shopper payout")
        verbose_name_plural = _("shopper payouts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="shopperpayout_amount_positive"),
            models.CheckConstraint(condition=Q(status="due") | ~Q(reference=""),
                                   name="shopperpayout_sent_has_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.trade_in_id}: {self.amount} ({self.status})"

