"""Reads for the shopper's pages: categories and filters, search, the product page (cards: catalog.cards).

Every function returns data already joined and prefetched, so that each page issues a fixed
number of queries however many models, variants and offers there are.
"""
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.http import Http404

from marketplace.prepared import Prepared
from sellers.models import Listing
from sellers.models_buybox import BuyBoxStanding
from sellers.selectors import offers_ranked

from . import cache
from .models import Brand, Category, Grade, Product, ProductImage, ProductModel
from .search_words import correct_typos, translate_query, vocabulary_of

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
    """Which offers count towards a card's from-price (the category page's filters; catalog.cards)."""

    grades: tuple[str, ...] = ()
    storages: tuple[int, ...] = ()
    colours: tuple[str, ...] = ()
    battery: str = ""  # a key of BATTERY_FILTERS: only offers with that battery

    def battery_q(self, prefix: str = "") -> Q:
        """The offers (listings, or rows reaching a listing by `prefix`) whose battery qualifies."""
        return battery_q(self.battery, prefix)

    def products(self) -> QuerySet:
        products = Product.objects.filter(model=OuterRef("pk"), is_active=True)
        if self.storages:
            products = products.filter(storage_gb__in=self.storages)
        if self.colours:
            products = products.filter(colour__in=self.colours)
        return products



# The battery filter of the category and search pages. A new battery reads 100 %, so it is at least 90 %.
BATTERY_FILTERS = {"90": 90, "new": None}


def battery_q(choice: str, prefix: str = "") -> Q:
    if choice not in BATTERY_FILTERS:
        return Q()
    if BATTERY_FILTERS[choice] is None:
        return Q(**{f"{prefix}battery_new": True})
    return Q(**{f"{prefix}battery_health__gte": BATTERY_FILTERS[choice]})


def models_with_battery(models: QuerySet, choice: str) -> QuerySet:
    """The models with a buyable offer whose battery qualifies (all of them when no filter)."""
    if choice not in BATTERY_FILTERS:
        return models
    return models.filter(Exists(Listing.objects.buyable().filter(
        battery_q(choice), product__model=OuterRef("pk"), product__is_active=True)))


def model_cards() -> QuerySet:
    """Published models with at least one active variant, with brand and card pictures (one
    prefetch): what search pages through. `catalog.cards.priced_cards` then prices one page."""
    return (ProductModel.objects.filter(is_published=True)
            .filter(Exists(OfferFilter().products()))
            .select_related("brand")
            .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk"),
                                       to_attr="card_images")))


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
    battery: str = ""  # a key of BATTERY_FILTERS
    sort: str = DEFAULT_SORT

    @property
    def offer_filter(self) -> OfferFilter:
        return OfferFilter(grades=self.grades, storages=self.storages, colours=self.colours,
                           battery=self.battery)

    @property
    def active(self) -> bool:
        return bool(self.brands or self.grades or self.storages or self.colours or self.in_stock
                    or self.battery or self.price_min is not None or self.price_max is not None)


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
    tokens = translate_query(search_tokens(query))
    if not tokens:
        return model_cards().none()
    cards = model_cards()
    if connection.vendor != "postgresql":
        return search_models_portable(cards, tokens)

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


def search_models_portable(cards: QuerySet, tokens: list[str]) -> QuerySet:
    """Without PostgreSQL (the SQLite of `make run`): every word in the search document, a typo
    first replaced by the closest word of the catalog's titles and categories ("iphnoe" ->
    "iphone"), as trigram similarity does on PostgreSQL. One more query, for the vocabulary."""
    documents = ProductModel.objects.filter(is_published=True).values_list("search_document", flat=True)
    tokens = correct_typos(tokens, vocabulary_of(documents))
    condition, in_title = Q(), Q()
    for token in tokens:
        condition &= Q(search_document__icontains=token)
        in_title &= Q(search_title__icontains=token)
    # The models whose own name holds every word first: "iphone 13" is the iPhone 13 before the
    # iPhone 11, whose A13 chip also says 13.
    first = Case(When(in_title, then=Value(0)), default=Value(1), output_field=IntegerField())
    return cards.filter(condition).annotate(title_first=first).order_by("title_first", "brand__name", "name")


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
    """One value of a picker, pointing at the offer a click opens: the buy box of the closest
    variant in the grade chosen (or, when it has none there, in its cheapest grade)."""

    label: str
    product: Product
    selected: bool
    price: Decimal | None  # of the offer the link opens; None: that variant is out of stock
    grade: str  # the grade the link opens on
    grade_changes: bool = False  # the link opens another grade than the one chosen

    @property
    def grade_label(self) -> str:
        return Grade(self.grade).label


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
    other_offers: list[Listing]  # the next best few (OFFERS_SHOWN in all with the buy box)
    low_price: Decimal | None  # across all variants and grades
    high_price: Decimal | None
    offer_count: int
    other_offer_count: int = 0  # every offer of the variant × grade but the buy box; the rest: model_offers
    # The key this page is cached under (with the model's versions); None when the request
    # asked for a variant or grade that does not exist, so a page of it is never stored.
    cache_key: str | None = None

    @property
    def more_offers(self) -> bool:
        """Some offers are not on the page: a link opens them all (catalog.views.model_offers)."""
        return self.other_offer_count > len(self.other_offers)

    @property
    def new_price(self) -> Decimal:
        """The selected variant's price new: what its saving is measured against."""
        return self.variant.new_price

    @property
    def saving(self) -> Decimal | None:
        if self.buy_box is None:
            return None
        return self.new_price - self.buy_box.price

    @property
    def saving_percent(self) -> int:
        saving = self.saving
        if not saving or saving <= 0:
            return 0
        return int(saving * 100 / self.new_price)


