"""Device cards (home, category, search): each advertises one real offer and links straight to it.

A card's "from" price is the cheapest of its model's buy boxes (each product × grade's winner,
ranked by sellers.selectors, the one ranking), never the cheapest listing, which may not win its
box. The card's link names that offer's variant and grade, so the product page opens on the very
offer the card advertised; its saving is measured against that variant's own price new.
"""
import time
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.core.cache import cache as django_cache
from django.db.models import Case, Count, Exists, F, Prefetch, Sum, Value, When, Window
from django.db.models.functions import RowNumber

from sellers.models import Listing
from sellers.models_buybox import BuyBoxStanding
from sellers.selectors import buy_box_values

from . import cache as catalog_cache
from .models import Grade, Product, ProductImage, ProductModel
from .selectors import CategoryFilters, OfferFilter


@dataclass(frozen=True)
class CardOffer:
    """The offer a card advertises: the cheapest buy box of its model (better grade on a tie)."""

    price: Decimal
    product_slug: str
    colour: str
    grade: str
    new_price: Decimal  # of that variant
    offer_count: int  # buyable offers of the model, for the "popular" order

    @property
    def saving(self) -> Decimal:
        return self.new_price - self.price


CardRow = tuple[int, CardOffer | None]  # model id, the offer its card advertises


def card_summaries(*, category_ids: list[int] | None = None, model_ids: list[int] | None = None,
                   offer_filter: OfferFilter | None = None,
                   brands: tuple[str, ...] = ()) -> dict[int, CardOffer]:
    """{model id: the offer its card advertises} in three queries: the buy boxes of every product ×
    grade concerned, the variants they name, and one GROUP BY counting buyable offers."""
    offer_filter = offer_filter or OfferFilter()
    offers = Listing.objects.buyable().filter(product__is_active=True)
    if category_ids is not None:
        offers = offers.filter(product__model__category_id__in=category_ids)
    if model_ids is not None:
        offers = offers.filter(product__model_id__in=model_ids)
    if offer_filter.grades:
        offers = offers.filter(grade__in=offer_filter.grades)
    if offer_filter.storages:
        offers = offers.filter(product__storage_gb__in=offer_filter.storages)
    if offer_filter.colours:
        offers = offers.filter(product__colour__in=offer_filter.colours)
    if offer_filter.battery:
        offers = offers.filter(offer_filter.battery_q())
    if brands:
        offers = offers.filter(product__model__brand__slug__in=brands)
    counts = dict(offers.order_by().values("product__model_id").annotate(n=Count("pk"))
                  .values_list("product__model_id", "n"))
    # The buy boxes as narrow rows (the ranking sorts every offer: keep what it carries small),
    # then the few variants they name.
    cheapest: dict[int, tuple[Decimal, int, str]] = {}
    for product_id, grade, price in buy_box_values(offers=offers, fields=("product_id", "grade", "price")):
        if product_id not in cheapest or (price, Grade.rank(grade)) < (cheapest[product_id][0],
                                                                      Grade.rank(cheapest[product_id][2])):
            cheapest[product_id] = (price, product_id, grade)
    best: dict[int, tuple] = {}
    for product_id, model_id, slug, colour, variant_new, model_new in Product.objects.filter(
            pk__in=list(cheapest)).values_list("pk", "model_id", "slug", "colour", "reference_price_new",
                                               "model__reference_price_new"):
        price, _pk, grade = cheapest[product_id]
        rank = (price, Grade.rank(grade), slug)
        if model_id not in best or rank < best[model_id][0]:
            best[model_id] = (rank, CardOffer(price, slug, colour, grade, variant_new or model_new,
                                              counts.get(model_id, 0)))
    return {model_id: offer for model_id, (_rank, offer) in best.items()}


