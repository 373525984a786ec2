"""The shopper pages' Redis cache: every write that changes what a shopper sees is visible on the
very next request while the cache is warm, and a warm cache saves queries."""
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import cache as catalog_cache
from catalog.models import Category, Grade
from catalog.services import product_models_refresh_search
from orders import services as order_services
from sellers import services as seller_services
from sellers.models import Listing, Seller
from sellers.stock_sync import RowInput, listings_apply_bulk
from tests.factories import (
    CategoryFactory,
    ListingFactory,
    ProductFactory,
    ProductModelFactory,
    SellerFactory,
    UserFactory,
)
from tests.orders.conftest import ADDRESS, make_cart

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    """One model with two variants; on the first, a cheap and a dearer Excellent offer."""
    category = CategoryFactory(name="Phones", slug="phones")
    # Price new 700: the €199 the tests set passes the guard on mistaken prices (a quarter of it).
    model = ProductModelFactory(category=category, name="Pixel 8", slug="pixel-8",
                                reference_price_new=Decimal("700.00"))
    black = ProductFactory(model=model, slug="pixel-8-128-black", colour="Black")
    white = ProductFactory(model=model, slug="pixel-8-128-white", colour="White")
    cheap = ListingFactory(product=black, grade=Grade.EXCELLENT, price=Decimal("300.00"), quantity=2,
                           seller=SellerFactory(name="Cheap Lab", rating=Decimal("4.0")))
    dear = ListingFactory(product=black, grade=Grade.EXCELLENT, price=Decimal("350.00"), quantity=5,
                          seller=SellerFactory(name="Dear Lab", rating=Decimal("4.5")))
    ListingFactory(product=white, grade=Grade.GOOD, price=Decimal("280.00"))
    product_models_refresh_search(model_ids=[model.pk])
    return {"category": category, "model": model, "black": black, "white": white, "cheap": cheap,
            "dear": dear}


def product_url(shop) -> str:
    return reverse("catalog:model", kwargs={"slug": "pixel-8"}) + "?variant=pixel-8-128-black&grade=excellent"


def served_page(response):
    """The product page's data behind a response: its template's context, or for a page served
    from a shell (an anonymous reader's, marketplace/layout.py) the data read the way the view
    reads it, under the versions of this moment."""
    if response.context is not None and "page" in response.context:
        return response.context["page"]
    from catalog import selectors

    request = response.wsgi_request
    return selectors.model_page(slug=request.resolver_match.kwargs["slug"],
                                variant_slug=request.GET.get("variant"), grade=request.GET.get("grade"))


def category_url(shop) -> str:
    return reverse("catalog:category", kwargs={"slug": "phones"})


def warm(client, shop):
    """Requests every page twice, so the second answers come from the cache."""
    for _ in range(2):
        for url in (product_url(shop), category_url(shop), reverse("catalog:home"),
                    reverse("catalog:search") + "?q=pixel"):
            assert client.get(url).status_code == 200


def buy_box(client, shop):
    response = client.get(product_url(shop))
    return served_page(response).buy_box, response.content.decode()


def card_price(client, shop, url=None) -> Decimal | None:
    response = client.get(url or category_url(shop))
    (card,) = response.context["models"]
    return card.from_price


def test_warm_product_page_issues_fewer_queries_than_cold(client, shop):
    url = product_url(shop)
    with CaptureQueriesContext(connection) as cold:
        client.get(url)
    with CaptureQueriesContext(connection) as warm_:
        response = client.get(url)
    assert served_page(response).buy_box == shop["cheap"]
    cold_tables = " ".join(q["sql"] for q in cold.captured_queries)
    warm_tables = " ".join(q["sql"] for q in warm_.captured_queries)
    assert "sellers_listing" in cold_tables and "sellers_listing" not in warm_tables
    assert len(warm_.captured_queries) < len(cold.captured_queries)


def test_warm_category_page_issues_no_catalog_queries(client, shop):
    client.get(category_url(shop))
    with CaptureQueriesContext(connection) as warm_:
        client.get(category_url(shop))
    assert not [q for q in warm_.captured_queries if "catalog_" in q["sql"] or "sellers_" in q["sql"]]


