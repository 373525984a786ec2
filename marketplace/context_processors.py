"""What every page's layout needs: the category navigation and the cart's item count."""
from django.conf import settings
from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

NAV_CATEGORIES_CACHE_KEY = "layout:nav-categories"


def _nav_categories() -> list[dict]:
    from catalog.models import Category

    categories = cache.get(NAV_CATEGORIES_CACHE_KEY)
    if categories is None:
        categories = [
            {"name": c.name, "url": c.get_absolute_url()}
            for c in Category.objects.filter(parent__isnull=True).only("name", "slug", "position")
        ]
        cache.set(NAV_CATEGORIES_CACHE_KEY, categories, 600)
    return categories


def site(request) -> dict:
    from orders.selectors import cart_item_count

    return {
        "nav_categories": SimpleLazyObject(_nav_categories),
        "cart_item_count": SimpleLazyObject(lambda: cart_item_count(request=request)),
        "PAYMENT_PROVIDER": settings.PAYMENT_PROVIDER,
        "SITE_URL": settings.SITE_URL,
    }
