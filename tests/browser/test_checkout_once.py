"""Double clicks and second tabs on "Place order and pay", in real Chromium: one order, one hold,
one payment page; a price that rose since the review is shown before anything is charged."""
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order, Payment
from sellers.models import Listing
from tests.helpers import screenshot

from .test_checkout import fill_delivery, stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _to_review(page, live_server):
    page.goto(f"{live_server.url}/p/iphone-13/")
    page.locator(".buy-box").get_by_role("button", name="Add to cart").click()
    page.wait_for_function("() => document.querySelector('#cart-count').textContent.trim() === '1'")
    page.goto(f"{live_server.url}/checkout/")
    fill_delivery(page)
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", name="Review your order")).to_be_visible()


def test_double_clicking_place_order_makes_one_order(page, live_server):
    _product, winner, _other = stock()
    _to_review(page, live_server)
    button = page.get_by_role("button", name="Place order and pay")
    button.dblclick()
    page.get_by_role("heading", name="Pay €453.90").wait_for()
    screenshot(page, "checkout-double-click-payment-desktop")
    assert Order.objects.count() == 1 and Payment.objects.count() == 1
    assert Listing.objects.get(pk=winner.pk).allocated == 1


def test_two_tabs_placing_the_same_cart_land_on_the_same_payment_page(page, live_server):
    _product, winner, _other = stock()
    _to_review(page, live_server)
    second = page.context.new_page()
    second.goto(f"{live_server.url}/checkout/review/")
    page.get_by_role("button", name="Place order and pay").click()
    expect(page.get_by_role("heading", name="Pay €453.90")).to_be_visible()
    second.get_by_role("button", name="Place order and pay").click()
    expect(second.get_by_role("heading", name="Pay €453.90")).to_be_visible()
    assert second.url == page.url
    assert Order.objects.count() == 1
    assert Listing.objects.get(pk=winner.pk).allocated == 1
    second.close()


def test_a_price_rise_after_the_review_is_shown_before_anything_is_charged(page, live_server):
    _product, winner, _other = stock()
    _to_review(page, live_server)
    Listing.objects.filter(pk=winner.pk).update(price=Decimal("549.00"))
    page.get_by_role("button", name="Place order and pay").click()
    notice = page.get_by_text("Some prices changed since you reviewed your order.")
    expect(notice).to_be_visible()
    assert "was €449.00, now €549.00" in notice.inner_text()
    expect(page.get_by_role("button", name="Place order and pay €553.90")).to_be_visible()
    screenshot(page, "checkout-price-rose-desktop")
    assert not Order.objects.exists()
