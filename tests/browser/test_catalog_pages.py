"""The shopper's catalog pages in real Chromium, on the demo catalog, at desktop and mobile widths."""
import re

import pytest
from playwright.sync_api import expect

from catalog.demo import seed_catalog
from sellers.demo import seed_sellers
from tests.factories import UserFactory
from tests.helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_catalog():
    catalog = seed_catalog()
    seed_sellers(users={"seller": UserFactory()}, catalog=catalog)
    return catalog


def test_home_category_search_and_product_pages(page, mobile_page, live_server, demo_catalog):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).count() == 1
    expect(page.get_by_role("heading", name="Best deals")).to_be_visible()
    first_card = page.locator(".device-card").first
    assert first_card.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert re.search(r"from\s+€", first_card.inner_text())
    screenshot(page, "catalog-home-desktop")

    # Category with filters in the URL, applied without JavaScript too (plain GET form).
    page.goto(live_server.url + "/c/smartphones/?brand=apple&grade=excellent&in_stock=on&sort=price")
    assert page.get_by_label("Apple").is_checked()
    prices = [float(re.sub(r"[^\d.]", "", p.replace(",", ""))) for p in
              page.locator(".device-card .price").all_inner_texts()]
    assert prices == sorted(prices) and prices
    assert all(t.strip().lower() == "apple" for t in page.locator(".device-card-brand").all_inner_texts())
    screenshot(page, "catalog-category-desktop")

    # htmx: ticking a filter replaces the results and puts the filter in the URL.
    page.goto(live_server.url + "/c/smartphones/")
    page.get_by_label("Samsung").check()
    page.wait_for_url(re.compile(r"brand=samsung"))
    page.wait_for_function("() => [...document.querySelectorAll('.device-card-brand')]"
                           ".every(e => e.textContent.trim() === 'Samsung')")

    # Search, with a typo on PostgreSQL.
    page.goto(live_server.url + "/search/?q=iphnoe+13")
    assert page.locator(".device-card-title").first.inner_text() == "iPhone 13"
    screenshot(page, "catalog-search-desktop")

    # Suggestions while typing, reachable with the keyboard.
    page.goto(live_server.url + "/")
    page.get_by_label("Search the catalog").press_sequentially("galaxy s2", delay=30)
    suggestion = page.locator("#search-suggestions a").first
    suggestion.wait_for()
    assert "Galaxy S2" in suggestion.inner_text()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert "Galaxy" in page.evaluate("document.activeElement.textContent")

    # Product page: grade chips with prices or "Out of stock", buy box with seller and add to cart.
    page.goto(live_server.url + "/p/iphone-13/")
    grades = page.locator(".grade-option")
    assert grades.count() == 4
    expect(page.locator(".buy-box").get_by_role("button", name="Add to cart")).to_be_visible()
    assert "Sold by" in page.locator(".buy-box").inner_text()
    ld = page.locator('script[type="application/ld+json"]').inner_text()
    assert '"AggregateOffer"' in ld
    assert page.locator('link[rel="canonical"]').get_attribute("href").endswith("/p/iphone-13/")
    screenshot(page, "catalog-product-desktop")

    for url, name in [("/", "home"), ("/c/smartphones/", "category"), ("/search/?q=macbook", "search"),
                      ("/p/iphone-13/", "product")]:
        mobile_page.goto(live_server.url + url)
        assert mobile_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        screenshot(mobile_page, f"catalog-{name}-mobile")


def test_out_of_stock_grade_says_so_and_offers_the_grades_in_stock(page, live_server, demo_catalog):
    from catalog.models import Grade, Product
    from sellers.selectors import buy_boxes

    products = list(Product.objects.filter(model__slug="iphone-13"))
    winners = buy_boxes(product_ids=[p.pk for p in products])
    product, grade = next((p, g) for p in products for g in Grade.values if (p.pk, g) not in winners)
    page.goto(f"{live_server.url}/p/iphone-13/?variant={product.slug}&grade={grade}")
    box = page.locator(".buy-box")
    assert "Out of stock" in box.inner_text()
    assert box.get_by_role("button", name="Add to cart").count() == 0
    assert page.locator(f".grade-option.grade-{grade}").get_attribute("aria-current") == "true"
    screenshot(page, "catalog-product-out-of-stock")
