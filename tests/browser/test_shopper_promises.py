"""Issue 18 in real Chromium: a card opens on its price, the phone product page shows the price and the
buy button on the first screen, the grades page, a cart with a sold-out line swapped in one click, and
checkout's delivery windows; each page screenshotted and checked with axe (no serious violation)."""
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from catalog.demo import seed_catalog
from sellers.demo import seed_sellers
from sellers.models import Listing
from tests.factories import UserFactory
from tests.helpers import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", Path(__file__).resolve().parent.parent / "screenshots"))


def look(page, name: str) -> None:
    """A full-page screenshot to look at, no serious accessibility violation, nothing wider than
    the screen."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert_accessible(page)
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name


@pytest.fixture
def demo_catalog():
    catalog = seed_catalog()
    seed_sellers(users={"seller": UserFactory()}, catalog=catalog)
    return catalog


def test_a_card_opens_on_its_price_and_the_product_page_reads_well_at_both_widths(
        open_page, live_server, demo_catalog):
    page = open_page("desktop")
    page.goto(live_server.url + "/c/iphone/")
    card = page.locator(".device-card", has_text="iPhone 13 mini").first
    advertised = card.locator(".price").inner_text()
    card.locator("a").click()
    page.wait_for_url(re.compile(r"variant=.*grade="))
    assert page.locator(".buy-box .price-large").inner_text() == advertised
    expect(page.locator(".buy-box").get_by_text(re.compile(r"Delivered between"))).to_be_visible()
    expect(page.get_by_role("link", name="What the grades mean")).to_be_visible()
    look(page, "product-desktop")

    phone = open_page("mobile")
    phone.goto(page.url)
    price = phone.locator(".buy-box .price-large")
    button = phone.locator(".buy-box").get_by_role("button", name=re.compile("Add to cart"))
    phone.screenshot(path=str(SHOTS / "product-phone-first-screen.png"))  # what the phone shows first
    for element in (price, button):  # on the first screen, not 1.5 screens down
        box = element.bounding_box()
        assert box and box["y"] + box["height"] <= 844, box
    look(phone, "product-phone")

    page.get_by_role("link", name="What the grades mean").click()
    expect(page.get_by_role("heading", name="What the grades mean", level=1)).to_be_visible()
    assert page.locator("svg.grade-drawing").count() == 4
    look(page, "grades-desktop")
    phone.goto(page.url)
    look(phone, "grades-phone")


def test_a_sold_out_line_is_swapped_in_one_click_and_checkout_shows_delivery_dates(
        open_page, live_server, demo_catalog):
    page = open_page("desktop")
    # The buy box of a product × grade with at least two buyable offers from different sellers.
    from sellers.selectors import buy_boxes

    listings = Listing.objects.buyable()
    boxes = buy_boxes(product_ids=set(listings.values_list("product_id", flat=True)))
    listing = next(w for (product_id, grade), w in boxes.items()
                   if listings.filter(product_id=product_id, grade=grade).exclude(seller=w.seller_id)
                   .exists())
    page.goto(live_server.url + listing.product.model.get_absolute_url()
              + f"?variant={listing.product.slug}&grade={listing.grade}")
    page.locator(".buy-box").get_by_role("button", name=re.compile("Add to cart")).click()
    page.locator("#cart-count", has_text="1").wait_for()
    Listing.objects.filter(pk=listing.pk).update(quantity=0)  # sold elsewhere meanwhile

    page.goto(live_server.url + "/cart/")
    expect(page.get_by_role("heading", name="No longer available")).to_be_visible()
    expect(page.get_by_text("1 line no longer available is not counted.")).to_be_visible()
    look(page, "cart-sold-out-desktop")
    take = page.get_by_role("button", name=re.compile(r"Take the offer from .+ at €"))
    offered = re.search(r"at (€[\d,.]+)", take.inner_text()).group(1)
    take.click()
    expect(page.get_by_text(re.compile("Replaced by the offer from"))).to_be_visible()
    assert page.locator(".totals-grand dd").inner_text() != "€0.00"
    assert offered in page.locator(".cart-line-price").first.inner_text()
    look(page, "cart-desktop")

    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_text(re.compile(r"Standard tracked delivery: Delivered between"))).to_be_visible()
    assert page.get_by_text("next working day").count() == 0
    look(page, "checkout-delivery-desktop")
    phone = open_page("mobile")
    phone.context.add_cookies(page.context.cookies())
    phone.goto(page.url)
    steps = phone.locator(".checkout-steps")
    assert steps.bounding_box()["height"] < 40  # one line on a phone
    look(phone, "checkout-delivery-phone")

    page.get_by_label("E-mail for your receipt").fill("shopper@example.test")
    page.get_by_label("Full name").fill("Alex Martin")
    page.get_by_label("Address line 1").fill("3 rue des Lilas")
    page.get_by_label("Postal code").fill("75011")
    page.get_by_label("City").fill("Paris")
    page.get_by_label("Country").fill("FR")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", name="Review your order")).to_be_visible()
    expect(page.locator(".delivery-window").get_by_text(re.compile("Delivered between"))).to_be_visible()
    look(page, "checkout-review-desktop")
