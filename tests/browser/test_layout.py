"""The site's layout in real Chromium: header, navigation, accounts pages, at desktop and mobile width."""
import pytest
from playwright.sync_api import expect

from tests.factories import CategoryFactory
from tests.helpers import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_shows_header_search_categories_and_cart(page, mobile_page, live_server):
    CategoryFactory(name="Smartphones", slug="smartphones")
    page.goto(live_server.url + "/")
    expect(page.get_by_role("search")).to_be_visible()
    expect(page.get_by_label("Search the catalog")).to_be_visible()
    expect(page.get_by_role("navigation", name="Categories").get_by_text("Smartphones")).to_be_visible()
    assert page.locator("#cart-count").inner_text() == "0"
    # Styles and htmx are served locally, not from a CDN.
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(247, 248, 247)"
    screenshot(page, "foundation-home-desktop")

    mobile_page.goto(live_server.url + "/")
    expect(mobile_page.get_by_label("Search the catalog")).to_be_visible()
    screenshot(mobile_page, "foundation-home-mobile")


def test_log_in_and_account_area_in_the_site_layout(page, live_server, user):
    page.goto(live_server.url + "/accounts/signup/")
    expect(page.get_by_role("heading", name="Sign Up")).to_be_visible()
    screenshot(page, "foundation-signup")
    browser_login(page, live_server, user.email)
    page.goto(live_server.url + "/account/")
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    expect(page.get_by_text(user.email).first).to_be_visible()
    screenshot(page, "foundation-account")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
