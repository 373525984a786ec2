"""Device cards (home, category, search): each advertises one real offer and links straight to it.

A card's "from" price is the cheapest of its model's buy boxes (each product × grade's winner,
ranked by sellers.selectors, the one ranking), never the cheapest listing, which may not win its
box. The card's link names that offer's variant and grade, so the product page opens on the very
offer the card advertised; its saving is measured against that variant's own price new.
"""
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Exists, Prefetch

from sellers.models import Listing
from sellers.selectors import buy_box_values

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


def home_cards(*, limit: int = 10) -> tuple[list[ProductModel], list[ProductModel]]:
    """The home page's best deals (biggest saving in percent against new) and popular models
    (most buyable offers), in five queries: the buy boxes and a count over all offers, not a
    subquery per model."""
    summary = card_summaries()
    rows = []
    for pk, name in (ProductModel.objects.filter(is_published=True)
                     .filter(Exists(OfferFilter().products())).values_list("pk", "name")):
        offer = summary.get(pk)
        if offer is not None:
            rows.append((pk, name, offer, offer.saving / offer.new_price))
    deals = sorted((row for row in rows if row[3] > 0), key=lambda row: (-row[3], row[1]))[:limit]
    dealt = {row[0] for row in deals}
    popular = sorted((row for row in rows if row[0] not in dealt),
                     key=lambda row: (-row[2].offer_count, row[2].price, row[1]))[:limit]
    cards = category_cards([(pk, offer) for pk, _name, offer, _ratio in deals + popular])
    return cards[:len(deals)], cards[len(deals):]


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
