"""Sellers (refurbishers), their team members and their offers (listings) on catalog products."""
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Grade, Product
from marketplace.storage import private_storage

from .permissions import Role, Scope

MIN_WARRANTY_MONTHS = 12


class Seller(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")

    name = models.CharField(_("company name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=170, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    status_reason = models.TextField(_("reason for the status"), blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20)
    contact_name = models.CharField(_("contact name"), max_length=150)
    contact_email = models.EmailField(_("contact e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    business_address = models.TextField(_("business address"))
    return_address = models.TextField(_("return address"))
    commission_rate = models.DecimalField(
        _("commission rate"), max_digits=5, decimal_places=4,
        default=Decimal(settings.DEFAULT_COMMISSION_RATE),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of each seller order the platform keeps, e.g. 0.1000 for 10 %."),
    )
    shipping_fee = models.DecimalField(_("shipping fee per order"), max_digits=8,
                                       decimal_places=2, default=Decimal("0.00"))
    # Business days from accepting an order to handing it to the carrier: what the delivery
    # dates shoppers see (orders.delivery) count on. The seller terms allow 2 at most.
    shipping_days = models.PositiveSmallIntegerField(
        _("ships within (business days)"), default=2,
        validators=[MinValueValidator(1), MaxValueValidator(2)],
        help_text=_("Business days from accepting an order to handing it to the carrier: 1 or 2."),
    )
    rating = models.DecimalField(_("rating"), max_digits=3, decimal_places=2,
                                 default=Decimal("0.00"),
                                 validators=[MinValueValidator(0), MaxValueValidator(5)])
    rating_count = models.PositiveIntegerField(_("number of ratings"), default=0)
    # The quality score (sellers/quality.py) and what it rests on, kept by sellers.performance;
    # the buy box reads quality_score in SQL. 70 = no history yet.
    quality_score = models.DecimalField(_("quality score"), max_digits=5, decimal_places=2,
                                        default=Decimal("70.00"), editable=False)
    # {"rating": {"value": "4.80", "count": 12}, "fulfilment": …, "on_time": …, "defect": …}
    quality_parts = models.JSONField(_("score parts"), default=dict, blank=True, editable=False)
    quality_computed_at = models.DateTimeField(_("score computed"), null=True, blank=True,
                                               editable=False)
    low_stock_alerts = models.BooleanField(_("daily low-stock e-mail"), default=True)
    # The day the last low-stock e-mail went out: the daily task claims a day once.
    low_stock_alert_sent_on = models.DateField(null=True, blank=True, editable=False)
    # The repricing rule of listings that name none (sellers.repricing); off until the seller opts in.
    reprice_strategy = models.CharField(_("default repricing"), max_length=10, default="off",
                                        db_default="off",
                                        choices=[("off", _("Off")), ("match", _("Match the price to win")),
                                                 ("beat", _("Beat it by an amount"))])
    reprice_beat_by = models.DecimalField(_("beat by"), max_digits=8, decimal_places=2, null=True, blank=True)
    reprice_raise = models.BooleanField(_("raise when winning"), default=False, db_default=False)
    # Buy-box notices not yet read (sellers.notices keeps it): the back-office nav shows it for free.
    unread_notices = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    accepted_terms_at = models.DateTimeField(_("terms accepted"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0) & Q(commission_rate__lte=1),
                name="seller_commission_rate_between_0_and_1",
            ),
            models.CheckConstraint(condition=Q(rating__gte=0) & Q(rating__lte=5),
                                   name="seller_rating_between_0_and_5"),
            models.CheckConstraint(condition=Q(shipping_fee__gte=0),
                                   name="seller_shipping_fee_not_negative"),
            models.CheckConstraint(condition=Q(shipping_days__gte=1) & Q(shipping_days__lte=2),
                                   name="seller_shipping_days_1_or_2"),
            models.CheckConstraint(condition=Q(quality_score__gte=0) & Q(quality_score__lte=100),
                                   name="seller_quality_score_between_0_and_100"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class SellerScoreDay(models.Model):
    """A seller's quality score as it stood on one day: its trend (one row a seller a day)."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="score_days")
    day = models.DateField()
    score = models.DecimalField(max_digits=5, decimal_places=2)
    parts = models.JSONField(default=dict)

    class Meta:
        ordering = ["seller", "day"]
        constraints = [models.UniqueConstraint(fields=["seller", "day"], name="sellerscoreday_one_a_day")]

    def __str__(self) -> str:
        return f"{self.seller_id} {self.day}: {self.score}"


class SellerMember(models.Model):
    """A user working for a seller, in one role (sellers/permissions.py says what each may do).

    A user belongs to at most one seller."""

    Role = Role

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="members")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="seller_membership")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.WAREHOUSE)
    buy_box_digest = models.BooleanField(_("daily buy-box e-mail"), default=True, db_default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("seller member")
        verbose_name_plural = _("seller members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.seller}"


# The one definition of an offer a shopper may see and buy: live (active, not archived), in stock
# (units available) and from an approved seller. Its parts serve a seller's own pages, which show a
# suspended seller's offers too; `prefix` reaches a listing from another model ("listing__").
def live_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}is_active": True, f"{prefix}archived_at__isnull": True})


def in_stock_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}quantity__gt": F(f"{prefix}allocated")})


def buyable_q(prefix: str = "") -> Q:
    return live_q(prefix) & in_stock_q(prefix) & Q(**{f"{prefix}seller__status": Seller.Status.APPROVED})


def low_stock_q(threshold: int | None = None) -> Q:
    """The one definition of low stock: a live offer with some units available, at most
    LOW_STOCK_THRESHOLD (none available is out of stock, not low: the offer is offline)."""
    if threshold is None:
        threshold = settings.LOW_STOCK_THRESHOLD
    return live_q() & in_stock_q() & Q(quantity__lte=F("allocated") + threshold)


class ListingQuerySet(models.QuerySet):
    def buyable(self) -> "ListingQuerySet":
        """Offers a shopper may see and buy: active, in stock, from an approved seller."""
        return self.filter(buyable_q())

    def low_stock(self, threshold: int | None = None) -> "ListingQuerySet":
        return self.filter(low_stock_q(threshold))


class Listing(models.Model):
    """A seller's offer for one product in one grade."""

    # No single-column indexes on the foreign keys: (seller, sku) and the buy-box index start
    # with them, and every extra index slows the bulk stock sync's writes.
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="listings", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="listings", db_index=False)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    sku = models.CharField(_("SKU"), max_length=64)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantity on hand"), default=0)
    allocated = models.PositiveIntegerField(
        _("allocated"), default=0, help_text=_("Units held by unpaid or unshipped orders."),
    )
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"),
                                                       default=MIN_WARRANTY_MONTHS)
    is_active = models.BooleanField(_("active"), default=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # The device itself (rules in sellers.services.device_details_clean). Battery health is a
    # percentage, or unknown (null); a new battery reads 100 so "battery ≥ 90 %" includes it.
    # Database defaults: the bulk stock sync's raw INSERT names only the columns a file gives.
    battery_health = models.PositiveSmallIntegerField(_("battery health (%)"), null=True, blank=True)
    battery_new = models.BooleanField(_("new battery"), default=False, db_default=False)
    includes_charger = models.BooleanField(_("charger in the box"), default=False, db_default=False)
    includes_cable = models.BooleanField(_("cable in the box"), default=False, db_default=False)
    includes_box = models.BooleanField(_("original box"), default=False, db_default=False)
    # Phones only; null for other devices or when the seller has not said.
    is_unlocked = models.BooleanField(_("unlocked"), null=True, blank=True)
    has_esim = models.BooleanField(_("eSIM"), null=True, blank=True)
    # The repricing rule (sellers.repricing): never below the floor, never above the ceiling; a
    # strategy of None follows the seller's default. Nullable, so the bulk writer's INSERT names none.
    floor_price = models.DecimalField(_("floor price"), max_digits=10, decimal_places=2, null=True,
                                      blank=True)
    ceiling_price = models.DecimalField(_("ceiling price"), max_digits=10, decimal_places=2, null=True,
                                        blank=True)
    reprice_strategy = models.CharField(_("repricing"), max_length=10, null=True, blank=True,
                                        choices=[("off", _("Off")), ("match", _("Match the price to win")),
                                                 ("beat", _("Beat it by an amount"))])
    reprice_beat_by = models.DecimalField(_("beat by"), max_digits=8, decimal_places=2, null=True, blank=True)
    reprice_raise = models.BooleanField(_("raise when winning"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        constraints = [
            models.UniqueConstraint(fields=["seller", "sku"], name="listing_unique_seller_sku"),
            models.CheckConstraint(condition=Q(price__gt=0), name="listing_price_positive"),
            models.CheckConstraint(condition=Q(allocated__lte=F("quantity")),
                                   name="listing_allocated_within_quantity"),
            models.CheckConstraint(condition=Q(warranty_months__gte=MIN_WARRANTY_MONTHS),
                                   name="listing_warranty_at_least_12_months"),
            models.CheckConstraint(condition=Q(grade__in=Grade.values),
                                   name="listing_grade_valid"),
            models.CheckConstraint(condition=Q(floor_price__isnull=True) | Q(ceiling_price__isnull=True)
                                   | Q(ceiling_price__gte=F("floor_price")),
                                   name="listing_ceiling_not_below_floor"),
            models.CheckConstraint(condition=Q(battery_health__lte=100),
                                   name="listing_battery_health_at_most_100"),
            models.CheckConstraint(condition=Q(battery_new=False) | Q(battery_health=100),
                                   name="listing_new_battery_reads_100"),
        ]
        # Four indexes and no more: each one is written for every listing the bulk stock sync
        # creates or changes (100,000 rows of a CSV file), so each must earn its place.
        # The unique (seller, sku) index serves the seller's foreign key and the sync's matching.
        indexes = [
            # Only the offers that can be on sale, with every column the buy-box rule reads, so
            # the winner of a product × grade is found without visiting the table.
            models.Index(fields=["product", "grade", "price"], name="listing_buybox_live_idx",
                         condition=Q(is_active=True, archived_at__isnull=True),
                         include=["quantity", "allocated", "seller", "created_at", "id"]),
            # A seller's listings newest first (the back office, the API's updated_since sync)
            # and their count, archived or not, from the index alone.
            models.Index(fields=["seller", "-updated_at", "-id"], name="listing_seller_updated_idx",
                         include=["archived_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.sku} ({self.get_grade_display()})"

    @property
    def available(self) -> int:
        return self.quantity - self.allocated


class SellerInvitation(models.Model):
    """An owner's invitation for a colleague to join the seller's team."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MANAGER,
                            help_text=_("The role the colleague gets on joining."))
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email


def stock_import_path(instance: "StockImport", filename: str) -> str:
    """Uploads are stored under a generated name, never the one the seller sent."""
    import uuid

    return f"stock-imports/{instance.seller_id}/{uuid.uuid4().hex}.csv"


class StockImport(models.Model):
    """A seller's CSV file of listings, applied in bulk by a worker, with a report of bad rows."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="stock_imports")
    # What the file holds: listings and stock, or another kind registered with stock_sync.kinds
    # (trade-in offers); each kind has its columns and its row writer, the report is shared.
    kind = models.CharField(max_length=20, default="stock")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    # Private: never under MEDIA_ROOT; only the seller downloads it (sellers:stock_import_file).
    file = models.FileField(upload_to=stock_import_path, storage=private_storage)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # The numbers of the batches already applied and committed: batches may run side by side and
    # finish in any order, and a re-run skips these.
    batches_done = models.JSONField(default=list, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    # Rows whose price looked mistaken (sellers.price_guard): reported, not applied.
    held_count = models.PositiveIntegerField(default=0, db_default=0)
    # Buy boxes (product × grade) the seller won and lost with this import (sellers.buybox_watch).
    boxes_won = models.PositiveIntegerField(default=0, db_default=0)
    boxes_lost = models.PositiveIntegerField(default=0, db_default=0)
    # [{"line": 12, "column": "price", "reason": "..."}]
    errors = models.JSONField(default=list, blank=True)
    error_message = models.TextField(blank=True)
    # How the file was read: its encoding ("utf-8", "utf-8-sig", "utf-16", "cp1252", "xlsx"), the
    # sheet named by the seller (XLSX), and notices that are not errors (unknown columns ignored,
    # EANs read with their leading zero).
    encoding = models.CharField(max_length=20, blank=True)
    sheet_name = models.CharField(max_length=100, blank=True)
    notices = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Last sign of life: each batch done moves it. No progress for a few minutes means the worker
    # died, and the timed job resumes the import (stock_sync.stock_imports_resume_stalled).
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"


def api_key_read_scopes() -> list[str]:
    return [Scope.READ.value]


class ApiKey(models.Model):
    """A seller's secret for the seller API: shown once, stored hashed."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    hashed_key = models.CharField(max_length=128, unique=True)
    # A list of sellers.permissions.Scope values; "read" is always in it.
    scopes = models.JSONField(_("scopes"), default=api_key_read_scopes)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def get_scopes_display(self) -> list[str]:
        return [Scope(scope).label for scope in Scope.values if scope in (self.scopes or ())]


class WebhookEndpoint(models.Model):
    """A seller's URL that receives their events, signed with its secret (sellers.webhooks)."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    event_types = models.JSONField(_("event types"), default=list)  # sellers.webhooks.EVENT_TYPES
    secret = models.CharField(max_length=100)
    # After a rotation the previous secret also signs until `previous_secret_until` (the grace period).
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The first failed attempt since the last success; failing for 72 hours switches the endpoint off.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # While a worker sends this endpoint's deliveries in order, no other worker does (a lease, not a lock).
    draining_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.url


class Event(models.Model):
    """A fact about a seller's data, written in the same transaction as the change (the outbox)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["seller", "id"], name="event_seller_id_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.uid}"


class WebhookDelivery(models.Model):
    """One event for one endpoint: attempted until delivered or 72 hours have passed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"],
                                               name="one_delivery_per_endpoint")]
        # An endpoint's queue, oldest event first (sellers.webhooks sends it in that order).
        indexes = [models.Index(fields=["endpoint", "status", "event"], name="webhook_delivery_queue_idx")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST of a delivery and what the receiver answered: the seller sees every attempt."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_rows")
    attempted_at = models.DateTimeField()
    # null: no answer (refused, timed out, no connection)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    response_excerpt = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    manual = models.BooleanField(default=False)  # a resend asked for by the seller

    class Meta:
        indexes = [models.Index(fields=["delivery", "-id"], name="webhook_attempt_delivery_idx")]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code}"


class IdempotencyRecord(models.Model):
    """The first answer to a seller-API write sent with an `Idempotency-Key`, kept 24 hours per
    key and API key with a hash of the request, so a retry gets the same answer without a second
    write (sellers.api_idempotency)."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # null: not answered yet
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_per_api_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"


class StockMovement(models.Model):
    """One change of a listing's quantity or allocation, and why: the stock ledger.

    Rows are only ever added (the database refuses updates and deletes, see migration 0011); a
    listing's quantity and allocated are the sums of its movements. sellers.ledger writes both.
    """

    class Reason(models.TextChoices):
        OPENING = "opening", _("Opening balance")
        IMPORT = "import", _("Stock import")
        API = "api", _("Seller API")
        BACK_OFFICE = "backoffice", _("Back office")
        ADMIN = "admin", _("Marketplace staff")
        ORDER_PLACED = "order_placed", _("Order placed")
        PAYMENT_FAILED = "payment_failed", _("Payment failed or expired")
        CANCELLED = "cancelled", _("Order cancelled or refused")
        SHIPPED = "shipped", _("Shipped")
        RETURN_RESTOCKED = "return_restocked", _("Return restocked")
        TRADE_IN = "trade_in", _("Trade-in received")

    # Foreign keys without single-column indexes: the two indexes below start with the ones that
    # are read, and every index is written for each row a 100,000-row import adds. None has a
    # database constraint: each would be a trigger per row, and the listing's would also lock every
    # listing an import just created (measured: the import's database time up by a half). The
    # ledger writes movements only from rows it has just written, Django keeps on_delete (a listing
    # with movements is protected), and stock_check reports a movement whose listing is gone.
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="movements",
                                db_index=False, db_constraint=False)
    # The listing's seller, copied: a seller's feed of movements reads one index range.
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="+", db_index=False,
                               db_constraint=False)
    quantity_delta = models.IntegerField(_("change of quantity"))
    allocated_delta = models.IntegerField(_("change of allocated"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    # What caused it. A deleted cause is forgotten (set to NULL); the movement stays.
    stock_import = models.ForeignKey(StockImport, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", db_index=False, db_constraint=False)
    order = models.ForeignKey("orders.Order", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", db_index=False, db_constraint=False)
    seller_order = models.ForeignKey("orders.SellerOrder", on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+", db_index=False, db_constraint=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+", db_index=False, db_constraint=False)
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", db_index=False, db_constraint=False)
    created_at = models.DateTimeField(_("when"), db_index=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        constraints = [
            models.CheckConstraint(condition=~Q(quantity_delta=0, allocated_delta=0),
                                   name="stockmovement_changes_something"),
        ]
        indexes = [
            models.Index(fields=["listing", "-id"], name="stockmovement_listing_idx"),
            models.Index(fields=["seller", "id"], name="stockmovement_seller_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.quantity_delta:+d} / {self.allocated_delta:+d} ({self.reason})"


# The buy-box watch, the repricing log and the listing exports live apart (a module under 600 lines each).
from .models_buybox import BuyBoxHolder, BuyBoxStanding, PriceChange, SellerNotice  # noqa: E402,F401
from .models_export import ListingExport  # noqa: E402,F401
