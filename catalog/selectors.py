"""Reads for the shopper's pages: device cards with from-prices, category filters, search, product page.

Every function returns data already joined and prefetched, so that each page issues a fixed
number of queries however many models, variants and offers there are.
"""
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from sellers.models import Listing
from sellers.selectors import buy_boxes, offers_ranked

from . import cache
from .models import Brand, Category, Grade, Product, ProductImage, ProductModel

SORTS = {
    # key: (label is in the view/form, ordering)
    "popular": [F("offer_count").desc(nulls_last=True), F("from_price").asc(nulls_last=True)],
    "price": [F("from_price").asc(nulls_last=True)],
    "price_desc": [F("from_price").desc(nulls_last=True)],
    "saving": [F("saving").desc(nulls_last=True)],
    "newest": [F("release_year").desc(nulls_last=True), F("created_at").desc()],
}
DEFAULT_SORT = "popular"


# --- Categories --------------------------------------------------------------------------
@dataclass
class CategoryTree:
    """All categories from one query, with the walks the pages need."""

    by_id: dict[int, Category]

    @classmethod
    def load(cls) -> "CategoryTree":
        return cls({c.pk: c for c in Category.objects.all()})

    def by_slug(self, slug: str) -> Category | None:
        return next((c for c in self.by_id.values() if c.slug == slug), None)

    def children(self, category: Category | None) -> list[Category]:
        parent_id = category.pk if category else None
        return [c for c in self.by_id.values() if c.parent_id == parent_id]

    def descendant_ids(self, category: Category) -> list[int]:
        ids, frontier = [category.pk], [category.pk]
        while frontier:
            frontier = [c.pk for c in self.by_id.values() if c.parent_id in frontier and c.pk not in ids]
            ids.extend(frontier)
        return ids

    def ancestors(self, category: Category) -> list[Category]:
        """From the root down to the category's parent."""
        chain, seen = [], {category.pk}
        parent = self.by_id.get(category.parent_id)
        while parent is not None and parent.pk not in seen:
            chain.insert(0, parent)
            seen.add(parent.pk)
            parent = self.by_id.get(parent.parent_id)
        return chain


def category_tree() -> CategoryTree:
    """The tree from the cache (dropped on every category edit), or one query."""
    return cache.category_tree()


def category_by_slug(slug: str) -> tuple[Category, CategoryTree]:
    """The category and the tree, from the cache; 404 for an unknown slug.

    A category the cached tree does not know yet (added outside the admin) is looked up in
    the database, and the tree is rebuilt.
    """
    tree = category_tree()
    category = tree.by_slug(slug)
    if category is None:
        if not Category.objects.filter(slug=slug).exists():
            raise Http404("No such category.")
        cache.categories_changed()
        tree = category_tree()
        category = tree.by_slug(slug)
        if category is None:
            raise Http404("No such category.")
    return category, tree


# --- Device cards ------------------------------------------------------------------------
@dataclass(frozen=True)
class OfferFilter:
    """Which offers count towards a card's from-price (the category page's filters)."""

    grades: tuple[str, ...] = ()
    storages: tuple[int, ...] = ()
    colours: tuple[str, ...] = ()

    def products(self) -> QuerySet:
        products = Product.objects.filter(model=OuterRef("pk"), is_active=True)
        if self.storages:
            products = products.filter(storage_gb__in=self.storages)
        if self.colours:
            products = products.filter(colour__in=self.colours)
        return products

    def offers(self) -> QuerySet:
        offers = Listing.objects.buyable().filter(product__model=OuterRef("pk"), product__is_active=True)
        if self.grades:
            offers = offers.filter(grade__in=self.grades)
        if self.storages:
            offers = offers.filter(product__storage_gb__in=self.storages)
        if self.colours:
            offers = offers.filter(product__colour__in=self.colours)
        return offers


def model_cards(queryset: QuerySet | None = None, *, offer_filter: OfferFilter | None = None) -> QuerySet:
    """Published models annotated for cards: from_price, saving (against new), offer_count.

    Images come with one prefetch (`card_images`). Call `decorate_cards` on the evaluated page.
    """
    offer_filter = offer_filter or OfferFilter()
    queryset = ProductModel.objects.all() if queryset is None else queryset
    offers = offer_filter.offers()
    from_price = Subquery(offers.order_by("price").values("price")[:1],
                          output_field=DecimalField(max_digits=10, decimal_places=2))
    offer_count = Subquery(
        offers.order_by().values("product__model").annotate(n=Count("pk")).values("n")[:1]
    )
    return (
        queryset.filter(is_published=True)
        .filter(Exists(offer_filter.products()))
        .select_related("brand")
        .annotate(from_price=from_price, offer_count=Coalesce(offer_count, Value(0)))
        .annotate(saving=ExpressionWrapper(F("reference_price_new") - F("from_price"),
                                           output_field=DecimalField(max_digits=10, decimal_places=2)))
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk"),
                                   to_attr="card_images"))
    )


