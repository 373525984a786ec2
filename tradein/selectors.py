"""Trade-in reads: the best offer for a product × condition, a seller's offers beside the best
of the others, the devices heading to a seller, and the offers' statistics per model."""
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Product, ProductModel
from sellers.models import Seller

from .models import Condition, TradeIn, TradeInOffer, TradeInQuote

S = TradeIn.State
# The devices on their way to the seller or in its hands, not yet settled.
INCOMING_STATES = (S.ACCEPTED, S.SHIPPED, S.RECEIVED, S.COUNTER_OFFERED, S.DISPUTED, S.RETURNING)


def live_offers():
    return TradeInOffer.objects.filter(is_active=True, cap__gt=0, seller__status=Seller.Status.APPROVED)


def _for_product(offers, *, product, model, storage_gb, inner_product):
    """`offers` that buy this product: its own, and those for its model and storage, but not a
    seller's model offer where that seller has an offer for the product itself in the same
    condition, live or not (the seller set that variant apart: its offer wins, even switched off or
    capped at 0). `product`, `model` and `storage_gb` are values or OuterRefs; `inner_product` is
    `product` as seen one subquery further in."""
    own = TradeInOffer.objects.filter(seller=OuterRef("seller"), condition=OuterRef("condition"),
                                      product=inner_product)
    return offers.filter(Q(product=product)
                         | Q(model=model, storage_gb=storage_gb) & ~Exists(own))


def offers_for_product(*, product: Product, condition: str | None = None):
    """The live offers a shopper's device can be sold to (each seller's product offer winning over
    its model + storage one)."""
    offers = _for_product(live_offers(), product=product.pk, model=product.model_id,
                          storage_gb=product.storage_gb, inner_product=product.pk)
    return offers.filter(condition=condition) if condition else offers


def _for_outer_product(offers):
    """`offers` that buy the product of the outer query (its pk, model and storage_gb)."""
    return _for_product(offers, product=OuterRef("pk"), model=OuterRef("model"),
                        storage_gb=OuterRef("storage_gb"), inner_product=OuterRef(OuterRef("pk")))


def best_offer(*, product_id: int, condition: str) -> TradeInOffer | None:
    """The highest live offer for the product in that condition, its own or its model and storage's
    (ties: the older offer); None when no seller wants the device."""
    product = Product.objects.only("pk", "model_id", "storage_gb").get(pk=product_id)
    return (offers_for_product(product=product, condition=condition).select_related("seller")
            .order_by("-price", "created_at", "pk").first())


def _model_offers(model):
    """Live offers on some variant of `model` (a value or an OuterRef): by product, or by model
    and a storage that an active variant has."""
    sold = Product.objects.filter(model=OuterRef("model"), storage_gb=OuterRef("storage_gb"), is_active=True)
    return live_offers().filter(Q(product__model=model) | Q(model=model) & Exists(sold))


def models_with_offers():
    """The published models some seller buys, for the "Sell your device" page (one query)."""
    return (ProductModel.objects.filter(is_published=True)
            .filter(Exists(_model_offers(OuterRef("pk"))))
            .select_related("brand").order_by("brand__name", "name"))


def model_has_offers(*, model_id: int) -> bool:
    return _model_offers(model_id).exists()


def published_model_slugs_with_offers() -> dict[str, bool]:
    """{slug: whether some seller buys it} for every published model, in one query."""
    return dict(ProductModel.objects.filter(is_published=True).order_by()
                .annotate(bought=Exists(_model_offers(OuterRef("pk")))).values_list("slug", "bought"))


def model_slug_has_offers(*, slug: str) -> bool:
    """A published model, named by its slug, that some seller buys (one query)."""
    return ProductModel.objects.filter(slug=slug, is_published=True).filter(
        Exists(_model_offers(OuterRef("pk")))).exists()


def products_with_offers(*, model: ProductModel):
    return (Product.objects.filter(model=model, is_active=True)
            .filter(Exists(_for_outer_product(live_offers())))
            .annotate(best_price=Subquery(_for_outer_product(live_offers())
                                          .order_by("-price").values("price")[:1]))
            .order_by("storage_gb", "colour", "pk"))


