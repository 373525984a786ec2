"""Cache invalidation for what shoppers read far more than sellers write.

Every cached value that depends on a product's offers is keyed with that product's version;
`products_changed` bumps the versions, so the very next request misses and reads fresh data.
Writers call it after commit: listing services, bulk stock sync, seller status changes and
catalog edits.
"""
from collections.abc import Iterable

from django.core.cache import cache

VERSION_KEY = "catalog:product-version:{}"


def product_versions(product_ids: Iterable[int]) -> dict[int, int]:
    """The current version of each product (1 for a product never changed since the cache emptied)."""
    ids = list(product_ids)
    found = cache.get_many([VERSION_KEY.format(pk) for pk in ids])
    return {pk: found.get(VERSION_KEY.format(pk), 1) for pk in ids}


def products_changed(product_ids: Iterable[int]) -> None:
    """Invalidates every cached value that depends on these products' offers."""
    for pk in set(product_ids):
        key = VERSION_KEY.format(pk)
        try:
            cache.incr(key)
        except ValueError:  # not cached yet: start above the implicit version 1
            cache.set(key, 2, timeout=None)
