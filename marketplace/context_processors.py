"""What every page's layout needs: the category navigation, the cart's item count, the search box's
query and the path the language form returns to."""
from django.conf import settings
from django.core.cache import cache
from django.utils.functional import SimpleLazyObject


def _nav_categories() -> list[dict]:
    # Dropped by catalog.cache.categories_changed on every category edit; the TTL is a safety net.
    from django.utils.translation import get_language

    from catalog.cache import NAV_CATEGORIES_KEY, TREE_TTL, category_tree

    key = f"{NAV_CATEGORIES_KEY}:{get_language()}"  # the names are in the reader's language
    categories = cache.get(key)
    if categories is None:
        categories = [{"name": c.name, "url": c.get_absolute_url()} for c in category_tree().children(None)]
        cache.set(key, categories, TREE_TTL)
    return categories


def site(request) -> dict:
    from orders.selectors import cart_item_count

    return {
        "nav_categories": SimpleLazyObject(_nav_categories),
        "cart_item_count": SimpleLazyObject(lambda: cart_item_count(request=request)),
        # The reader's own parts of the layout, named so that a page shell can stand in for them
        # (marketplace/layout.py).
        "search_query": request.GET.get("q", ""),
        "current_path": request.get_full_path(),
        "PAYMENT_PROVIDER": settings.PAYMENT_PROVIDER,
        "SITE_URL": settings.SITE_URL,
    }