def test_price_change_is_visible_at_once(client, shop, django_capture_on_commit_callbacks):
    warm(client, shop)
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.listing_update(listing=shop["cheap"], price="299.00")
    offer, html = buy_box(client, shop)
    assert offer.price == Decimal("299.00")
    assert card_price(client, shop) == Decimal("280.00")  # the white one's Good offer is cheaper
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.listing_update(listing=shop["cheap"], price="199.00")
    assert card_price(client, shop) == Decimal("199.00")
    assert card_price(client, shop, reverse("catalog:search") + "?q=pixel") == Decimal("199.00")
    home = client.get(reverse("catalog:home")).context
    assert [m.from_price for m in home["deals"] + home["popular"]] == [Decimal("199.00")]


def test_quantity_to_zero_takes_the_offer_off_at_once(client, shop, django_capture_on_commit_callbacks):
    warm(client, shop)
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.listing_update(listing=shop["cheap"], quantity=0)
    offer, html = buy_box(client, shop)
    assert offer == shop["dear"] and "Dear Lab" in html and "Cheap Lab" not in html


def test_allocation_by_an_order_and_its_release_are_visible_at_once(
        client, shop, django_capture_on_commit_callbacks):
    warm(client, shop)
    offer, html = buy_box(client, shop)
    assert offer.available == 2
    with django_capture_on_commit_callbacks(execute=True):
        order = order_services.order_place(cart=make_cart(lines=[(shop["cheap"], 1)]),
                                           email="a@example.test", address=ADDRESS)
    offer, html = buy_box(client, shop)
    assert offer == shop["cheap"] and offer.available == 1 and "Only 1 left" in html

    with django_capture_on_commit_callbacks(execute=True):
        make_cart_order = order_services.order_place(cart=make_cart(lines=[(shop["cheap"], 1)]),
                                                     email="b@example.test", address=ADDRESS)
    assert buy_box(client, shop)[0] == shop["dear"]  # the last unit is allocated: sold out

    with django_capture_on_commit_callbacks(execute=True):
        order_services.order_release(order=make_cart_order, reason="expired")
    offer, _ = buy_box(client, shop)
    assert offer == shop["cheap"] and offer.available == 1
    assert order.pk


@pytest.mark.parametrize("how", ["paused", "archived"])
def test_paused_or_archived_listing_leaves_at_once(client, shop, how, django_capture_on_commit_callbacks):
    warm(client, shop)
    with django_capture_on_commit_callbacks(execute=True):
        if how == "paused":
            seller_services.listing_update(listing=shop["cheap"], is_active=False)
        else:
            seller_services.listing_archive(listing=shop["cheap"])
    assert buy_box(client, shop)[0] == shop["dear"]
    assert card_price(client, shop) == Decimal("280.00")


def test_new_listing_is_visible_at_once(client, shop, django_capture_on_commit_callbacks):
    warm(client, shop)
    with django_capture_on_commit_callbacks(execute=True):
        listing = seller_services.listing_create(
            seller=shop["dear"].seller, product=shop["black"], grade=Grade.EXCELLENT, sku="NEW-1",
            price="250.00", quantity=1)
    assert buy_box(client, shop)[0] == listing
    assert card_price(client, shop) == Decimal("250.00")


def test_suspended_seller_leaves_and_reinstated_comes_back_at_once(
        client, shop, django_capture_on_commit_callbacks):
    warm(client, shop)
    seller = shop["cheap"].seller
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.seller_suspend(seller=seller, reason="checks")
    offer, html = buy_box(client, shop)
    assert offer == shop["dear"] and "Cheap Lab" not in html
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.seller_reinstate(seller=Seller.objects.get(pk=seller.pk))
    assert buy_box(client, shop)[0] == shop["cheap"]


def test_bulk_stock_change_is_visible_at_once(client, shop, django_capture_on_commit_callbacks):
    """The CSV import and the bulk API both apply their rows through listings_apply_bulk."""
    warm(client, shop)
    cheap = shop["cheap"]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        results = listings_apply_bulk(seller=cheap.seller, allow_create=False, rows=[
            RowInput(key=1, sku=cheap.sku, price=Decimal("199.00"), quantity=4)])
    assert [r.status for r in results] == ["updated"]
    offer, html = buy_box(client, shop)
    assert offer.price == Decimal("199.00") and offer.available == 4
    assert card_price(client, shop) == Decimal("199.00")