def seller_offers_compared(*, seller: Seller):
    """The seller's offers, each with the best live price of the other sellers for the same device ×
    condition (`best_other`, None if no one else buys it) and the quotes it gave that shoppers may
    still accept (`open_quotes`: honoured while the cap lasts). One query.

    For a product offer the others' offers are those a shopper's device would be quoted (their own
    for the product, or their model + storage one); for a model + storage offer, the best of the
    others' for that model and storage or for any of its variants. Each row has `model_name` and
    `storage` (its own, or its product's) for ordering and showing."""
    own_product = TradeInOffer.objects.filter(seller=OuterRef("seller"), condition=OuterRef("condition"),
                                              product=OuterRef(OuterRef("product")))
    others = (live_offers().filter(condition=OuterRef("condition")).exclude(seller=seller)
              .filter(Q(product=OuterRef("product"))
                      | Q(model=OuterRef("product__model"), storage_gb=OuterRef("product__storage_gb"))
                      & ~Exists(own_product)
                      | Q(model=OuterRef("model"), storage_gb=OuterRef("storage_gb"))
                      | Q(product__model=OuterRef("model"), product__storage_gb=OuterRef("storage_gb")))
              .order_by("-price").values("price")[:1])
    open_quotes = (TradeInQuote.objects.filter(offer=OuterRef("pk"), valid_until__gt=timezone.now(),
                                               trade_in__isnull=True)
                   .order_by().values("offer").annotate(n=Count("pk")).values("n")[:1])
    return (TradeInOffer.objects.filter(seller=seller).select_related("product__model__brand", "model__brand")
            .annotate(best_other=Subquery(others), open_quotes=Coalesce(Subquery(open_quotes), 0),
                      model_name=Coalesce("product__model__name", "model__name"),
                      storage=Coalesce("product__storage_gb", "storage_gb"))
            .order_by("model_name", "storage", F("product_id").asc(nulls_first=True), "condition"))


def seller_trade_ins(*, seller: Seller, states=INCOMING_STATES):
    return (TradeIn.objects.filter(seller=seller, state__in=states)
            .select_related("product__model", "shopper").order_by("-created_at", "-pk"))


def shopper_trade_ins(*, user):
    return (TradeIn.objects.filter(shopper=user).select_related("product__model", "seller")
            .order_by("-created_at", "-pk"))


def shopper_quotes_held(*, user):
    """The quotes the shopper may still accept (valid, not accepted), newest first."""
    return (TradeInQuote.objects.filter(shopper=user, valid_until__gt=timezone.now(), trade_in__isnull=True)
            .select_related("product__model", "seller").order_by("-created_at", "-pk"))


def offer_statistics_per_model():
    """For staff: per model, the offers (a model + storage offer counts once, with its one cap), the
    sellers, the devices still wanted, the lowest price, the best price on per condition and the
    trade-ins (one query)."""
    def per_model(aggregate):
        offers = (TradeInOffer.objects.annotate(per_model=Coalesce("product__model", "model"))
                  .filter(per_model=OuterRef("pk")).order_by().values("per_model"))
        return Subquery(offers.annotate(value=aggregate).values("value")[:1])

    trade_ins = (TradeIn.objects.filter(product__model=OuterRef("pk")).order_by().values("product__model")
                 .annotate(n=Count("pk")).values("n")[:1])
    best = {f"best_{value}": per_model(Max("price", filter=Q(condition=value, is_active=True)))
            for value in Condition.values}
    offered = TradeInOffer.objects.filter(Q(product__model=OuterRef("pk")) | Q(model=OuterRef("pk")))
    return (ProductModel.objects.filter(Exists(offered))
            .annotate(offers=per_model(Count("pk")), sellers=per_model(Count("seller", distinct=True)),
                      wanted=per_model(Sum("cap", filter=Q(is_active=True))), lowest=per_model(Min("price")),
                      trade_ins=Subquery(trade_ins), **best)
            .order_by("name"))
