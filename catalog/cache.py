"""Cache invalidation for what shoppers read far more than sellers write.

Every cached value that depends on a product's offers is keyed with that product's version;
`products_changed` bumps the versions, so the very next request misses and reads fresh data.
Pages that list many products (a category, search) are keyed with a version of their category,
or with the generation of all offers, which `products_changed` bumps too; a product page (data and
rendered HTML) with the version of its device model, bumped with any of the model's products. The
home page's cards are checked against the versions of the twenty models they show
(catalog.cards.home_page), so a write elsewhere leaves them alone, and are rebuilt by one process
at a time (`built_once`).
Writers call it after commit: listing services, bulk stock sync, seller status changes, order
allocation and catalog edits. The category tree is cached apart and dropped by
`categories_changed` on every category edit.

TTLs are only a safety net; correctness comes from the version keys.
"""
import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache

from marketplace.tracked_keys import tracked

VERSION_KEY = "catalog:product-version:{}"
# Of a device model's product page, by model slug (cut to a safe length: two slugs sharing a
# version only means one more rebuild). Bumped with any of the model's products.
MODEL_VERSION_KEY = "catalog:model-version:{:.100}"
CATEGORY_VERSION_KEY = "catalog:category-version:{}"
OFFERS_GENERATION_KEY = "catalog:offers-generation"
CATALOG_GENERATION_KEY = "catalog:catalog-generation"
CATEGORY_TREE_KEY = "catalog:category-tree"
NAV_CATEGORIES_KEY = "layout:nav-categories"

TTL = 60 * 60  # safety net for values keyed by versions
# The home page's cards (catalog.cards.home_page), checked against the versions of the models they show.
HOME_KEY = "catalog:home-page"
HOME_RANKING_SECONDS = 5 * 60  # how long a model not shown may wait for the place it came to deserve
# How long others serve the previous value while one process rebuilds it (built_once); a rebuild
# that takes longer lets one more process start.
REBUILD_LOCK_SECONDS = 10
TREE_TTL = 60 * 60


def _fresh() -> int:
    # A version never handed out before, so that a version key lost to eviction or a cache
    # flush can never bring back a value cached under an older version.
    return time.time_ns()


def _bump(keys: Iterable[str]) -> None:
    """Gives each version key a fresh value, all in one round trip to the cache (a bulk stock
    sync changes hundreds of products per batch)."""
    keys = list(keys)
    version = _fresh()
    cache.set_many(dict.fromkeys(keys, version), timeout=None)
    tracked.changed(keys)  # this process's next read asks Redis; the others hear from it


def _versions(keys: list[str]) -> dict[str, int]:
    """The current value of each version key, giving a fresh one to keys not in the cache."""
    found = cache.get_many(keys)
    missing = {key: _fresh() for key in keys if key not in found}
    if missing:
        cache.set_many(missing, timeout=None)
        found.update(missing)
    return found


def current_versions(keys: list[str]) -> dict[str, int]:
    """{key: current value} of these version keys (one read; a missing key gets a fresh value)."""
    return _versions(keys)


def versions_unchanged(versions: dict[str, int]) -> bool:
    """Whether every version key still has this value (one read; a lost key counts as changed)."""
    return cache.get_many(list(versions)) == versions


def product_versions(product_ids: Iterable[int]) -> dict[int, int]:
    """The current version of each product."""
    ids = list(product_ids)
    found = _versions([VERSION_KEY.format(pk) for pk in ids])
    return {pk: found[VERSION_KEY.format(pk)] for pk in ids}