def _stored_offers(*, model_ids: list[int] | None = None) -> list[tuple[int, str, str, CardOffer]]:
    """(model id, slug, name, the offer its card advertises) of published models, read from the
    stored buy boxes (sellers.models_buybox.BuyBoxStanding, written by the buy-box selector alone)
    in one query: per model, the cheapest box (better grade, then variant slug, on a tie) and the
    sum of its boxes' offers. The same offer card_summaries finds by ranking the offers."""
    boxes = BuyBoxStanding.objects.filter(product__is_active=True, product__model__is_published=True)
    if model_ids is not None:
        boxes = boxes.filter(product__model_id__in=model_ids)  # through the products' model index
    model = [F("product__model_id")]
    grade_rank = Case(*(When(grade=grade, then=Value(rank)) for rank, grade in enumerate(Grade.values)))
    rows = boxes.annotate(
        place=Window(RowNumber(), partition_by=model,
                     order_by=[F("price").asc(), grade_rank.asc(), F("product__slug").asc()]),
        model_offers=Window(Sum("offers"), partition_by=model),
    ).filter(place=1).values_list(
        "product__model_id", "product__model__slug", "product__model__name", "price", "product__slug",
        "product__colour", "grade", "product__reference_price_new", "product__model__reference_price_new",
        "model_offers")
    return [(model_id, model_slug, name, CardOffer(price, slug, colour, grade, variant_new or model_new,
                                                   offers))
            for (model_id, model_slug, name, price, slug, colour, grade, variant_new, model_new,
                 offers) in rows]


HomeRanking = tuple[list[tuple[int, str]], list[tuple[int, str]]]  # deals, popular: (model id, slug)


def home_ranking(*, limit: int = 10) -> HomeRanking:
    """The models the home page shows: the best deals (biggest saving in percent against new) and
    the popular models (most buyable offers), from the stored buy boxes (one query)."""
    rows = [(pk, slug, name, offer, offer.saving / offer.new_price)
            for pk, slug, name, offer in _stored_offers() if offer.new_price]
    deals = sorted((row for row in rows if row[4] > 0), key=lambda row: (-row[4], row[2]))[:limit]
    dealt = {row[0] for row in deals}
    popular = sorted((row for row in rows if row[0] not in dealt),
                     key=lambda row: (-row[3].offer_count, row[3].price, row[2]))[:limit]
    return [(row[0], row[1]) for row in deals], [(row[0], row[1]) for row in popular]


def home_cards(ranking: HomeRanking) -> tuple[list[ProductModel], list[ProductModel]]:
    """The cards of the ranked models, in their order, with their offers read again (three queries,
    indexed): read after the models' versions, so a change they miss bumps a version read before."""
    deals, popular = ranking
    model_ids = [pk for pk, _slug in deals + popular]
    offers = {pk: offer for pk, _slug, _name, offer in _stored_offers(model_ids=model_ids)}
    shown = category_cards([(pk, offers[pk]) for pk in model_ids if pk in offers])
    deal_ids = {pk for pk, _slug in deals}
    return [m for m in shown if m.pk in deal_ids], [m for m in shown if m.pk not in deal_ids]


@dataclass(frozen=True)
class HomePage:
    """The home page's cards as built, with what they were built from."""

    key: str  # of their rendered fragments
    versions: dict[str, int]  # the catalog generation and the shown models' versions, read before
    built_at: float
    deals: list[ProductModel]
    popular: list[ProductModel]


def home_page() -> HomePage:
    """The home page's cards, cached under the versions of the models they show (a write to another
    model leaves them alone), rebuilt by one process at a time (catalog.cache.built_once).

    A model not shown may come to deserve a place (a new deal): the ranking is done again at least
    every HOME_RANKING_SECONDS. While one process rebuilds, the others serve the previous cards, at
    most REBUILD_LOCK_SECONDS; product pages are keyed apart and always show the current offer."""
    previous = django_cache.get(catalog_cache.HOME_KEY)
    if (previous is not None and time.time() - previous.built_at < catalog_cache.HOME_RANKING_SECONDS
            and catalog_cache.versions_unchanged(previous.versions)):
        return previous
    return catalog_cache.built_once(catalog_cache.HOME_KEY, _home_page_build, previous=previous)


def _home_page_build() -> HomePage:
    built_at = time.time()
    versions = catalog_cache.current_versions([catalog_cache.CATALOG_GENERATION_KEY])
    ranking = home_ranking()
    versions |= catalog_cache.current_versions(
        [catalog_cache.MODEL_VERSION_KEY.format(slug) for _pk, slug in ranking[0] + ranking[1]])
    deals, popular = home_cards(ranking)
    return HomePage(catalog_cache.versioned_key("home", versions, built_at), versions, built_at, deals,
                    popular)


