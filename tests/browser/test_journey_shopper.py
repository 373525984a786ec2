"""The shopper's journey in real Chromium, at desktop and phone widths, on the demo catalog: home →
search with a typo → product → variant and grade → cart → sign up and verify the e-mail → checkout →
pay with the test provider's card → confirmation → "My orders". Every step is a screenshot under
tests/screenshots/journey-shopper-*, with no console error and no serious accessibility violation."""
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from catalog.demo import seed_catalog
from orders.models import Order
from sellers.demo import seed_sellers
from tests.factories import UserFactory
from tests.helpers import journey_step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARD_OK = "4242 4242 4242 4242"


def test_shopper_finds_a_phone_despite_a_typo_signs_up_pays_and_sees_the_order(open_page, live_server):
    seed_sellers(users={"seller": UserFactory()}, catalog=seed_catalog())
    # The whole journey at each width, one after the other on the same catalog (seeding it is slow).
    for viewport in ("desktop", "mobile"):
        shop(open_page(viewport), live_server, viewport)


def shop(page, live_server, viewport: str) -> None:
    email = f"camille-{viewport}@example.test"

    def step(number: int, name: str) -> None:
        journey_step(page, f"journey-shopper-{number:02d}-{name}-{viewport}")

    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).count() == 1
    step(1, "home")

    page.get_by_label("Search the catalog").fill("iphnoe 13")
    page.get_by_label("Search the catalog").press("Enter")
    page.get_by_role("heading", name="Results for “iphnoe 13”").wait_for()
    first = page.locator(".device-card").first
    assert first.locator(".device-card-title").inner_text() == "iPhone 13"
    step(2, "search-typo")

    first.get_by_role("link").first.click()
    page.get_by_role("heading", level=1, name=re.compile("iPhone 13")).wait_for()
    step(3, "product")

    # Another variant, then a grade: each choice is a link that keeps the other choices.
    storage = page.get_by_role("region", name="Storage")
    storage.get_by_role("link", name=re.compile(r"^256 GB")).click()
    page.wait_for_url(re.compile(r"256"))
    assert "256 GB" in page.get_by_role("heading", level=1).inner_text()
    condition = page.get_by_role("region", name="Condition")
    chosen = condition.locator("a.option:not(.is-unavailable)").last  # the cheapest grade in stock
    grade = chosen.locator(".option-label").inner_text()
    chosen.click()
    page.wait_for_url(re.compile(rf"grade={grade.lower()}"))
    assert condition.get_by_role("link", name=re.compile(grade)).get_attribute("aria-current") == "true"
    price = page.locator(".buy-box .price-large").inner_text()
    step(4, "variant-and-grade")

    buy_box = page.locator(".buy-box")
    buy_box.get_by_role("button", name="Add to cart").click()
    page.wait_for_function("() => document.querySelector('#cart-count').textContent.trim() === '1'")
    assert "Added to your cart" in buy_box.inner_text()
    step(5, "added-to-cart")

    page.locator(".cart-link").click()
    page.get_by_role("heading", level=1).wait_for()
    assert price in page.locator(".order-summary").inner_text()
    step(6, "cart")

    # Sign up: the cart waits in the session and follows the new account.
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign up").click()
    page.get_by_role("heading", level=1, name="Sign Up").wait_for()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill("a long refurb passphrase")
    page.get_by_label("Password (again):", exact=True).fill("a long refurb passphrase")
    step(7, "sign-up")
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", level=1, name="Verify Your Email Address").wait_for()
    step(8, "verify-sent")

    message = next(m for m in mail.outbox if email in m.to)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    page.goto(live_server.url + link[link.index("/accounts/"):])
    page.get_by_role("heading", level=1, name="Confirm Email Address").wait_for()
    step(9, "confirm-email")
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("navigation", name="Account").get_by_role("link", name="My account").wait_for()
    assert page.locator("#cart-count").inner_text() == "1"

    page.goto(live_server.url + "/cart/")
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Full name").fill("Camille Durand")
    page.get_by_label("Address line 1").fill("14 rue des Martyrs")
    page.get_by_label("Postal code").fill("75009")
    page.get_by_label("City").fill("Paris")
    page.get_by_label("Country (two letters, e.g. FR)").fill("FR")
    step(10, "checkout-delivery")
    page.get_by_role("button", name="Continue to review").click()
    page.get_by_role("heading", name="Review your order").wait_for()
    step(11, "checkout-review")
    page.get_by_role("button", name="Place order and pay").click()

    page.get_by_label("Card number").wait_for()
    order = Order.objects.get(email=email)
    assert order.status == Order.Status.AWAITING_PAYMENT
    step(12, "test-provider")
    page.get_by_label("Card number").fill(CARD_OK)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()

    page.get_by_text("Thank you, your order is paid.").wait_for()
    assert page.locator("#cart-count").inner_text() == "0"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.user.email == email
    step(13, "confirmation")

    page.get_by_role("navigation", name="Account").get_by_role("link", name="My account").click()
    page.get_by_role("link", name="Orders").first.click()
    page.get_by_role("heading", level=1, name="Orders").wait_for()
    expect(page.get_by_role("link", name=order.number)).to_be_visible()
    step(14, "my-orders")