def decorate_cards(models) -> list[ProductModel]:
    """Adds `image` and `saving_percent` to evaluated card models (no queries)."""
    models = list(models)
    for model in models:
        images = getattr(model, "card_images", None) or []
        model.image = images[0] if images else None
        saving = getattr(model, "saving", None)
        if saving is not None and saving > 0 and model.reference_price_new:
            model.saving_percent = int(saving * 100 / model.reference_price_new)
        else:
            model.saving_percent = 0
    return models


def home_cards(*, limit: int = 10) -> tuple[list[ProductModel], list[ProductModel]]:
    """The home page's best deals (biggest saving in percent against new) and popular models
    (most buyable offers), in four queries: one GROUP BY over all offers, not a subquery per model."""
    summary = card_summaries()
    rows = []
    for pk, name, reference_price_new in (ProductModel.objects.filter(is_published=True)
                                          .filter(Exists(OfferFilter().products()))
                                          .values_list("pk", "name", "reference_price_new")):
        if pk in summary:
            from_price, offer_count = summary[pk]
            ratio = (reference_price_new - from_price) / reference_price_new
            rows.append((pk, name, from_price, offer_count, ratio))
    deals = sorted((row for row in rows if row[4] > 0), key=lambda row: (-row[4], row[1]))[:limit]
    dealt = {row[0] for row in deals}
    popular = sorted((row for row in rows if row[0] not in dealt),
                     key=lambda row: (-row[3], row[2], row[1]))[:limit]
    cards = category_cards([(pk, from_price, count) for pk, _n, from_price, count, _r in deals + popular])
    return cards[:len(deals)], cards[len(deals):]


# --- Category page -----------------------------------------------------------------------
@dataclass
class CategoryFilters:
    brands: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    storages: tuple[int, ...] = ()
    colours: tuple[str, ...] = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool = False
    sort: str = DEFAULT_SORT

    @property
    def offer_filter(self) -> OfferFilter:
        return OfferFilter(grades=self.grades, storages=self.storages, colours=self.colours)

    @property
    def active(self) -> bool:
        return bool(self.brands or self.grades or self.storages or self.colours or self.in_stock
                    or self.price_min is not None or self.price_max is not None)


@dataclass
class Facets:
    brands: list[tuple[str, str]] = field(default_factory=list)  # (slug, name)
    storages: list[int] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)


def category_facets(*, category_ids: list[int]) -> Facets:
    """The filter choices that make sense in these categories (two queries)."""
    models = ProductModel.objects.filter(category_id__in=category_ids, is_published=True)
    brands = list(Brand.objects.filter(models__in=models).distinct().order_by("name")
                  .values_list("slug", "name"))
    pairs = (Product.objects.filter(model__in=models, is_active=True)
             .values_list("storage_gb", "colour").distinct())
    storages, colours = set(), set()
    for storage, colour in pairs:
        if storage:
            storages.add(storage)
        if colour:
            colours.add(colour)
    return Facets(brands=brands, storages=sorted(storages), colours=sorted(colours))


CardRow = tuple[int, Decimal | None, int]  # model id, from price, offer count


def category_models(*, category_ids: list[int], filters: CategoryFilters) -> list[CardRow]:
    """(model id, from price, offer count) of the category's (and subcategories') models,
    filtered and sorted (two queries).

    The from-price and offer count of every model come from one GROUP BY over the category's
    buyable offers (not a subquery per model, which took seconds at 200,000 listings); the
    filters and sorts apply in Python to those few thousand numbers. `category_cards` then loads
    one page of them.
    """
    summary = card_summaries(category_ids=category_ids, offer_filter=filters.offer_filter,
                             brands=filters.brands)
    models = (ProductModel.objects.filter(category_id__in=category_ids, is_published=True)
              .filter(Exists(filters.offer_filter.products())))
    if filters.brands:
        models = models.filter(brand__slug__in=filters.brands)
    rows = []
    for pk, name, release_year, created_at, reference_price_new in models.values_list(
            "pk", "name", "release_year", "created_at", "reference_price_new"):
        from_price, offer_count = summary.get(pk, (None, 0))
        if filters.in_stock and from_price is None:
            continue
        if filters.price_min is not None and (from_price is None or from_price < filters.price_min):
            continue
        if filters.price_max is not None and (from_price is None or from_price > filters.price_max):
            continue
        saving = reference_price_new - from_price if from_price is not None else None
        rows.append((pk, name, release_year, created_at, from_price, offer_count, saving))
    return [(row[0], row[4], row[5]) for row in sorted(rows, key=_sort_key(filters.sort))]


