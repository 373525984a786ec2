"""The product page shows the buy box and the next best offers (catalog.selectors.OFFERS_SHOWN), the
count of all of them, and links to every offer; it reads the stored buy boxes for its pickers and
issues a fixed number of queries however many offers and variants there are."""
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from catalog.cache import products_changed
from catalog.models import Grade
from catalog.selectors import OFFERS_SHOWN
from tests.factories import (
    CategoryFactory,
    ListingFactory,
    ProductFactory,
    ProductModelFactory,
    SellerFactory,
)

pytestmark = pytest.mark.django_db

URL = "/p/pixel-8/?variant=pixel-8-128-black&grade=excellent"


def phone(offers: int, variants: int = 2):
    model = ProductModelFactory(category=CategoryFactory(name="Phones", slug="phones"), name="Pixel 8",
                                slug="pixel-8", reference_price_new=Decimal("700.00"))
    products = [ProductFactory(model=model, slug="pixel-8-128-black", colour="Black")] + [
        ProductFactory(model=model, slug=f"pixel-8-128-c{i}", colour=f"Colour {i}")
        for i in range(variants - 1)]
    listings = [ListingFactory(product=products[0], grade=Grade.EXCELLENT, price=Decimal("300.00") + i,
                               quantity=2, seller=SellerFactory(name=f"Lab {i + 1}")) for i in range(offers)]
    for product in products[1:]:
        ListingFactory(product=product, grade=Grade.GOOD, price=Decimal("250.00"))
    products_changed([p.pk for p in products])
    return listings


def test_the_page_shows_the_best_few_offers_counts_all_and_links_to_them(client):
    listings = phone(offers=12)
    html = client.get(URL).content.decode()
    assert "11 other offers in Excellent condition" in html
    assert html.count('class="offer-row card"') == OFFERS_SHOWN - 1
    for shown in listings[1:OFFERS_SHOWN]:
        assert f'name="listing" value="{shown.pk}"' in html
    assert f'name="listing" value="{listings[OFFERS_SHOWN].pk}"' not in html
    every_url = reverse("catalog:model_offers", args=["pixel-8"])
    assert f'href="{every_url}?variant=pixel-8-128-black&amp;grade=excellent"' in html

    every = client.get(reverse("catalog:model_offers", args=["pixel-8"]),
                       {"variant": "pixel-8-128-black", "grade": "excellent"}).content.decode()
    assert every.count('class="offer-row card"') == 12 and "12 offers for the Pixel 8" in every
    fragment = client.get(reverse("catalog:model_offers", args=["pixel-8"]),
                          {"variant": "pixel-8-128-black", "grade": "excellent"}, HTTP_HX_REQUEST="true")
    assert fragment.content.decode().count('class="offer-row card"') == 11  # the buy box is on the page
    assert "<html" not in fragment.content.decode()


def test_a_page_with_few_offers_has_no_link_to_more(client):
    phone(offers=OFFERS_SHOWN)
    html = client.get(URL).content.decode()
    assert html.count('class="offer-row card"') == OFFERS_SHOWN - 1
    assert reverse("catalog:model_offers", args=["pixel-8"]) not in html


def test_the_page_of_every_offer_refuses_a_made_up_variant_or_grade(client):
    phone(offers=2)
    url = reverse("catalog:model_offers", args=["pixel-8"])
    assert client.get(url, {"variant": "pixel-8-128-black", "grade": "shiny"}).status_code == 404
    assert client.get(url, {"variant": "nope", "grade": "excellent"}).status_code == 404
    assert client.get(reverse("catalog:model_offers", args=["nope"]),
                      {"variant": "pixel-8-128-black", "grade": "excellent"}).status_code == 404


@pytest.mark.parametrize(("offers", "variants"), [(3, 2), (40, 12)])
def test_a_page_built_after_the_cache_is_emptied_issues_a_fixed_number_of_queries(
        client, offers, variants, django_assert_num_queries):
    phone(offers=offers, variants=variants)
    client.get(URL)
    cache.clear()
    # The model, its images, its variants, their stored buy boxes, the first offers; the category
    # tree, the navigation and every model's trade-in answer, read once for all the pages.
    with django_assert_num_queries(8):
        assert client.get(URL).status_code == 200
    # Another page of the same model: its stored buy boxes and its first offers.
    with django_assert_num_queries(2):
        assert client.get("/p/pixel-8/?variant=pixel-8-128-c0&grade=good").status_code == 200


def test_the_offer_rows_escape_what_sellers_wrote_and_cap_the_quantity_at_the_stock(client):
    listings = phone(offers=3)
    seller = listings[1].seller
    seller.name = 'Lab <b>"bold"</b> & co'
    seller.save(update_fields=["name"])
    listings[1].quantity = 3
    listings[1].save(update_fields=["quantity"])
    products_changed([listings[1].product_id])
    every = client.get(reverse("catalog:model_offers", args=["pixel-8"]),
                       {"variant": "pixel-8-128-black", "grade": "excellent"}).content.decode()
    assert "<strong>Lab &lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; co</strong>" in every
    assert "<b>" not in every
    row = every.split(f'name="listing" value="{listings[1].pk}"')[1].split("</form>")[0]
    assert 'max="3"' in row
    assert 'name="csrfmiddlewaretoken"' in every.split(f'name="listing" value="{listings[1].pk}"')[0][-400:]


def test_the_offer_rows_read_in_the_readers_language(client):
    phone(offers=3)
    every = client.get(reverse("catalog:model_offers", args=["pixel-8"]),
                       {"variant": "pixel-8-128-black", "grade": "excellent"},
                       HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Ajouter au panier" in every and "Add to cart" not in every
    assert "Livré" in every and "Delivered" not in every