DIMENSIONS = [("storage", "storage_gb"), ("colour", "colour"), ("connectivity", "connectivity")]


def _variant_dimensions(products: list[Product], selected: Product, grade: str,
                        winners: dict[tuple[int, str], "BuyBoxSummary"]) -> list[VariantDimension]:
    """For each attribute that varies, one choice per value, pointing at the closest variant and
    priced with the offer its link opens (see VariantChoice)."""
    in_stock = {product_id for product_id, _grade in winners}
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
                p.pk in in_stock, -p.pk))
            offer = winners.get((best.pk, grade)) or min(
                (o for (product_id, _g), o in winners.items() if product_id == best.pk),
                key=lambda o: (o.price, Grade.rank(o.grade)), default=None)
            label = best.variant_label.split(", ")[0] if key == "storage" else str(value)
            choices.append(VariantChoice(
                label=label, product=best, selected=value == getattr(selected, attr),
                price=offer.price if offer else None, grade=offer.grade if offer else grade,
                grade_changes=offer is not None and offer.grade != grade))
        dimensions.append(VariantDimension(name=key, key=key, choices=choices))
    return dimensions


def _model_with_variants(slug: str) -> tuple[ProductModel, list[Product]] | None:
    """The published model with its brand, images (`ordered_images`) and active variants, without
    the columns no page of it shows; cached by the catalog generation (staff edits bump it). Its
    category is the cached tree's (category_tree)."""
    key = cache.versioned_key("model", slug, cache.catalog_generation())
    found = cache.cache.get(key)
    if found is not None:
        return found
    model = next(iter(_published_model(slug=slug)), None)
    if model is None:
        return None
    model.ordered_images = _model_images(model=model.pk)
    products = _active_variants(model=model.pk)
    for product in products:
        product.model = model
    found = (model, products)
    cache.cache.set(key, found, cache.TTL)
    return found


# The product page's queries when it is built, each compiled once per process (marketplace.prepared).
_published_model = Prepared(
    lambda slug: ProductModel.objects.select_related("brand")
    .defer("search_document", "search_vector", "search_title", "created_at", "updated_at")
    .filter(slug=slug, is_published=True)[:1], slug="prepared-model-slug")
_model_images = Prepared(lambda model: ProductImage.objects.filter(model_id=model).order_by("position", "pk"),
                         model=-7_000_001)
_active_variants = Prepared(
    lambda model: Product.objects.filter(model_id=model, is_active=True).defer("attributes", "created_at")
    .order_by("storage_gb", "colour", "pk"), model=-7_000_002)
_stored_boxes = Prepared(
    lambda model: BuyBoxStanding.objects.filter(product__model_id=model, product__is_active=True)
    .values_list("listing_id", "product_id", "grade", "price"), model=-7_000_003)


def _variant_images(images: list[ProductImage], variant: Product) -> list[ProductImage]:
    """The pictures of the variant's colour first, then those of no particular colour; another
    colour's only when there is nothing else (their alternative text names their colour)."""
    own = [image for image in images if image.colour and image.colour == variant.colour]
    return own + [image for image in images if not image.colour] or images


@dataclass(frozen=True)
class BuyBoxSummary:
    """The buy box of a product × grade, small enough to cache for every variant of a model."""

    listing_id: int
    product_id: int
    grade: str
    price: Decimal


def product_buy_boxes(*, model_id: int) -> dict[tuple[int, str], BuyBoxSummary]:
    """The winner of each active variant × grade of a device model as stored (sellers'
    BuyBoxStanding, written by sellers.selectors.buy_box_standings_refresh after every write to
    offers commits, before the pages' versions are bumped), in one query of plain rows: no offer is
    ranked here."""
    return {(product_id, grade): BuyBoxSummary(pk, product_id, grade, price)
            for pk, product_id, grade, price in _stored_boxes(model=model_id)}