def _nulls_last(value, *, descending: bool = False):
    if value is None:
        return (1, 0)
    return (0, -value if descending else value)


def _sort_key(sort: str):
    """The same order as SORTS, for rows (pk, name, release_year, created_at, from_price, count, saving)."""
    def key(row):
        pk, name, release_year, created_at, from_price, offer_count, saving = row
        if sort == "price":
            head = (_nulls_last(from_price),)
        elif sort == "price_desc":
            head = (_nulls_last(from_price, descending=True),)
        elif sort == "saving":
            head = (_nulls_last(saving, descending=True),)
        elif sort == "newest":
            head = (_nulls_last(release_year, descending=True), -created_at.timestamp())
        else:  # popular
            head = (-offer_count, _nulls_last(from_price))
        return (*head, name, pk)
    return key


def card_summaries(*, category_ids: list[int] | None = None, model_ids: list[int] | None = None,
                   offer_filter: OfferFilter | None = None,
                   brands: tuple[str, ...] = ()) -> dict[int, tuple[Decimal, int]]:
    """{model id: (from price, number of buyable offers)} in one GROUP BY query."""
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
    if brands:
        offers = offers.filter(product__model__brand__slug__in=brands)
    rows = (offers.order_by().values("product__model_id")
            .annotate(from_price=Min("price"), offer_count=Count("pk"))
            .values_list("product__model_id", "from_price", "offer_count"))
    return {model_id: (from_price, count) for model_id, from_price, count in rows}


def category_cards(rows: list[CardRow]) -> list[ProductModel]:
    """One page of `category_models` rows as decorated cards, in that order (two queries)."""
    if not rows:
        return []
    model_ids = [row[0] for row in rows]
    summary = {pk: (from_price, offer_count) for pk, from_price, offer_count in rows}
    models = {m.pk: m for m in ProductModel.objects.filter(pk__in=model_ids).select_related("brand")
              .defer("description", "specs", "search_document", "search_vector")
              .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk"),
                                         to_attr="card_images"))}
    page = []
    for pk in model_ids:
        model = models.get(pk)
        if model is None:
            continue
        model.from_price, model.offer_count = summary.get(pk, (None, 0))
        model.saving = (model.reference_price_new - model.from_price
                        if model.from_price is not None else None)
        page.append(model)
    return decorate_cards(page)


# --- Search ------------------------------------------------------------------------------
TOKEN = re.compile(r"\w+", re.UNICODE)
TRIGRAM_THRESHOLD = 0.3


def search_tokens(query: str) -> list[str]:
    return TOKEN.findall(query.lower())[:10]


def search_models(*, query: str) -> QuerySet:
    """Models matching the query, best first.

    PostgreSQL: the stored full-text vector (prefix match on the last word, so "galax" finds
    Galaxy) OR trigram word similarity of the title (so "iphnoe 13" finds iPhone 13); ranked by
    text rank plus both trigram similarities. Elsewhere (SQLite for `make run`): every word in
    the search document.
    """
    tokens = search_tokens(query)
    if not tokens:
        return model_cards().none()
    cards = model_cards()
    if connection.vendor != "postgresql":
        condition = Q()
        for token in tokens:
            condition &= Q(search_document__icontains=token)
        return cards.filter(condition).order_by("brand__name", "name")

    from django.contrib.postgres.search import (
        SearchQuery,
        SearchRank,
        TrigramSimilarity,
        TrigramWordSimilarity,
    )

    raw = " & ".join(tokens[:-1] + [f"{tokens[-1]}:*"])
    tsquery = SearchQuery(raw, search_type="raw", config="simple")
    text = " ".join(tokens)
    return (
        cards.annotate(
            text_rank=SearchRank(F("search_vector"), tsquery),
            word_similarity=TrigramWordSimilarity(Value(text), "search_title"),
            similarity=TrigramSimilarity("search_title", Value(text)),
        )
        .filter(Q(search_vector=tsquery) | Q(word_similarity__gte=TRIGRAM_THRESHOLD))
        .annotate(relevance=F("text_rank") + F("word_similarity") + F("similarity"))
        .order_by("-relevance", "name", "pk")
    )


