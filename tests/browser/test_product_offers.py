"""The product page in real Chromium shows the best few offers of a variant × grade and opens all of
them in place (htmx), every one with its own add-to-cart form."""
from decimal import Decimal

import pytest
from playwright.sync_api import expect

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
from tests.helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFERS = 9


@pytest.fixture
def busy_phone(db):
    model = ProductModelFactory(category=CategoryFactory(name="Phones", slug="phones"), name="Pixel 8",
                                slug="pixel-8", reference_price_new=Decimal("700.00"))
    product = ProductFactory(model=model, slug="pixel-8-128-black", colour="Black")
    for i in range(OFFERS):
        ListingFactory(product=product, grade=Grade.EXCELLENT, price=Decimal("300.00") + 10 * i, quantity=3,
                       seller=SellerFactory(name=f"Lab {i + 1}"))
    products_changed([product.pk])
    return product


def test_the_page_shows_the_best_offers_and_opens_all_of_them_in_place(page, live_server, busy_phone):
    page.goto(f"{live_server.url}/p/pixel-8/?variant=pixel-8-128-black&grade=excellent")
    rows = page.locator("#other-offers-list .offer-row")
    assert rows.count() == OFFERS_SHOWN - 1
    heading = page.locator(".other-offers h2").inner_text()
    assert f"{OFFERS - 1} other offers in Excellent condition" in heading
    # The best first: the buy box holds the cheapest, the rows the next ones in order.
    assert "Lab 1" in page.locator(".buy-box").inner_text()
    assert [row.locator(".offer-seller strong").inner_text() for row in rows.all()] == [
        f"Lab {i}" for i in range(2, OFFERS_SHOWN + 1)]
    more = page.get_by_role("link", name=f"See all {OFFERS - 1} other offers")
    screenshot(page, "catalog-product-best-offers")
    more.click()
    page.wait_for_function("n => document.querySelectorAll('#other-offers-list .offer-row').length == n",
                           arg=OFFERS - 1)
    assert [row.locator(".offer-seller strong").inner_text() for row in rows.all()] == [
        f"Lab {i}" for i in range(2, OFFERS + 1)]
    assert page.get_by_role("link", name=f"See all {OFFERS - 1} other offers").count() == 0
    assert page.url.endswith("grade=excellent")  # opened in place, the page stays
    expect(rows.last.get_by_role("button", name="Add to cart")).to_be_visible()
    screenshot(page, "catalog-product-all-offers")
