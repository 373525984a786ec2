"""Search on PostgreSQL: full text over models, brands, categories and specs, ranking, typo tolerance."""
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from catalog.models import ProductModel
from catalog.selectors import search_models
from catalog.services import product_models_refresh_search
from tests.factories import BrandFactory, CategoryFactory, ListingFactory, ProductFactory, ProductModelFactory

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL search")]


@pytest.fixture
def catalog():
    phones = CategoryFactory(name="Smartphones", slug="smartphones")
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    apple, samsung = BrandFactory(name="Apple", slug="apple"), BrandFactory(name="Samsung", slug="samsung")
    models = {}
    for name, brand, category, specs in [
        ("iPhone 13", apple, phones, {"Chip": "A15 Bionic"}),
        ("iPhone 13 Pro", apple, phones, {"Chip": "A15 Bionic"}),
        ("iPhone 12", apple, phones, {"Chip": "A14 Bionic"}),
        ("Galaxy S22", samsung, phones, {"Screen": "AMOLED"}),
        ("MacBook Air M1", apple, laptops, {"Chip": "Apple M1"}),
    ]:
        model = ProductModelFactory(name=name, brand=brand, category=category, specs=specs,
                                    slug=name.lower().replace(" ", "-"))
        ListingFactory(product=ProductFactory(model=model, colour="Midnight" if "13" in name else "Black"),
                       price=Decimal("300"))
        models[name] = model
    product_models_refresh_search()
    return models


def names(query):
    return [m.name for m in search_models(query=query)]


def test_exact_model_ranks_first(catalog):
    assert names("iphone 13")[:2] == ["iPhone 13", "iPhone 13 Pro"]


def test_typos_still_find_the_device(catalog):
    assert names("iphnoe 13")[0] == "iPhone 13"
    assert names("galxy s22")[0] == "Galaxy S22"
    assert names("macbok air")[0] == "MacBook Air M1"


def test_brand_category_specs_and_variants_are_searchable(catalog):
    assert set(names("samsung")) == {"Galaxy S22"}
    assert set(names("laptops")) == {"MacBook Air M1"}
    assert set(names("a15 bionic")) == {"iPhone 13", "iPhone 13 Pro"}
    assert set(names("midnight")) == {"iPhone 13", "iPhone 13 Pro"}


def test_last_word_matches_as_a_prefix_while_typing(catalog):
    assert names("galax") == ["Galaxy S22"]


def test_unrelated_words_and_punctuation_find_nothing_without_error(catalog):
    assert names("toaster") == []
    assert names("'\"):*&|!") == []


def test_search_page_renders_ranked_cards(client, catalog):
    response = client.get(reverse("catalog:search"), {"q": "iphnoe 13"})
    assert response.status_code == 200
    assert [m.name for m in response.context["models"]][0] == "iPhone 13"
    assert 'name="robots" content="noindex, follow"' in response.content.decode()


def test_admin_edits_update_the_search_at_once(client, catalog):
    staff = get_user_model().objects.create_superuser("staff@example.test", "staff@example.test",
                                                      "pw-12345-x")
    client.force_login(staff)
    brand = catalog["Galaxy S22"].brand
    response = client.post(reverse("admin:catalog_brand_change", args=[brand.pk]),
                           {"name": "Samsang Electronics", "slug": brand.slug})
    assert response.status_code == 302
    assert names("samsang electronics") == ["Galaxy S22"]

    model = catalog["iPhone 12"]
    data = {
        "brand": model.brand_id, "category": model.category_id, "name": "iPhone 12 Renamed",
        "slug": model.slug, "description": "", "specs": "{}", "release_year": "2020",
        "reference_price_new": "800.00", "is_published": "on",
        "images-TOTAL_FORMS": "0", "images-INITIAL_FORMS": "0",
        "products-TOTAL_FORMS": "1", "products-INITIAL_FORMS": "1",
        "products-0-id": model.products.get().pk, "products-0-model": model.pk,
        "products-0-slug": model.products.get().slug, "products-0-reference": model.products.get().reference,
        "products-0-storage_gb": "512", "products-0-colour": "Sierra Blue", "products-0-is_active": "on",
    }
    response = client.post(reverse("admin:catalog_productmodel_change", args=[model.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert names("renamed") == ["iPhone 12 Renamed"]
    assert names("sierra blue") == ["iPhone 12 Renamed"]
    assert ProductModel.objects.get(pk=model.pk).search_title == "Apple iPhone 12 Renamed"