def search_suggestions(*, query: str, limit: int = 8) -> list[ProductModel]:
    """The few best matches for search-as-you-type (one query, no images)."""
    if len(query.strip()) < 2:
        return []
    return list(search_models(query=query).prefetch_related(None)[:limit])


# --- Product page ------------------------------------------------------------------------
@dataclass
class GradeChoice:
    grade: str
    offer: "BuyBoxSummary | None"  # the buy box of the selected variant in this grade

    @property
    def label(self) -> str:
        # Looked up when shown, in the reader's language; a lazy label in the cached page would
        # also cost a class built on every unpickling.
        return Grade(self.grade).label

    @property
    def price(self) -> Decimal | None:
        return self.offer.price if self.offer else None


@dataclass
class VariantChoice:
    label: str
    product: Product
    selected: bool
    from_price: Decimal | None


@dataclass
class VariantDimension:
    name: str  # translated in the template by key
    key: str
    choices: list[VariantChoice]


@dataclass
class ModelPage:
    model: ProductModel
    ancestors: list[Category]
    images: list[ProductImage]
    products: list[Product]
    variant: Product
    grade: str
    grades: list[GradeChoice]
    dimensions: list[VariantDimension]
    buy_box: Listing | None
    other_offers: list[Listing]
    low_price: Decimal | None  # across all variants and grades
    high_price: Decimal | None
    offer_count: int
    # The key this page is cached under (with the model's versions); None when the request
    # asked for a variant or grade that does not exist, so a page of it is never stored.
    cache_key: str | None = None

    @property
    def saving(self) -> Decimal | None:
        if self.buy_box is None:
            return None
        return self.model.reference_price_new - self.buy_box.price

    @property
    def saving_percent(self) -> int:
        saving = self.saving
        if not saving or saving <= 0:
            return 0
        return int(saving * 100 / self.model.reference_price_new)


DIMENSIONS = [("storage", "storage_gb"), ("colour", "colour"), ("connectivity", "connectivity")]


def _variant_dimensions(products: list[Product], selected: Product,
                        from_prices: dict[int, Decimal]) -> list[VariantDimension]:
    """For each attribute that varies, one choice per value, pointing at the closest variant."""
    dimensions = []
    for key, attr in DIMENSIONS:
        values = []
        for product in products:
            value = getattr(product, attr)
            if value not in values and value not in (None, ""):
                values.append(value)
        if len(values) < 2:
            continue
        choices = []
        for value in values:
            candidates = [p for p in products if getattr(p, attr) == value]
            # Keep the other attributes the shopper already picked, when such a variant exists.
            best = max(candidates, key=lambda p: (
                sum(getattr(p, a) == getattr(selected, a) for _, a in DIMENSIONS if a != attr),
                p.pk in from_prices, -p.pk))
            label = best.variant_label.split(", ")[0] if key == "storage" else str(value)
            prices = [from_prices[p.pk] for p in candidates if p.pk in from_prices]
            choices.append(VariantChoice(label=label, product=best, selected=value == getattr(selected, attr),
                                         from_price=min(prices) if prices else None))
        dimensions.append(VariantDimension(name=key, key=key, choices=choices))
    return dimensions


def _model_with_variants(slug: str) -> tuple[ProductModel, list[Product]] | None:
    """The published model with brand, category, images and active variants; cached by the
    catalog generation (staff edits bump it)."""
    key = cache.versioned_key("model", slug, cache.catalog_generation())
    found = cache.cache.get(key)
    if found is not None:
        return found
    model = (ProductModel.objects.select_related("brand", "category")
             .defer("search_document", "search_vector")
             .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk"),
                                        to_attr="ordered_images"))
             .filter(slug=slug, is_published=True).first())
    if model is None:
        return None
    found = (model, list(model.products.filter(is_active=True).order_by("storage_gb", "colour", "pk")))
    cache.cache.set(key, found, cache.TTL)
    return found


@dataclass(frozen=True)
class BuyBoxSummary:
    """The buy box of a product × grade, small enough to cache for every variant of a model."""

    listing_id: int
    product_id: int
    grade: str
    price: Decimal


def product_buy_boxes(*, product_ids: list[int], versions: dict[int, int] | None = None
                      ) -> dict[tuple[int, str], BuyBoxSummary]:
    """The winner of each product × grade (sellers.selectors.buy_boxes), as summaries cached
    under the products' versions."""
    versions = versions if versions is not None else cache.product_versions(product_ids)

    def build():
        return [(w.pk, w.product_id, w.grade, w.price) for w in buy_boxes(product_ids=product_ids).values()]

    key = cache.versioned_key("buy-boxes", sorted(versions.items()))
    return {(product_id, grade): BuyBoxSummary(pk, product_id, grade, price)
            for pk, product_id, grade, price in cache.get_or_build(key, build)}


