"""A guest's order in real Chromium: bought in one browser, opened from the confirmation e-mail's
signed link in a fresh one; the plain address, without the link, shows nothing there."""
import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from orders.models import Order
from tests.factories import ListingFactory, ProductFactory, SellerFactory
from tests.helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_guest_opens_the_confirmation_emails_link_in_a_fresh_browser_and_sees_the_order(
        page, browser, live_server, settings):
    settings.SITE_URL = live_server.url
    ListingFactory(product=ProductFactory(model__name="iPhone 13", model__slug="iphone-13"),
                   seller=SellerFactory(name="Green Phone Lab"), price=Decimal("449.00"), quantity=2)
    page.goto(f"{live_server.url}/p/iphone-13/")
    page.locator(".buy-box").get_by_role("button", name="Add to cart").click()
    page.wait_for_function("() => document.querySelector('#cart-count').textContent.trim() === '1'")
    page.goto(f"{live_server.url}/checkout/")
    page.get_by_label("E-mail for your receipt").fill("camille@example.test")
    page.get_by_label("Full name").fill("Camille Durand")
    page.get_by_label("Address line 1").fill("14 rue des Martyrs")
    page.get_by_label("Postal code").fill("75009")
    page.get_by_label("City").fill("Paris")
    page.get_by_label("Country (two letters, e.g. FR)").fill("FR")
    page.get_by_role("button", name="Continue to review").click()
    page.get_by_role("button", name="Place order and pay").click()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile("^Pay ")).click()
    expect(page.get_by_text("Thank you, your order is paid.")).to_be_visible()
    order = Order.objects.get()

    confirmation = next(m for m in mail.outbox if m.to == ["camille@example.test"])
    link = re.search(rf"{re.escape(live_server.url)}/orders/\S+", confirmation.body).group(0)
    assert "access=" in link

    fresh = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        other = fresh.new_page()
        other.goto(f"{live_server.url}/orders/{order.number}/")
        assert not other.get_by_role("heading", name=f"Order {order.number}").is_visible()
        other.goto(link)
        expect(other.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()
        assert "Green Phone Lab" in other.locator("main").inner_text()
        assert "access=" not in other.url  # the token left the address bar
        screenshot(other, "guest-order-from-email-link-desktop")
        other.reload()
        expect(other.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()
    finally:
        fresh.close()
