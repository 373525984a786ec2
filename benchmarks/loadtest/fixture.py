"""The fixture the load test's simulated users read: catalog entries, search words, shoppers with
their sessions, and sellers and integrators with fresh API keys."""
from __future__ import annotations

from datetime import datetime

KEY_NAME = "load test"


def build_fixture(
    *,
    seed: int,
    started_at: datetime,
    api_sellers: int = 10,
    csv_sellers: int = 6,
    integrators: int = 10,
    import_timeout_s: int = 90,
    think_scale: float = 1.0,
) -> dict:
    """What the users need to behave: popular models first, categories with their brands, search
    words, a fresh range of shoppers, and sellers with new API keys (earlier load-test keys are
    revoked)."""
    import random

    from django.db.models import Count, Q

    from benchmarks.big_seller import BIG_SELLER_EMAIL
    from catalog.models import Category, Product, ProductModel
    from marketplace.demo import DEMO_PASSWORD
    from orders.models import SellerOrder
    from sellers.api_auth import api_key_create, api_key_revoke
    from sellers.models import ApiKey, Listing, Seller, buyable_q

    for key in ApiKey.objects.filter(name=KEY_NAME, revoked_at__isnull=True):
        api_key_revoke(api_key=key)
    buyable = Count("products__listings", filter=buyable_q("products__listings__"))
    models = list(
        ProductModel.objects.annotate(offers=buyable)
        .filter(offers__gt=0)
        .order_by("-offers", "pk")
        .values("pk", "slug", "name", "brand__name")[:600]
    )
    variants: dict[int, list[str]] = {}
    for model_id, slug in (
        Product.objects.filter(model_id__in=[m["pk"] for m in models], listings__in=Listing.objects.buyable())
        .distinct()
        .order_by("model_id", "pk")
        .values_list("model_id", "slug")
    ):
        variants.setdefault(model_id, []).append(slug)
    categories = []
    for category in Category.objects.annotate(n=Count("models")).order_by("-n", "pk"):
        brands = list(
            ProductModel.objects.filter(Q(category=category) | Q(category__parent=category))
            .values("brand__slug")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .values_list("brand__slug", flat=True)[:6]
        )
        if brands:
            categories.append({"slug": category.slug, "brands": brands})
    searches = list(
        dict.fromkeys(
            [*(m["name"].lower() for m in models[:300]), *(m["brand__name"].lower() for m in models[:300])]
        )
    )

    sellers = Seller.objects.filter(status=Seller.Status.APPROVED)
    by_listings = list(sellers.annotate(n=Count("listings")).order_by("-n", "pk"))
    big = [s for s in by_listings if s.members.filter(user__email=BIG_SELLER_EMAIL).exists()]
    others = [s for s in by_listings if s not in big]
    by_orders = list(
        sellers.annotate(
            n=Count("seller_orders", filter=Q(seller_orders__state=SellerOrder.State.PAID))
        ).order_by("-n", "pk")[:integrators]
    )

    def owner_email(seller) -> str:
        return seller.members.order_by("pk").values_list("user__email", flat=True).first()

    def with_key(seller) -> dict:
        _key, raw = api_key_create(seller=seller, name=KEY_NAME)
        return {"seller": seller.slug, "api_key": raw}

    rng = random.Random(seed)
    csv_accounts = []
    for seller in (big + others)[:csv_sellers]:
        skus = list(seller.listings.filter(archived_at__isnull=True).values_list("sku", flat=True)[:20_000])
        csv_accounts.append(
            {
                "seller": seller.slug,
                "email": owner_email(seller),
                "skus": rng.sample(skus, min(len(skus), 5_000)),
            }
        )
    return {
        "seed": seed,
        "started_at": started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "password": DEMO_PASSWORD,
        "import_timeout_s": import_timeout_s,
        "think_scale": think_scale,
        "models": [{"slug": m["slug"], "variants": variants.get(m["pk"], [])[:5]} for m in models],
        "categories": categories,
        "searches": searches,
        "shoppers": shoppers_fixture(rng),
        "api_sellers": [with_key(s) for s in others[csv_sellers : csv_sellers + api_sellers]],
        "csv_sellers": csv_accounts,
        "integrators": [with_key(s) for s in by_orders],
    }


def shoppers_fixture(rng, *, remembered: int = 300, by_password: int = 2_000) -> dict:
    """Two ranges of shoppers this run starts from (so one run's carts are not the next one's):
    returning shoppers whose browser kept a session (made here, as logging in would), and shoppers
    who type their password."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    shoppers = (
        get_user_model().objects.filter(email__startswith="shopper", email__endswith="@bench.test").count()
    )
    remembered, by_password = min(remembered, shoppers // 3), min(by_password, shoppers // 2)
    first = rng.randrange(0, shoppers - remembered - by_password + 1)
    emails = [f"shopper{i}@bench.test" for i in range(first, first + remembered)]
    sessions = []
    for user in get_user_model().objects.filter(email__in=emails).order_by("pk"):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        sessions.append({"email": user.email, "key": client.cookies[settings.SESSION_COOKIE_NAME].value})
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "sessions": sessions,
        "remembered_share": 1 / 3,
        "email": "shopper{}@bench.test",
        "first": first + remembered,
        "count": by_password,
        "login_share": 1 / 20,
    }