def product_offers(*, product: Product, grade: str, version: int | None = None) -> list[Listing]:
    """Every buyable offer of a product in a grade, in buy-box order, cached under its version."""
    version = version if version is not None else cache.product_versions([product.pk])[product.pk]
    key = cache.versioned_key("offers", product.pk, grade, version)
    # The seller's long texts are never shown with an offer: left out of the cached rows.
    offers = offers_ranked().filter(product=product, grade=grade).defer(
        "seller__business_address", "seller__return_address", "seller__status_reason")
    return cache.get_or_build(key, lambda: list(offers))


def model_page_key(*, slug: str, variant_slug: str | None = None, grade: str | None = None) -> str:
    """The cache key of a product page under its current versions (one cache read)."""
    return cache.versioned_key("model-page", slug, variant_slug, grade, cache.model_page_versions(slug))


def model_page(*, slug: str, variant_slug: str | None = None, grade: str | None = None,
               key: str | None = None) -> ModelPage:
    """Everything the product page shows, in a fixed number of queries (none with a warm cache:
    two cache reads).

    404 for unknown slugs. The whole page is cached under the model's version, read first, so a
    page built while an offer changes is stored under a version that is already stale. Only the
    pages a request can name are stored: the default (no variant or grade given) and each real
    variant × grade, never one per made-up parameter. `key`: its model_page_key, when the caller
    has just read it.
    """
    key = key or model_page_key(slug=slug, variant_slug=variant_slug, grade=grade)
    page = cache.cache.get(key)
    if page is None:
        page = _model_page_build(slug=slug, variant_slug=variant_slug, grade=grade)
        if variant_slug in (None, page.variant.slug) and grade in (None, page.grade):
            page.cache_key = key
            cache.cache.set(key, page, cache.TTL)
    return page


def _model_page_build(*, slug: str, variant_slug: str | None, grade: str | None) -> ModelPage:
    """The product page from the per-product caches (buy boxes, offers) or the database.

    Offers are read under the product versions taken first, so that an offer changing meanwhile
    is cached under a version that is already stale.
    """
    found = _model_with_variants(slug)
    if found is None:
        raise Http404("No such device model.")
    model, products = found
    if not products:
        raise Http404("This device model has no variants yet.")
    versions = cache.product_versions(p.pk for p in products)
    winners = product_buy_boxes(product_ids=[p.pk for p in products], versions=versions)
    from_prices: dict[int, Decimal] = {}
    for (product_id, _grade), offer in winners.items():
        if product_id not in from_prices or offer.price < from_prices[product_id]:
            from_prices[product_id] = offer.price

    by_slug = {p.slug: p for p in products}
    cheapest = min(winners.values(), key=lambda o: (o.price, Grade.rank(o.grade)), default=None)
    if variant_slug in by_slug:
        variant = by_slug[variant_slug]
    elif cheapest is not None:
        variant = next(p for p in products if p.pk == cheapest.product_id)
    else:
        variant = products[0]
    if grade not in Grade.values:
        # Excellent when in stock (the usual choice), else the cheapest grade in stock.
        in_stock = [winners[(variant.pk, g.value)] for g in Grade if (variant.pk, g.value) in winners]
        if (variant.pk, Grade.EXCELLENT.value) in winners or not in_stock:
            grade = Grade.EXCELLENT.value
        else:
            grade = min(in_stock, key=lambda o: (o.price, Grade.rank(o.grade))).grade

    grades = [GradeChoice(grade=g.value, offer=winners.get((variant.pk, g.value)))
              for g in Grade]
    offers = product_offers(product=variant, grade=grade, version=versions[variant.pk])
    prices = [o.price for o in winners.values()]
    tree = category_tree()
    return ModelPage(
        model=model,
        ancestors=tree.ancestors(model.category) + [tree.by_id.get(model.category_id, model.category)],
        images=model.ordered_images,
        products=products,
        variant=variant,
        grade=grade,
        grades=grades,
        dimensions=_variant_dimensions(products, variant, from_prices),
        buy_box=offers[0] if offers else None,
        other_offers=offers[1:],
        low_price=min(prices) if prices else None,
        high_price=max(prices) if prices else None,
        offer_count=len(winners),
    )
