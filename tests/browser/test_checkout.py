"""Buying in real Chromium: product page → cart → delivery → review → test provider → confirmation."""
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order
from sellers.models import Listing
from tests.factories import ListingFactory, ProductFactory, SellerFactory
from tests.helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def stock():
    product = ProductFactory(model__name="iPhone 13", model__slug="iphone-13", storage_gb=128,
                             colour="Midnight")
    green = SellerFactory(name="Green Phone Lab", shipping_fee=Decimal("4.90"))
    blue = SellerFactory(name="Blue Refurb Co", shipping_fee=Decimal("0.00"))
    winner = ListingFactory(product=product, seller=green, grade="good", price=Decimal("449.00"), quantity=3)
    ListingFactory(product=product, seller=blue, grade="good", price=Decimal("469.00"), quantity=2)
    other = ListingFactory(seller=blue, price=Decimal("129.00"), quantity=5,
                           product__model__name="Galaxy Watch 5", product__model__slug="galaxy-watch-5")
    return product, winner, other


def fill_delivery(page):
    page.get_by_label("E-mail for your receipt").fill("guest@example.test")
    page.get_by_label("Full name").fill("Camille Durand")
    page.get_by_label("Address line 1").fill("14 rue des Martyrs")
    page.get_by_label("Postal code").fill("75009")
    page.get_by_label("City").fill("Paris")
    page.get_by_label("Country (two letters, e.g. FR)").fill("FR")


def test_guest_buys_from_the_product_page_and_pays_with_the_test_card(page, live_server):
    product, winner, other = stock()
    page.goto(f"{live_server.url}/p/iphone-13/")
    buy_box = page.locator(".buy-box")
    buy_box.get_by_role("button", name="Add to cart").click()
    page.wait_for_function("() => document.querySelector('#cart-count').textContent.trim() === '1'")
    assert "Added to your cart" in buy_box.inner_text()
    # Another seller's watch, through the no-JS fallback too: a plain POST lands on the cart.
    page.goto(f"{live_server.url}/p/galaxy-watch-5/")
    page.locator(".buy-box").get_by_label("Quantity").fill("2")
    page.locator(".buy-box").get_by_role("button", name="Add to cart").click()
    page.wait_for_function("() => document.querySelector('#cart-count').textContent.trim() === '3'")

    page.goto(f"{live_server.url}/cart/")
    expect(page.get_by_role("heading", name="Sold by Green Phone Lab")).to_be_visible()
    expect(page.get_by_role("heading", name="Sold by Blue Refurb Co")).to_be_visible()
    assert "€711.90" in page.locator(".order-summary").inner_text()  # 449 + 2×129 + 4.90
    screenshot(page, "checkout-cart-desktop")

    page.get_by_role("link", name="Check out").click()
    fill_delivery(page)
    page.get_by_label("Express delivery").check()
    screenshot(page, "checkout-delivery-desktop")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", name="Review your order")).to_be_visible()
    screenshot(page, "checkout-review-desktop")
    page.get_by_role("button", name="Place order and pay").click()

    expect(page.get_by_role("heading", name="Pay €731.70")).to_be_visible()  # + 2 × 9.90 express
    screenshot(page, "checkout-test-provider-desktop")
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_role("button", name="Pay €731.70").click()
    expect(page.get_by_text("Your payment did not go through.")).to_be_visible()
    screenshot(page, "checkout-declined-desktop")

    page.get_by_role("button", name="Pay €731.70").click()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay €731.70").click()
    expect(page.get_by_text("Thank you, your order is paid.")).to_be_visible()
    assert page.locator("#cart-count").inner_text() == "0"
    screenshot(page, "checkout-confirmation-desktop")
    order = Order.objects.get()
    assert order.status == Order.Status.PAID and order.total == Decimal("731.70")
    assert Listing.objects.get(pk=winner.pk).allocated == 1


def test_checkout_on_a_phone(mobile_page, live_server):
    product, winner, other = stock()
    page = mobile_page
    page.goto(f"{live_server.url}/p/iphone-13/")
    page.locator(".buy-box").get_by_role("button", name="Add to cart").click()
    page.wait_for_function("() => document.querySelector('#cart-count').textContent.trim() === '1'")
    page.goto(f"{live_server.url}/cart/")
    # A price change since adding is pointed out.
    Listing.objects.filter(pk=winner.pk).update(price=Decimal("439.00"))
    page.reload()
    expect(page.get_by_text("Price changed from")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "checkout-cart-mobile")
    page.get_by_role("link", name="Check out").click()
    fill_delivery(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "checkout-delivery-mobile")
    page.get_by_role("button", name="Continue to review").click()
    screenshot(page, "checkout-review-mobile")
    page.get_by_role("button", name="Place order and pay").click()
    page.get_by_label("Card number").fill("4242424242424242")
    page.get_by_role("button", name="Pay €443.90").click()
    expect(page.get_by_text("Thank you, your order is paid.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "checkout-confirmation-mobile")
