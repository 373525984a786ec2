"""Trade-in reads: the best offer for a product × condition, a seller's offers beside the best
of the others, the devices heading to a seller, and the offers' statistics per model."""
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery, Sum
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


def best_offer(*, product_id: int, condition: str) -> TradeInOffer | None:
    """The highest live offer (ties: the older offer); None when no seller wants the device."""
    return (live_offers().filter(product_id=product_id, condition=condition).select_related("seller")
            .order_by("-price", "created_at", "pk").first())


def models_with_offers():
    """The published models some seller buys, for the "Sell your device" page (one query)."""
    return (ProductModel.objects.filter(is_published=True)
            .filter(Exists(live_offers().filter(product__model=OuterRef("pk"))))
            .select_related("brand").order_by("brand__name", "name"))


def model_has_offers(*, model_id: int) -> bool:
    return live_offers().filter(product__model_id=model_id).exists()


def products_with_offers(*, model: ProductModel):
    return (Product.objects.filter(model=model, is_active=True)
            .filter(Exists(live_offers().filter(product=OuterRef("pk"))))
            .annotate(best_price=Subquery(live_offers().filter(product=OuterRef("pk"))
                                          .order_by("-price").values("price")[:1]))
            .order_by("storage_gb", "colour", "pk"))


def seller_offers_compared(*, seller: Seller):
    """The seller's offers, each with the best live price of the other sellers for the same
    product × condition (`best_other`, None if no one else buys it) and the quotes it gave that
    shoppers may still accept (`open_quotes`: honoured while the cap lasts). One query."""
    others = (live_offers().filter(product=OuterRef("product"), condition=OuterRef("condition"))
              .exclude(seller=seller).order_by("-price").values("price")[:1])
    open_quotes = (TradeInQuote.objects.filter(offer=OuterRef("pk"), valid_until__gt=timezone.now(),
                                               trade_in__isnull=True)
                   .order_by().values("offer").annotate(n=Count("pk")).values("n")[:1])
    return (TradeInOffer.objects.filter(seller=seller).select_related("product__model__brand")
            .annotate(best_other=Subquery(others), open_quotes=Coalesce(Subquery(open_quotes), 0))
            .order_by("product__model__name", "product__storage_gb", "product_id", "condition"))


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
    """For staff: per model, the offers, the sellers, the devices still wanted, the best price per
    condition and the trade-ins (one query)."""
    trade_ins = (TradeIn.objects.filter(product__model=OuterRef("pk")).order_by().values("product__model")
                 .annotate(n=Count("pk")).values("n")[:1])
    best = {f"best_{value}": Max("products__trade_in_offers__price",
                                 filter=Q(products__trade_in_offers__condition=value,
                                          products__trade_in_offers__is_active=True))
            for value in Condition.values}
    return (ProductModel.objects.filter(products__trade_in_offers__isnull=False)
            .annotate(offers=Count("products__trade_in_offers", distinct=True),
                      sellers=Count("products__trade_in_offers__seller", distinct=True),
                      wanted=Sum("products__trade_in_offers__cap",
                                 filter=Q(products__trade_in_offers__is_active=True)),
                      lowest=Min("products__trade_in_offers__price"), trade_ins=Subquery(trade_ins), **best)
            .order_by("name"))