def _admin_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def test_product_edited_in_the_admin_is_visible_at_once(client, shop, django_capture_on_commit_callbacks):
    warm(client, shop)
    black = shop["black"]
    admin = _admin_client(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("admin:catalog_product_change", args=[black.pk]), {
            "model": black.model_id, "slug": black.slug, "reference": black.reference,
            "storage_gb": 128, "colour": "Obsidian", "connectivity": "", "attributes": "{}",
            "is_active": "on",
        })
    assert response.status_code == 302, response.content.decode()[:2000]
    page = served_page(client.get(product_url(shop)))
    assert page.variant.colour == "Obsidian" and page.buy_box == shop["cheap"]
    assert "Obsidian" in [choice.label for choice in page.dimensions[0].choices]


def test_listing_edited_in_the_admin_is_visible_at_once(client, shop, django_capture_on_commit_callbacks):
    warm(client, shop)
    cheap = shop["cheap"]
    admin = _admin_client(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("admin:sellers_listing_change", args=[cheap.pk]), {
            "seller": cheap.seller_id, "product": cheap.product_id, "grade": cheap.grade,
            "sku": cheap.sku, "price": "500.00", "quantity": 2, "warranty_months": 12,
            "is_active": "on",
        })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert buy_box(client, shop)[0] == shop["dear"]
    assert Listing.objects.get(pk=cheap.pk).price == Decimal("500.00")


def test_category_edit_in_the_admin_refreshes_nav_and_tree(client, shop, django_capture_on_commit_callbacks):
    warm(client, shop)
    assert "Phones" in client.get(reverse("catalog:home")).content.decode()
    admin = _admin_client(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("admin:catalog_category_change", args=[shop["category"].pk]), {
            # The admin edits each language's name (modeltranslation): English is the required one.
            "name_en": "Mobile phones", "name_fr": "", "name_es": "", "slug": "phones", "parent": "",
            "description_en": "", "description_fr": "", "description_es": "", "position": 0,
        })
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    response = client.get(reverse("catalog:home"))
    assert response.context["nav_categories"][0]["name"] == "Mobile phones"
    assert [c.name for c in served_page(client.get(product_url(shop))).ancestors] == ["Mobile phones"]
    assert client.get(category_url(shop)).context["category"].name == "Mobile phones"


def test_category_added_outside_the_admin_is_found(client, shop):
    warm(client, shop)
    child = Category.objects.create(name="Foldables", slug="foldables", parent=shop["category"])
    ProductModelFactory(category=child, name="Fold 5", slug="fold-5")
    assert client.get(reverse("catalog:category", kwargs={"slug": "foldables"})).status_code == 200
    assert client.get(reverse("catalog:category", kwargs={"slug": "nowhere"})).status_code == 404


def test_change_to_one_product_keeps_other_categories_cached(shop, django_capture_on_commit_callbacks):
    other = CategoryFactory(name="Laptops", slug="laptops")
    before_other = catalog_cache.category_versions([other.pk])
    before_phones = catalog_cache.category_versions([shop["category"].pk])
    before_white = catalog_cache.product_versions([shop["white"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.listing_update(listing=shop["cheap"], price="301.00")
    assert catalog_cache.category_versions([other.pk]) == before_other
    assert catalog_cache.category_versions([shop["category"].pk]) != before_phones
    assert catalog_cache.product_versions([shop["white"].pk]) == before_white


def test_lost_version_keys_never_bring_back_an_older_value(client, shop):
    """A flushed or evicted version key gets a fresh value, never one a cached entry used."""
    first = catalog_cache.product_versions([shop["black"].pk])
    from django.core.cache import cache

    cache.delete(catalog_cache.VERSION_KEY.format(shop["black"].pk))
    assert catalog_cache.product_versions([shop["black"].pk]) != first


def test_stock_given_back_by_a_refused_seller_order_is_visible_at_once(
        client, shop, django_capture_on_commit_callbacks):
    from orders import fulfilment
    from tests.orders.fulfil_support import paid_order

    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(lines=[(shop["cheap"], 2)])
    warm(client, shop)
    assert buy_box(client, shop)[0] == shop["dear"]  # both cheap units are sold
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.seller_order_refuse(seller_order=order.seller_orders.get(), reason="Found a fault")
    offer, html = buy_box(client, shop)
    assert offer == shop["cheap"] and offer.available == 2 and "Cheap Lab" in html
