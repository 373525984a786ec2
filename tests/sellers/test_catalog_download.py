"""The catalog a seller downloads to map its SKUs: the back office's CSV (streamed, formula-safe) and
GET /api/v1/products (keyset paging, stable under writes), each product with its reference, model,
variant and per grade the best price and offer count — one aggregate query per page."""
import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Grade, Product
from sellers.catalog_download import CATALOG_COLUMNS, catalog_rows
from sellers.models import Seller
from tests.factories import (
    ListingFactory,
    ProductFactory,
    ProductModelFactory,
    SellerFactory,
    SellerMemberFactory,
)
from tests.sellers.factories_stock import api_key_for, bearer

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def member(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    return member


@pytest.fixture
def key(member):
    return api_key_for(member.seller)


@pytest.fixture
def offers():
    """An iPhone 13 128 GB with three buyable excellent offers and one of each kind that does not
    count (paused, out of stock, suspended seller), and a good offer."""
    product = ProductFactory(model__name="iPhone 13", model__brand__name="Apple", reference="0194252707272",
                             storage_gb=128, colour="Midnight", connectivity="Unlocked")
    for price in ("429.00", "399.00", "455.50"):
        ListingFactory(product=product, grade=Grade.EXCELLENT, price=Decimal(price))
    ListingFactory(product=product, grade=Grade.EXCELLENT, price=Decimal("199.00"), is_active=False)
    ListingFactory(product=product, grade=Grade.EXCELLENT, price=Decimal("199.00"), quantity=0)
    ListingFactory(product=product, grade=Grade.EXCELLENT, price=Decimal("199.00"),
                   seller=SellerFactory(status=Seller.Status.SUSPENDED))
    ListingFactory(product=product, grade=Grade.GOOD, price=Decimal("349.00"))
    return product


def _products(model, count: int) -> list[Product]:
    return Product.objects.bulk_create([Product(model=model, slug=f"p-{index}", reference=f"REF-{index}A",
                                                storage_gb=64) for index in range(count)])


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# --- CSV --------------------------------------------------------------------------------------------
def test_the_catalog_csv_gives_each_grades_best_buyable_price_and_offer_count(client, member, offers):
    response = client.get(reverse("sellers:catalog_export"))
    assert response.streaming and response["Content-Disposition"] == 'attachment; filename="catalog.csv"'
    [row] = _csv(response)
    assert list(row) == list(CATALOG_COLUMNS)
    assert (row["product_reference"], row["ean"], row["brand"], row["model"], row["storage_gb"],
            row["colour"], row["connectivity"]) == ("0194252707272", "0194252707272", "Apple", "iPhone 13",
                                                    "128", "Midnight", "Unlocked")
    assert (row["excellent_best_price"], row["excellent_offers"]) == ("399.00", "3")
    assert (row["good_best_price"], row["good_offers"]) == ("349.00", "1")
    assert (row["premium_best_price"], row["premium_offers"]) == ("", "0")


def test_the_catalog_csv_is_formula_safe_and_leaves_out_what_cannot_be_listed(client, member):
    ProductFactory(model__name="=HYPERLINK(\"http://evil\")", reference="MPN-1A")
    ProductFactory(reference="HIDDEN-1", is_active=False)
    ProductFactory(reference="HIDDEN-2", model__is_published=False)
    rows = _csv(client.get(reverse("sellers:catalog_export")))
    assert [row["product_reference"] for row in rows] == ["MPN-1A"]
    assert rows[0]["model"].startswith("'=") and rows[0]["ean"] == ""


def test_the_catalog_streams_with_two_queries_per_chunk_whatever_the_offers(django_assert_num_queries):
    model = ProductModelFactory()
    products = _products(model, 25)
    for product in products[:10]:
        ListingFactory(product=product)
    # 25 products by 10: 3 chunks of (products, aggregate) and the empty read that ends the walk.
    with django_assert_num_queries(7):
        rows = list(catalog_rows(chunk=10))
    assert len(rows) == 26
    assert [row[0] for row in rows[1:]] == [p.reference for p in products]


def test_the_catalog_csv_needs_a_seller(client, user):
    client.force_login(user)
    assert client.get(reverse("sellers:catalog_export")).status_code == 302


# --- API ----------------------------------------------------------------------------------------
def test_the_api_lists_products_with_each_grades_figures(client, key, offers):
    body = client.get(f"{API}/products", **bearer(key)).json()
    [item] = body["items"]
    assert (body["count"], body["has_more"], body["next_cursor"]) == (1, False, str(offers.pk))
    assert {k: item[k] for k in ("reference", "ean", "brand", "model", "storage_gb", "colour")} == {
        "reference": "0194252707272", "ean": "0194252707272", "brand": "Apple", "model": "iPhone 13",
        "storage_gb": 128, "colour": "Midnight"}
    assert item["grades"] == [
        {"grade": "premium", "best_price": None, "offers": 0},
        {"grade": "excellent", "best_price": "399.00", "offers": 3},
        {"grade": "good", "best_price": "349.00", "offers": 1},
        {"grade": "fair", "best_price": None, "offers": 0}]


def _walk(client, key, during=None, **params):
    seen, cursor, pages = [], "start", 0
    while True:
        body = client.get(f"{API}/products", {"cursor": cursor, **params}, **bearer(key)).json()
        seen += body["items"]
        pages += 1
        if during:
            during(pages)
        if not body["has_more"]:
            return seen, pages
        cursor = body["next_cursor"]


def test_walking_the_catalog_by_cursor_sees_each_product_once_while_offers_and_products_change(client, key):
    model = ProductModelFactory()
    products = _products(model, 45)
    added = []

    def write(page):
        # Offers appear on products read and still to come, and new products join the catalog.
        for product in (products[page * 3], products[-page]):
            ListingFactory(product=product, price=Decimal("100.00") + page)
        added.append(ProductFactory(model=model, reference=f"NEW-{page}A"))

    seen, pages = _walk(client, key, during=write, limit=10)
    ids = [item["id"] for item in seen]
    assert len(ids) == len(set(ids)), "a product came twice"
    # The products added during the walk come at the end (not the one added after the last page).
    assert set(ids) == {p.pk for p in products} | {p.pk for p in added[:-1]}
    assert pages >= 5


def test_the_api_filters_by_reference(client, key, offers):
    ProductFactory(reference="OTHER-1")
    body = client.get(f"{API}/products", {"reference": "0194252707272"}, **bearer(key)).json()
    assert [item["id"] for item in body["items"]] == [offers.pk]


@pytest.mark.parametrize("query", [{"cursor": "123_45"}, {"cursor": "abc"}, {"limit": "0"}, {"limit": "501"},
                                   {"grade": "good"}])
def test_a_bad_query_is_a_422_naming_the_field(client, key, query):
    response = client.get(f"{API}/products", query, **bearer(key))
    assert response.status_code == 422
    assert set(response.json()["errors"]) == set(query)


def test_the_api_needs_a_key(client):
    assert client.get(f"{API}/products").status_code == 401


def test_a_page_of_products_is_a_fixed_number_of_queries_whatever_its_size(client, key,
                                                                           django_assert_num_queries):
    model = ProductModelFactory()
    products = _products(model, 60)
    for product in products[::3]:
        ListingFactory(product=product, grade=Grade.FAIR)
    client.get(f"{API}/products", {"limit": 5}, **bearer(key))
    # The key, the page, its aggregate and the count.
    with django_assert_num_queries(4):
        small = client.get(f"{API}/products", {"limit": 5}, **bearer(key))
    with django_assert_num_queries(4):
        large = client.get(f"{API}/products", {"limit": 60}, **bearer(key))
    assert len(small.json()["items"]) == 5 and len(large.json()["items"]) == 60