def products_changed(product_ids: Iterable[int]) -> None:
    """Invalidates every cached value that depends on these products' offers.

    Stores the products' buy boxes again (sellers.selectors.buy_box_standings_refresh, set-based),
    then bumps each product's version, the version of each category holding them (and of the
    category's ancestors, whose pages list subcategories' models), of each device model (its
    product page, and the home page when it shows it), and the generation of all offers (search).
    One query finds the categories.
    """
    ids = {int(pk) for pk in product_ids}
    if not ids:
        return
    from sellers.selectors import buy_box_standings_refresh

    # The stored buy boxes first, so that a page built after the bump below reads them fresh.
    buy_box_standings_refresh(product_ids=ids)
    from .models import Product

    rows = set(Product.objects.filter(pk__in=ids).values_list("model__category_id", "model__slug").distinct())
    category_ids = {category_id for category_id, _slug in rows}
    tree = category_tree()
    with_ancestors = set()
    for category_id in category_ids:
        with_ancestors.add(category_id)
        category = tree.by_id.get(category_id)
        if category is not None:
            with_ancestors.update(c.pk for c in tree.ancestors(category))
    _bump([VERSION_KEY.format(pk) for pk in ids]
          + [CATEGORY_VERSION_KEY.format(pk) for pk in with_ancestors]
          + [MODEL_VERSION_KEY.format(slug) for _category_id, slug in rows]
          + [OFFERS_GENERATION_KEY])
    from sellers.buybox_watch import boxes_changed  # repricing rules and buy-box alerts, debounced

    boxes_changed(ids)


# A write that changed more products than this (a bulk API call of thousands of items) has them
# refreshed by a worker just after it commits, so the call answers without ranking their offers.
BULK_INLINE_PRODUCTS = 50


def products_changed_after_bulk(product_ids: Iterable[int]) -> None:
    """`products_changed` for a bulk write of listings, called once it has committed: here for a few
    products, by the task catalog.tasks.refresh_products for more. A stock import's batch stays
    here: it only bumps the pages, its boxes are the import's follow-up (sellers.buybox_watch)."""
    from django.conf import settings

    from sellers.buybox_watch import standings_are_deferred

    ids = sorted({int(pk) for pk in product_ids})
    if len(ids) <= BULK_INLINE_PRODUCTS or settings.CELERY_TASK_ALWAYS_EAGER or standings_are_deferred():
        products_changed(ids)
        return
    from .tasks import refresh_products

    refresh_products.delay(ids)


def catalog_changed(*, product_ids: Iterable[int] = ()) -> None:
    """A staff edit of the catalog itself (a model, its variants, images, a brand): every page
    built from catalog rows is rebuilt, and the offers of these products too."""
    _bump([CATALOG_GENERATION_KEY])
    products_changed(product_ids)


def categories_changed() -> None:
    """A category was added, renamed, moved or deleted: the tree, the nav and every page keyed
    by the catalog generation are rebuilt."""
    from django.conf import settings

    # The nav is cached once per language: its names are translated (catalog/translation.py).
    cache.delete_many([CATEGORY_TREE_KEY, NAV_CATEGORIES_KEY,
                       *(f"{NAV_CATEGORIES_KEY}:{code}" for code, _name in settings.LANGUAGES)])
    _bump([CATALOG_GENERATION_KEY])


def category_tree():
    """The whole category tree, from the cache or one query."""
    from .selectors import CategoryTree

    by_id = cache.get(CATEGORY_TREE_KEY)
    if by_id is None:
        tree = CategoryTree.load()
        cache.set(CATEGORY_TREE_KEY, tree.by_id, TREE_TTL)
        return tree
    return CategoryTree(by_id)


def category_versions(category_ids: Iterable[int]) -> tuple[int, ...]:
    """The catalog generation and the version of each category: the key of a category page."""
    keys = [CATALOG_GENERATION_KEY] + [CATEGORY_VERSION_KEY.format(pk) for pk in sorted(set(category_ids))]
    found = _versions(keys)
    return tuple(found[key] for key in keys)


def generations() -> tuple[int, int]:
    """(catalog generation, offers generation): the key of pages built from the whole catalog."""
    found = _versions([CATALOG_GENERATION_KEY, OFFERS_GENERATION_KEY])
    return found[CATALOG_GENERATION_KEY], found[OFFERS_GENERATION_KEY]