def category_models(*, category_ids: list[int], filters: CategoryFilters) -> list[CardRow]:
    """(model id, advertised offer) of the category's (and subcategories') models, filtered and
    sorted (three queries).

    The offers of every model come from the category's buy boxes (card_summaries); the filters and
    sorts apply in Python to those few thousand rows. `category_cards` then loads one page of them.
    """
    summary = card_summaries(category_ids=category_ids, offer_filter=filters.offer_filter,
                             brands=filters.brands)
    models = (ProductModel.objects.filter(category_id__in=category_ids, is_published=True)
              .filter(Exists(filters.offer_filter.products())))
    if filters.brands:
        models = models.filter(brand__slug__in=filters.brands)
    rows = []
    for pk, name, release_year, created_at in models.values_list("pk", "name", "release_year", "created_at"):
        offer = summary.get(pk)
        price = offer.price if offer else None
        if (filters.in_stock or filters.battery) and offer is None:  # no offer with that battery
            continue
        if filters.price_min is not None and (price is None or price < filters.price_min):
            continue
        if filters.price_max is not None and (price is None or price > filters.price_max):
            continue
        rows.append((pk, name, release_year, created_at, offer))
    return [(row[0], row[4]) for row in sorted(rows, key=_sort_key(filters.sort))]


def _nulls_last(value, *, descending: bool = False):
    if value is None:
        return (1, 0)
    return (0, -value if descending else value)


def _sort_key(sort: str):
    """The category sorts (catalog.forms.SORT_CHOICES), for rows (pk, name, year, created, offer)."""
    def key(row):
        pk, name, release_year, created_at, offer = row
        price = offer.price if offer else None
        if sort == "price":
            head = (_nulls_last(price),)
        elif sort == "price_desc":
            head = (_nulls_last(price, descending=True),)
        elif sort == "saving":
            head = (_nulls_last(offer.saving if offer else None, descending=True),)
        elif sort == "newest":
            head = (_nulls_last(release_year, descending=True), -created_at.timestamp())
        else:  # popular
            head = (-(offer.offer_count if offer else 0), _nulls_last(price))
        return (*head, name, pk)
    return key


def category_cards(rows: list[CardRow]) -> list[ProductModel]:
    """Rows of (model id, offer) as cards, in that order (two queries)."""
    if not rows:
        return []
    model_ids = [row[0] for row in rows]
    models = {m.pk: m for m in ProductModel.objects.filter(pk__in=model_ids).select_related("brand")
              .defer("description", "specs", "search_document", "search_vector")
              .prefetch_related(_card_images())}
    offers = dict(rows)
    return [_card(models[pk], offers[pk]) for pk in model_ids if pk in models]


def priced_cards(models, *, offer_filter: OfferFilter | None = None) -> list[ProductModel]:
    """Evaluated models (with `card_images`, e.g. a page of search results) as cards, in their
    order (two queries); `offer_filter`: only those offers count (the search page's battery)."""
    models = list(models)
    summary = card_summaries(model_ids=[m.pk for m in models], offer_filter=offer_filter) if models else {}
    return [_card(model, summary.get(model.pk)) for model in models]


def _card_images() -> Prefetch:
    return Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk"), to_attr="card_images")


def _card(model: ProductModel, offer: CardOffer | None) -> ProductModel:
    """Sets what the card template reads: the advertised offer, its price and saving, the link to
    it and a picture of that colour when the catalog has one (no queries)."""
    model.offer = offer
    model.from_price = offer.price if offer else None
    model.offer_count = offer.offer_count if offer else 0
    model.new_price = offer.new_price if offer else model.reference_price_new
    model.saving = offer.saving if offer else None
    model.saving_percent = int(offer.saving * 100 / offer.new_price) if offer and offer.saving > 0 else 0
    model.card_url = model.get_absolute_url()
    if offer:
        model.card_url += "?" + urlencode({"variant": offer.product_slug, "grade": offer.grade})
    images = getattr(model, "card_images", None) or []
    colour = offer.colour if offer else ""
    model.image = next((i for i in images if colour and i.colour == colour), None) or next(
        (i for i in images if not i.colour), images[0] if images else None)
    return model
