"""The buy box stored per box (its standing), the buy-box watch and its outlets: who holds each box, the
sellers' notices, the repricing log."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Grade, Product

from .models import Listing, Seller


class BuyBoxHolder(models.Model):
    """The seller last seen holding the buy box of a product × grade (sellers.buybox_watch).

    The watch compares it with the winner the buy-box selector names now, for many boxes at once;
    a difference is a box won and a box lost. No row: nobody held it."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    grade = models.CharField(max_length=10, choices=Grade.choices)
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+", db_index=False)
    listing_id = models.BigIntegerField()
    price = models.DecimalField(max_digits=10, decimal_places=2)
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "grade"], name="buyboxholder_one_per_box")]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.grade}: {self.seller_id}"


class BuyBoxStanding(models.Model):
    """The buy box of a product × grade as the selector last ranked it: its winner and the best offer of
    another seller (the runner-up, whose effective price the winner must stay under), stored so that a
    seller's filters and insight join it instead of ranking the whole market.

    Written only by sellers.selectors.buy_box_standings_refresh, after commit, for the products each
    write touched (catalog.cache.products_changed); `manage.py buybox_refresh --check` proves it
    against the selector. No row: no offer is on sale in the box."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    grade = models.CharField(max_length=10, choices=Grade.choices)
    listing_id = models.BigIntegerField()  # the winner
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+", db_index=False)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    effective_price = models.DecimalField(max_digits=12, decimal_places=2)
    # The best offer of a seller other than the winner's; null when only the winner's seller offers.
    runner_up_listing_id = models.BigIntegerField(null=True)
    runner_up_seller_id = models.BigIntegerField(null=True)
    runner_up_price = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    runner_up_effective_price = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    offers = models.PositiveIntegerField()  # offers on sale in the box
    winner_seller_offers = models.PositiveIntegerField()  # of those, the winner's seller's
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "grade"],
                                               name="buyboxstanding_one_per_box")]
        # A seller's boxes held (the "winning" filter, the dashboard) from the index alone.
        indexes = [models.Index(fields=["seller", "listing_id"], name="buyboxstanding_seller_idx")]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.grade}: {self.listing_id}"


class SellerNotice(models.Model):
    """An in-app notice for a seller's team: a box won or lost (read by anyone of the team)."""

    class Kind(models.TextChoices):
        BOX_LOST = "box_lost", _("Buy box lost")
        BOX_WON = "box_won", _("Buy box won")

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="notices", db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+", null=True,
                                db_index=False)
    # The other side: the winner's price when lost, the runner-up's when won (None: no other offer).
    price = models.DecimalField(max_digits=10, decimal_places=2)
    other_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["seller", "-id"], name="sellernotice_seller_idx")]

    def __str__(self) -> str:
        return f"{self.seller_id} {self.kind} {self.listing_id}"


class PriceChange(models.Model):
    """A price a repricing rule or a bulk match set, with the competitor price that caused it."""

    class Source(models.TextChoices):
        RULE = "rule", _("Repricing rule")
        BULK = "bulk", _("Bulk match from the back office")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+", db_index=False)
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+", db_index=False)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    strategy = models.CharField(_("strategy"), max_length=10)  # match, beat, raise
    old_price = models.DecimalField(_("old price"), max_digits=10, decimal_places=2)
    new_price = models.DecimalField(_("new price"), max_digits=10, decimal_places=2)
    competitor_price = models.DecimalField(_("competitor price"), max_digits=10, decimal_places=2)
    competitor_listing_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["seller", "-id"], name="pricechange_seller_idx"),
                   models.Index(fields=["listing", "-id"], name="pricechange_listing_idx")]

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.old_price} → {self.new_price}"
