"""The product picker of "new listing": every word must match (model, brand, variant), results come
a page at a time, an empty search says so; the CSV template names a product of the catalog; a CSV
row with an unknown reference points to the proposal page."""
import csv
import io

import pytest
from django.urls import reverse

from catalog.demo import seed_catalog
from catalog.models import Product
from catalog.variant_search import products_matching
from sellers.exports import TEMPLATE_EXAMPLE
from sellers.stock_sync import stock_import_apply, stock_import_create
from tests.factories import BrandFactory, ProductFactory, ProductModelFactory, SellerMemberFactory
from tests.sellers.factories_stock import csv_bytes, listing_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    return member


@pytest.fixture
def iphones():
    apple = BrandFactory(name="Apple")
    made = {}
    for name in ("iPhone 13", "iPhone 13 mini", "iPhone 12"):
        model = ProductModelFactory(name=name, brand=apple)
        for storage in (128, 256):
            for colour in ("Midnight", "Starlight"):
                made[(name, storage, colour)] = ProductFactory(model=model, storage_gb=storage, colour=colour,
                                                               connectivity="Unlocked")
    return made


def _found(query: str) -> set[tuple]:
    return {(p.model.name, p.storage_gb, p.colour) for p in products_matching(query)}


def test_every_word_must_match_across_model_brand_and_variant(iphones):
    assert _found("iphone 13 128") == {
        ("iPhone 13", 128, "Midnight"), ("iPhone 13", 128, "Starlight"),
        ("iPhone 13 mini", 128, "Midnight"), ("iPhone 13 mini", 128, "Starlight")}
    assert _found("apple 13 mini 256 starlight") == {("iPhone 13 mini", 256, "Starlight")}
    assert _found("iPhone 12 128GB midnight") == {("iPhone 12", 128, "Midnight")}
    assert _found("iphone 12 128 gb") == {("iPhone 12", 128, "Midnight"), ("iPhone 12", 128, "Starlight")}
    assert _found("iphone 13 512") == set()


def test_storage_in_terabytes_and_the_whole_reference_match():
    laptop = ProductFactory(model__name="MacBook Pro 14", storage_gb=1024, reference="MKGR3FN/A")
    assert list(products_matching("macbook 1tb")) == [laptop]
    assert list(products_matching("mkgr3fn/a")) == [laptop]
    assert list(products_matching("MKGR3")) == []  # a reference matches whole, never a part of it


def test_inactive_products_and_unpublished_models_are_not_offered():
    ProductFactory(model__name="Pixel 7", is_active=False)
    ProductFactory(model__name="Pixel 7", model__is_published=False)
    assert list(products_matching("pixel 7")) == []


def test_the_search_shows_more_than_twelve_results_a_page_at_a_time(client, member):
    model = ProductModelFactory(name="Galaxy S22")
    Product.objects.bulk_create([Product(model=model, slug=f"s22-{i}", reference=f"S22-{i:02d}A",
                                         storage_gb=128, colour=f"Colour {i:02d}") for i in range(45)])
    first = client.get(reverse("sellers:product_search"), {"q": "galaxy s22"}, HTTP_HX_REQUEST="true")
    page = first.content.decode()
    assert page.count('name="product"') == 20
    assert "45 products match every word." in page and "Page 1 of 3" in page
    assert 'hx-get="/seller/listings/products/?q=galaxy+s22&amp;page=2"' in page
    last = client.get(reverse("sellers:product_search"), {"q": "galaxy s22", "page": "3"}).content.decode()
    assert last.count('name="product"') == 5 and "Colour 44" in last
    # Without JavaScript the page itself pages through the same results.
    full = client.get(reverse("sellers:listing_create"), {"q": "galaxy s22", "page": "2"}).content.decode()
    assert full.count('name="product"') == 20 and "Page 2 of 3" in full


def test_a_search_that_finds_nothing_says_so_and_offers_to_propose_the_product(client, member, iphones):
    page = client.get(reverse("sellers:product_search"), {"q": "iphone 13 512"}).content.decode()
    assert "No catalog product matches every word of “iphone 13 512”." in page
    assert reverse("sellers:proposal_create") in page


def test_a_bad_page_number_shows_the_last_page_not_an_error(client, member, iphones):
    response = client.get(reverse("sellers:product_search"), {"q": "iphone", "page": "99x"})
    assert response.status_code == 200 and 'name="product"' in response.content.decode()


def test_the_search_is_a_fixed_number_of_queries(client, member, iphones, django_assert_num_queries):
    url = reverse("sellers:product_search")
    client.get(url, {"q": "iphone"})
    with django_assert_num_queries(5) as few:  # login, member, count, one page of products with brands
        client.get(url, {"q": "iphone"})
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url, {"q": "iphone 13 128 midnight"})


# --- The CSV template and the unknown reference ---------------------------------------------------
def _template_reference(client) -> str:
    text = b"".join(client.get(reverse("sellers:stock_template")).streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))[0]["product_reference"]


def test_the_templates_example_reference_is_in_the_demo_catalog(client, member):
    seed_catalog()
    reference = _template_reference(client)
    assert reference == TEMPLATE_EXAMPLE[1]
    product = Product.objects.get(reference=reference)
    assert (product.model.name, product.storage_gb, product.colour) == ("iPhone 13", 128, "Midnight")


def test_the_templates_example_reference_is_in_any_catalog(client, member):
    product = ProductFactory(reference="MPN-ONLY-1")
    assert _template_reference(client) == product.reference


def test_a_csv_row_with_an_unknown_reference_links_to_the_proposal_page(client, member):
    data = csv_bytes([listing_row(ProductFactory(), "OK-1"), ("NEW-1", "8806094000000", "good", "399.00", "5",
                                                            "12", "yes")])
    stock_import = stock_import_create(seller=member.seller, uploaded_by=None, name="stock.csv", data=data)
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()
    [error] = stock_import.errors
    assert error["reason"].startswith("The reference 8806094000000 is not in the catalog — propose it: ")
    assert error["reason"].endswith("/seller/catalog/proposals/new/?reference=8806094000000")
    page = client.get(reverse("sellers:stock_import", args=[stock_import.pk])).content.decode()
    assert 'href="http://' in page and '/seller/catalog/proposals/new/?reference=8806094000000"' in page
    form = client.get(error["reason"].split(": ", 1)[1]).content.decode()
    assert 'value="8806094000000"' in form
