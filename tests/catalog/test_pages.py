"""Home, category (filters, sorts, pagination), search, product page, SEO, and their query counts."""
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Grade
from catalog.services import product_models_refresh_search
from sellers.models import Seller
from tests.factories import (
    BrandFactory,
    CategoryFactory,
    ListingFactory,
    ProductFactory,
    ProductModelFactory,
    SellerFactory,
)

pytestmark = pytest.mark.django_db
MAX_QUERIES = 12


def titles(response) -> list[str]:
    return [m.name for m in response.context["models"]]


@pytest.fixture
def phones():
    """Three phones in Smartphones › iPhone / Android, with offers in chosen grades and variants."""
    smartphones = CategoryFactory(name="Smartphones", slug="smartphones")
    iphone = CategoryFactory(name="iPhone", slug="iphone", parent=smartphones)
    apple, samsung = BrandFactory(name="Apple", slug="apple"), BrandFactory(name="Samsung", slug="samsung")
    cheap = ProductModelFactory(name="iPhone 11", slug="iphone-11", brand=apple, category=iphone,
                                reference_price_new=Decimal("700"), release_year=2019)
    pricey = ProductModelFactory(name="Galaxy S23", slug="galaxy-s23", brand=samsung, category=smartphones,
                                 reference_price_new=Decimal("1000"), release_year=2023)
    empty = ProductModelFactory(name="Galaxy S20", slug="galaxy-s20", brand=samsung, category=smartphones,
                                reference_price_new=Decimal("800"), release_year=2020)
    p11 = ProductFactory(model=cheap, storage_gb=64, colour="Black")
    ProductFactory(model=cheap, storage_gb=128, colour="White")
    s23 = ProductFactory(model=pricey, storage_gb=256, colour="Cream")
    ProductFactory(model=empty, storage_gb=128, colour="Black")
    ListingFactory(product=p11, grade=Grade.GOOD, price=Decimal("350.00"))
    ListingFactory(product=s23, grade=Grade.EXCELLENT, price=Decimal("500.00"))
    ListingFactory(product=s23, grade=Grade.FAIR, price=Decimal("380.00"))
    product_models_refresh_search()
    return {"category": smartphones, "cheap": cheap, "pricey": pricey, "empty": empty}


def category_url(**params):
    return reverse("catalog:category", kwargs={"slug": "smartphones"})


def test_category_lists_models_of_its_subcategories_with_from_price_and_saving(client, phones):
    response = client.get(category_url(), {"sort": "price"})
    assert titles(response) == ["iPhone 11", "Galaxy S23", "Galaxy S20"]  # out of stock last
    by_name = {m.name: m for m in response.context["models"]}
    assert by_name["Galaxy S23"].from_price == Decimal("380.00")
    assert by_name["Galaxy S23"].saving_percent == 62
    assert by_name["Galaxy S20"].from_price is None
    assert "Out of stock" in response.content.decode()


@pytest.mark.parametrize(("params", "expected"), [
    ({"brand": "apple"}, ["iPhone 11"]),
    ({"brand": ["apple", "samsung"], "in_stock": "on"}, ["Galaxy S23", "iPhone 11"]),
    ({"grade": "excellent", "in_stock": "on"}, ["Galaxy S23"]),
    ({"storage": "64", "in_stock": "on"}, ["iPhone 11"]),
    ({"colour": "Cream"}, ["Galaxy S23"]),
    ({"price_min": "360", "price_max": "400"}, ["Galaxy S23"]),
    ({"price_max": "360"}, ["iPhone 11"]),
    ({"in_stock": "on", "sort": "price_desc"}, ["Galaxy S23", "iPhone 11"]),
    ({"in_stock": "on", "sort": "saving"}, ["Galaxy S23", "iPhone 11"]),
    ({"sort": "newest"}, ["Galaxy S23", "Galaxy S20", "iPhone 11"]),
    ({"sort": "popular"}, ["Galaxy S23", "iPhone 11", "Galaxy S20"]),
])
def test_category_filters_and_sorts(client, phones, params, expected):
    assert titles(client.get(category_url(), params)) == expected


