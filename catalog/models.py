"""The shared catalog that staff own: categories, brands, device models and their variants."""
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marketplace.storage import private_storage


class Grade(models.TextChoices):
    """Cosmetic condition; every grade is fully working. Declared best first."""

    PREMIUM = "premium", _("Premium")
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")

    @classmethod
    def rank(cls, value: str) -> int:
        """0 for the best grade."""
        return _GRADE_RANKS[value]


# Looked up thousands of times per page built (every buy box of a model is compared by it).
_GRADE_RANKS = {grade.value: rank for rank, grade in enumerate(Grade)}


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent"),
    )
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:category", kwargs={"slug": self.slug})


class Brand(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self) -> str:
        return self.name


class ProductModel(models.Model):
    """One device model ("iPhone 13"); its sellable variants are Products."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="models",
                              verbose_name=_("brand"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="models",
                                 verbose_name=_("category"))
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=170, unique=True)
    description = models.TextField(_("description"), blank=True)
    specs = models.JSONField(_("specifications"), default=dict, blank=True)
    release_year = models.PositiveSmallIntegerField(_("release year"), null=True, blank=True)
    reference_price_new = models.DecimalField(
        _("reference price new"), max_digits=10, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    is_published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Search: kept up to date by catalog.services.product_models_refresh_search after every edit.
    # search_title ("Apple iPhone 13") feeds typo-tolerant trigram matching and suggestions;
    # search_vector (PostgreSQL full text, GIN-indexed) covers brand, name, category, variants, specs.
    search_title = models.CharField(max_length=300, blank=True, editable=False)
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["brand__name", "name"]
        verbose_name = _("device model")
        verbose_name_plural = _("device models")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reference_price_new__gt=0),
                name="productmodel_reference_price_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:model", kwargs={"slug": self.slug})


class Product(models.Model):
    """One sellable variant of a model (storage, colour, connectivity). Listings point here."""

    model = models.ForeignKey(ProductModel, on_delete=models.PROTECT, related_name="products",
                              verbose_name=_("device model"))
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    reference = models.CharField(
        _("reference"), max_length=40, unique=True, help_text=_("EAN or MPN, unique in the catalog."),
    )
    storage_gb = models.PositiveIntegerField(_("storage (GB)"), null=True, blank=True)
    colour = models.CharField(_("colour"), max_length=50, blank=True)
    connectivity = models.CharField(_("connectivity"), max_length=50, blank=True)
    attributes = models.JSONField(_("other attributes"), default=dict, blank=True)
    # A bigger storage costs more new: savings are measured against the variant's own price.
    reference_price_new = models.DecimalField(
        _("price new"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("This variant's price new; blank: the device model's."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["model", "storage_gb", "colour"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.model.name} {self.variant_label}".strip()

    @property
    def new_price(self) -> Decimal:
        """The price new that savings on this variant are measured against."""
        return self.reference_price_new or self.model.reference_price_new

    @property
    def variant_label(self) -> str:
        parts = []
        if self.storage_gb:
            parts.append(f"{self.storage_gb} GB" if self.storage_gb < 1024
                         else f"{self.storage_gb // 1024} TB")
        if self.colour:
            parts.append(self.colour)
        if self.connectivity:
            parts.append(self.connectivity)
        return ", ".join(parts)


def product_image_path(instance: "ProductImage", filename: str) -> str:
    """Stored under a generated name; uploads are re-encoded to WebP before saving."""
    return f"catalog/{instance.model_id or 'new'}/{uuid.uuid4().hex}.webp"


class ProductImage(models.Model):
    """A picture of a device model; the first by position is the one cards show."""

    model = models.ForeignKey(ProductModel, on_delete=models.CASCADE, related_name="images",
                              verbose_name=_("device model"))
    # No width_field/height_field: those make Django open the file whenever a row is loaded.
    image = models.ImageField(_("image"), upload_to=product_image_path)
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    alt_text = models.CharField(_("alternative text"), max_length=200, blank=True,
                                help_text=_("What the picture shows, for people who cannot see it."))
    # The colour of the variants this picture shows ("Midnight"); blank: any colour (the
    # model's own pictures). A variant shows the pictures of its colour first.
    colour = models.CharField(_("colour"), max_length=50, blank=True,
                              help_text=_("The variants' colour this picture shows; blank for any."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # {"160": "catalog/…/x-160.webp", …}, filled by the catalog.tasks.make_thumbnails worker.
    thumbnails = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("product image")
        verbose_name_plural = _("product images")

    def __str__(self) -> str:
        return self.alt_text or self.image.name

    def thumbnail_url(self, width: int) -> str:
        """The WebP thumbnail of that width, or the original until the worker has made it."""
        from django.core.files.storage import default_storage

        name = self.thumbnails.get(str(width))
        return default_storage.url(name) if name else self.image.url

    @property
    def small_url(self) -> str:
        return self.thumbnail_url(160)

    @property
    def card_url(self) -> str:
        return self.thumbnail_url(320)

    @property
    def large_url(self) -> str:
        return self.thumbnail_url(640)


class ProductProposal(models.Model):
    """A seller's request to add a missing product to the catalog; staff approve or reject it.

    Approval creates the Product through catalog.proposals, under the device model the seller
    chose (or the one staff pick when the seller typed a model the catalog does not have yet).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Under review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="product_proposals",
                               verbose_name=_("seller"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("proposed by"))
    model = models.ForeignKey(ProductModel, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="proposals", verbose_name=_("device model"))
    brand_name = models.CharField(_("brand"), max_length=100, blank=True)
    model_name = models.CharField(_("model name"), max_length=150, blank=True,
                                  help_text=_("When the device model is not in the catalog."))
    storage_gb = models.PositiveIntegerField(_("storage (GB)"), null=True, blank=True)
    colour = models.CharField(_("colour"), max_length=50, blank=True)
    connectivity = models.CharField(_("connectivity"), max_length=50, blank=True)
    reference = models.CharField(_("reference"), max_length=40, help_text=_("EAN-13 or MPN."))
    note = models.TextField(_("note"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why staff rejected it, or their note."))
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("catalog product"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("product proposal")
        verbose_name_plural = _("product proposals")
        indexes = [models.Index(fields=["seller", "-created_at"], name="proposal_seller_created")]
        constraints = [
            models.CheckConstraint(condition=models.Q(model__isnull=False) | ~models.Q(model_name=""),
                                   name="proposal_names_a_model"),
            # One open proposal per reference: the second seller is told it is already proposed.
            models.UniqueConstraint(fields=["reference"], condition=models.Q(status="pending"),
                                    name="proposal_pending_reference_unique"),
        ]

    def __str__(self) -> str:
        name = self.model.name if self.model_id else f"{self.brand_name} {self.model_name}".strip()
        return f"{name} {self.variant_label} ({self.reference})".replace("  ", " ")

    @property
    def variant_label(self) -> str:
        return Product(storage_gb=self.storage_gb, colour=self.colour,
                       connectivity=self.connectivity).variant_label


def proposal_photo_path(instance: "ProductProposalPhoto", filename: str) -> str:
    """Stored under a generated name; uploads are re-encoded to WebP before saving."""
    return f"catalog/proposals/{uuid.uuid4().hex}.webp"


class ProductProposalPhoto(models.Model):
    proposal = models.ForeignKey(ProductProposal, on_delete=models.CASCADE, related_name="photos",
                                 verbose_name=_("product proposal"))
    # Private until staff approve (then copied into the model's public pictures): only the
    # proposing seller and staff see it, through views that check who asks.
    image = models.ImageField(_("image"), upload_to=proposal_photo_path, storage=private_storage)
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("proposal photo")
        verbose_name_plural = _("proposal photos")

    def __str__(self) -> str:
        return self.image.name


class CatalogWord(models.Model):
    """A word the catalog shows shoppers as data rather than code: a colour ("Midnight"), a
    connectivity ("Unlocked") or a specification's label ("Screen"), with its translations.

    Products and specs keep the English word (filters, images and imports match on it); pages
    show `label` in the reader's language (catalog.words), the English word when untranslated.
    """

    class Kind(models.TextChoices):
        COLOUR = "colour", _("Colour")
        CONNECTIVITY = "connectivity", _("Connectivity")
        SPEC = "spec", _("Specification label")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.CharField(_("English word"), max_length=100,
                            help_text=_("Exactly as products or specifications write it, e.g. Midnight."))
    label = models.CharField(_("shown as"), max_length=100, blank=True,
                             help_text=_("What shoppers read; empty: the English word."))

    class Meta:
        ordering = ["kind", "text"]
        verbose_name = _("catalog word")
        verbose_name_plural = _("catalog words")
        constraints = [models.UniqueConstraint(fields=["kind", "text"], name="catalogword_kind_text_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"