def model_page_versions(slug: str, *, also: dict[str, Any] | None = None) -> tuple[int, int]:
    """(catalog generation, version of the model's offers): the key of a product page, in one
    read, from this process's memory while Redis has not said one changed. Any slug may be asked
    for (a 404 too): a new model version expires with the TTL.
    `also`: other keys to read in the same round trip; their values (None if missing) are set in it."""
    keys = [CATALOG_GENERATION_KEY, MODEL_VERSION_KEY.format(slug)]
    # Kept by this process until Redis says one changed (marketplace.tracked_keys): no round trip.
    found = tracked.get_many(keys + list(also or ()))
    for key in also or ():
        also[key] = found.pop(key, None)
    if keys[0] not in found:
        found[keys[0]] = _versions(keys[:1])[keys[0]]
    if keys[1] not in found:
        found[keys[1]] = _fresh()
        cache.set(keys[1], found[keys[1]], TTL)
    return found[keys[0]], found[keys[1]]


def catalog_generation() -> int:
    """The generation of the whole catalog, from this process's memory while Redis has not said
    it changed (as model_page_versions reads it)."""
    found = tracked.get_many([CATALOG_GENERATION_KEY]).get(CATALOG_GENERATION_KEY)
    return found if found is not None else _versions([CATALOG_GENERATION_KEY])[CATALOG_GENERATION_KEY]


def versioned_key(prefix: str, *parts: Any) -> str:
    """A cache key from a prefix and any parts (versions, filters), hashed to a safe length."""
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()
    return f"catalog:{prefix}:{digest}"


def get_or_build(key: str, build: Callable[[], Any], timeout: int = TTL) -> Any:
    """The cached value under key, or build(), stored."""
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value


def built_once(key: str, build: Callable[[], Any], *, previous: Any = None, timeout: int = TTL) -> Any:
    """build(), stored under key, by one process at a time (single flight): the one that takes the
    lock (a cache.add of REBUILD_LOCK_SECONDS) builds; the others serve `previous` meanwhile, or,
    with nothing to serve, wait for the new value up to the lock's time and then build it themselves.
    A lock outlived by its build expires, so at most one more builder starts per lock time."""
    lock_key, token = f"{key}:building", _fresh()
    if not cache.add(lock_key, token, REBUILD_LOCK_SECONDS):
        if previous is not None:
            return previous
        deadline = time.monotonic() + REBUILD_LOCK_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.05)
            value = cache.get(key)
            if value is not None:
                return value
    try:
        value = build()
        cache.set(key, value, timeout)
        return value
    finally:
        if cache.get(lock_key) == token:  # not a lock another process took after ours expired
            cache.delete(lock_key)


def products_changed_on_commit(product_ids: Iterable[int]) -> None:
    """`products_changed` once the current transaction commits (at once outside one)."""
    from django.db import transaction

    ids = list(product_ids)
    transaction.on_commit(lambda: products_changed(ids))


def seller_products_changed_on_commit(*seller_ids: int) -> None:
    """Sellers' status, rating or score changed: every product they have listings on, after commit
    (one query; a worker's task when more than BULK_INLINE_PRODUCTS, as for a bulk write: a seller
    of 50,000 listings is suspended at once, its boxes follow in seconds)."""
    from django.db import transaction

    def changed():
        from sellers.models import Listing

        products_changed_after_bulk(Listing.objects.filter(seller_id__in=seller_ids)
                                    .values_list("product_id", flat=True).distinct())

    transaction.on_commit(changed)


def listings_changed_on_commit(listing_ids: Iterable[int]) -> None:
    """`products_changed` for the products of these listings (one query), after commit.

    For writers that hold listing ids only: order allocation and release, shipping.
    """
    from django.db import transaction

    ids = list(listing_ids)

    def changed():
        from sellers.models import Listing

        products_changed(Listing.objects.filter(pk__in=ids).values_list("product_id", flat=True).distinct())

    if ids:
        transaction.on_commit(changed)