def test_grade_filter_prices_cards_at_that_grade(client, phones):
    response = client.get(category_url(), {"grade": "excellent", "in_stock": "on"})
    assert response.context["models"][0].from_price == Decimal("500.00")


def test_bad_filter_values_are_ignored_with_a_message_not_an_error(client, phones):
    response = client.get(category_url(), {"price_min": "abc", "price_max": "10", "grade": "mint",
                                          "brand": "nokia", "sort": "random"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert titles(response) == []  # price_max=10 is valid and still applies
    response = client.get(category_url(), {"price_min": "500", "price_max": "100"})
    assert "The maximum price must be at least the minimum price." in response.content.decode()


def test_category_pagination_keeps_filters_in_links(client, catalog_factory):
    catalog_factory(models=30)
    response = client.get(reverse("catalog:category", kwargs={"slug": "smartphones"}),
                          {"in_stock": "on", "sort": "price"})
    assert len(response.context["models"]) == 24
    assert 'href="?in_stock=on&amp;sort=price&amp;page=2"' in response.content.decode()
    second = client.get(reverse("catalog:category", kwargs={"slug": "smartphones"}),
                        {"in_stock": "on", "sort": "price", "page": 2})
    assert len(second.context["models"]) == 6


def test_htmx_filter_request_returns_only_the_results(client, phones):
    response = client.get(category_url(), {"brand": "apple"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "iPhone 11" in html and "Galaxy" not in html


def test_unknown_category_and_model_are_404(client, phones):
    assert client.get(reverse("catalog:category", kwargs={"slug": "nope"})).status_code == 404
    assert client.get(reverse("catalog:model", kwargs={"slug": "nope"})).status_code == 404
    phones["cheap"].is_published = False
    phones["cheap"].save()
    assert client.get(phones["cheap"].get_absolute_url()).status_code == 404


def test_home_shows_categories_deals_and_popular_models(client, phones):
    response = client.get(reverse("catalog:home"))
    html = response.content.decode()
    assert "Smartphones" in html and "iPhone" in html
    assert [m.name for m in response.context["deals"]] == ["Galaxy S23", "iPhone 11"]  # 62 % then 50 %


def test_product_page_grades_show_best_price_or_out_of_stock(client, phones):
    s23 = phones["pricey"].products.get()
    response = client.get(phones["pricey"].get_absolute_url(), {"variant": s23.slug, "grade": "premium"})
    page = response.context["page"]
    assert [(g.grade, g.price) for g in page.grades] == [
        ("premium", None), ("excellent", Decimal("500.00")), ("good", None), ("fair", Decimal("380.00"))]
    assert page.buy_box is None
    html = response.content.decode()
    assert "Out of stock in Premium condition" in html
    assert "Add to cart" not in html


def test_product_page_without_a_picture_says_so_instead_of_an_empty_box(client, phones):
    html = client.get(phones["pricey"].get_absolute_url()).content.decode()
    assert 'class="product-main-image product-no-image"' in html and "No picture yet" in html
    assert "<img class=\"product-main-image\"" not in html


def test_product_page_defaults_to_excellent_and_variant_links_keep_the_grade(client, phones):
    response = client.get(phones["pricey"].get_absolute_url())
    assert response.context["page"].grade == "excellent"
    assert response.context["page"].buy_box.price == Decimal("500.00")
    cheap = client.get(phones["cheap"].get_absolute_url(), {"grade": "good"})
    page = cheap.context["page"]
    assert page.variant.storage_gb == 64  # the variant with an offer
    storage = next(d for d in page.dimensions if d.key == "storage")
    assert [(c.label, c.price) for c in storage.choices] == [
        ("64 GB", Decimal("350.00")), ("128 GB", None)]
    assert all(c.url.endswith("&grade=good") for c in storage.choices)


def test_product_page_seo_canonical_description_and_json_ld(client, phones):
    response = client.get(phones["pricey"].get_absolute_url(), {"grade": "fair"})
    html = response.content.decode()
    assert '<link rel="canonical" href="http://testserver/p/galaxy-s23/">' in html
    assert re.search(r'<meta name="description" content="Refurbished Samsung Galaxy S23 from €380.00', html)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Product" and data["brand"]["name"] == "Samsung"
    assert data["offers"] == {"@type": "AggregateOffer", "priceCurrency": "EUR", "lowPrice": "380.00",
                              "highPrice": "500.00", "offerCount": 2,
                              "availability": "https://schema.org/InStock"}


def test_json_ld_cannot_break_out_of_its_script(client, phones):
    phones["pricey"].description = "</script><script>alert(1)</script>"
    phones["pricey"].save()
    html = client.get(phones["pricey"].get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html


def test_sitemap_lists_categories_and_published_models(client, phones):
    phones["empty"].is_published = False
    phones["empty"].save()
    response = client.get("/sitemap.xml")
    xml = response.content.decode()
    assert response.status_code == 200
    assert "/c/smartphones/" in xml and "/c/iphone/" in xml and "/p/iphone-11/" in xml
    assert "/p/galaxy-s20/" not in xml


def test_suggestions_are_a_fragment_of_links(client, phones):
    response = client.get(reverse("catalog:suggest"), {"q": "galax"})
    html = response.content.decode()
    assert "<html" not in html
    assert 'href="/p/galaxy-s23/"' in html and 'href="/search/?q=galax"' in html
    assert client.get(reverse("catalog:suggest"), {"q": "g"}).content.decode().strip() == ""


# --- Query counts: the same bound with 3 and with 30 models (each with variants and offers) -----
def _pages(catalog):
    model = catalog["models"][1]
    return [
        reverse("catalog:home"),
        reverse("catalog:category", kwargs={"slug": catalog["category"].slug}),
        reverse("catalog:category", kwargs={"slug": catalog["category"].slug})
        + f"?brand={catalog['brands'][0].slug}&grade=good&storage=128&colour=Black&in_stock=on"
          "&price_min=1&price_max=5000&sort=saving",
        reverse("catalog:search") + "?q=model",
        reverse("catalog:suggest") + "?q=model",
        model.get_absolute_url(),
        model.get_absolute_url() + f"?variant={catalog['products'][4].slug}&grade=fair",
    ]


@pytest.mark.parametrize("size", [3, 30])
def test_pages_issue_a_fixed_number_of_queries(client, catalog_factory, django_assert_max_num_queries, size):
    catalog = catalog_factory(models=size, variants=3, sellers=4)
    for url in _pages(catalog):
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(url)
        assert response.status_code == 200, url


def test_query_counts_do_not_grow_with_data(client, catalog_factory, django_assert_num_queries):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts(catalog):
        # Cold pages: the fixture writes with bulk_create, which no cache invalidation sees.
        cache.clear()
        result = []
        for url in _pages(catalog):
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            result.append(len(ctx.captured_queries))
        return result

    small = counts(catalog_factory(models=3, variants=2, sellers=2))
    large = counts(catalog_factory(models=30, variants=4, sellers=6,
                                   category=CategoryFactory(name="Laptops", slug="laptops")))
    assert small == large


def test_suspended_seller_offer_does_not_count_for_from_price(client, phones):
    s23 = phones["pricey"].products.get()
    ListingFactory(product=s23, grade=Grade.GOOD, price=Decimal("10.00"),
                   seller=SellerFactory(status=Seller.Status.SUSPENDED))
    response = client.get(category_url(), {"brand": "samsung", "in_stock": "on"})
    assert response.context["models"][0].from_price == Decimal("380.00")