# The product page shows the buy box and the next best offers, this many in all; the others are one
# click away (catalog.views.model_offers), as a marketplace shows the best few.
OFFERS_SHOWN = 5
# What an offer on the product page shows of its listing and seller (the rest is never read there).
OFFER_FIELDS = (
    "product_id", "grade", "price", "quantity", "allocated", "warranty_months", "created_at",
    "battery_health", "battery_new", "is_unlocked", "has_esim", "includes_charger", "includes_cable",
    "includes_box", "seller__name", "seller__slug", "seller__rating", "seller__rating_count",
    "seller__shipping_days", "seller__quality_score",
)


def _offers_of_box(limit: int | None) -> Prepared:
    """The offers of a product × grade in buy-box order, the first `limit` of them (all: None)."""
    def build(product, grade):
        offers = offers_ranked().only(*OFFER_FIELDS).annotate(box_offers=Window(Count("pk"))).filter(
            product_id=product, grade=grade)
        return offers[:limit] if limit else offers

    return Prepared(build, product=-7_000_004, grade="prepared-grade")


_offers_shown = {OFFERS_SHOWN: _offers_of_box(OFFERS_SHOWN), None: _offers_of_box(None)}


def product_offers(*, product: Product, grade: str, limit: int | None = None) -> list[Listing]:
    """The buyable offers of a product in a grade, in buy-box order (`limit`: the first ones only,
    OFFERS_SHOWN or None), each with `box_offers`, the number of offers in the box, counted in the
    same query."""
    offers = _offers_shown[limit](product=product.pk, grade=grade)
    for offer in offers:
        offer.product = product
    return offers


def model_variant(*, slug: str, variant_slug: str | None,
                  grade: str | None) -> tuple[ProductModel, Product, str]:
    """The published model, its active variant and the grade a request names (the page of every offer
    of a variant × grade); 404 unless all three exist."""
    found = _model_with_variants(slug)
    variant = next((p for p in found[1] if p.slug == variant_slug), None) if found else None
    if variant is None or grade not in Grade.values:
        raise Http404("No such variant or grade.")
    return found[0], variant, grade


def model_page_key(*, slug: str, variant_slug: str | None = None, grade: str | None = None,
                   also: dict | None = None) -> str:
    """The cache key of a product page under its current versions (one cache read, which reads the
    keys of `also` too: see cache.model_page_versions)."""
    versions = cache.model_page_versions(slug, also=also)
    return cache.versioned_key("model-page", slug, variant_slug, grade, versions)


def model_page(*, slug: str, variant_slug: str | None = None, grade: str | None = None,
               key: str | None = None, store: bool = True) -> ModelPage:
    """Everything the product page shows, in a fixed number of queries (none with a warm cache:
    two cache reads).

    404 for unknown slugs. The whole page is cached under the model's version, read first, so a
    page built while an offer changes is stored under a version that is already stale. Only the
    pages a request can name are stored: the default (no variant or grade given) and each real
    variant × grade, never one per made-up parameter. `key`: its model_page_key, when the caller
    has just read it. `store=False`: built from the database, neither read from the cache nor
    stored (the product page stores what it renders from it instead: pickling the data's ~50 model
    instances was a tenth of a page built after the cache was emptied); `cache_key` still says
    whether the page is one a request can name.
    """
    key = key or model_page_key(slug=slug, variant_slug=variant_slug, grade=grade)
    page = cache.cache.get(key) if store else None
    if page is None:
        page = _model_page_build(slug=slug, variant_slug=variant_slug, grade=grade)
        if variant_slug in (None, page.variant.slug) and grade in (None, page.grade):
            page.cache_key = key
            if store:
                cache.cache.set(key, page, cache.TTL)
    return page


def _model_page_build(*, slug: str, variant_slug: str | None, grade: str | None) -> ModelPage:
    """The product page from the database: the stored buy box of every variant × grade (the pickers'
    prices) and the first offers of the one chosen, ranked live (OFFERS_SHOWN).

    The caller read the model's version first, so that a page built while an offer changes is
    stored under a version that is already stale.
    """
    found = _model_with_variants(slug)
    if found is None:
        raise Http404("No such device model.")
    model, products = found
    if not products:
        raise Http404("This device model has no variants yet.")
    winners = product_buy_boxes(model_id=model.pk)
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
    offers = product_offers(product=variant, grade=grade, limit=OFFERS_SHOWN)
    prices = [o.price for o in winners.values()]
    tree = category_tree()
    category = tree.by_id.get(model.category_id) or model.category
    return ModelPage(
        model=model,
        ancestors=tree.ancestors(category) + [category],
        images=_variant_images(model.ordered_images, variant),
        products=products,
        variant=variant,
        grade=grade,
        grades=grades,
        dimensions=_variant_dimensions(products, variant, grade, winners),
        buy_box=offers[0] if offers else None,
        other_offers=offers[1:],
        low_price=min(prices) if prices else None,
        high_price=max(prices) if prices else None,
        offer_count=len(winners),
        other_offer_count=offers[0].box_offers - 1 if offers else 0,
    )
