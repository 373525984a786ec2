"""The seller's journey in real Chromium: a user applies → staff approve in the Django admin with a
reason → the seller creates a listing → uploads a CSV and watches the import to done → a shopper buys
the listing through the site and pays with the test card → the seller accepts and ships with carrier,
tracking number and serial → the shopper sees it shipped, with the tracking link, in "My orders".

Each person acts at one width (the seller and staff at a desk, the shopper on a phone); every page
they reach is also opened at the other width by the same person, so each step is checked at both:
a screenshot (tests/screenshots/journey-seller-*), no console error, axe-core with no serious or
critical violation, nothing wider than the screen. The Django admin gets the same checks, passed thanks
to static/css/admin.css (underlined in-text links, a reason box that fits a phone)."""
import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from orders.models import SellerOrder
from sellers.models import Listing, Seller, StockImport
from tests.factories import ProductFactory, UserFactory
from tests.helpers import admin_seller_action, browser_login, journey_step
from tests.sellers.factories_stock import csv_bytes, listing_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMEI = "356938035643809"


class Person:
    """One person at two widths: `main` is where they act, `mirror` re-opens each page they reach."""

    def __init__(self, open_page, live_server, email: str, acts_on: str):
        other = "mobile" if acts_on == "desktop" else "desktop"
        self.main, self.mirror = open_page(acts_on), open_page(other)
        for page in (self.main, self.mirror):
            browser_login(page, live_server, email)

    def step(self, name: str) -> None:
        for page in (self.main, self.mirror):
            if page is self.mirror:
                page.goto(self.main.url)
            journey_step(page, f"journey-seller-{name}-{page.viewport_name}")


def test_seller_is_approved_lists_imports_and_ships_an_order_the_shopper_follows(open_page, live_server,
                                                                                tmp_path):
    ProductFactory(model__name="iPhone 13", model__slug="iphone-13", storage_gb=128,
                   colour="Midnight", reference="0194252707234")
    galaxy = ProductFactory(model__name="Galaxy S22", model__slug="galaxy-s22", reference="8806094000011")
    pixel = ProductFactory(model__name="Pixel 7", model__slug="pixel-7", reference="0840244700010")
    staff = UserFactory(email="staff@example.test", is_staff=True, is_superuser=True)
    applicant = UserFactory(email="rita@lyon-refurb.test", first_name="Rita")
    shopper = UserFactory(email="alex@example.test", first_name="Alex")

    # 1. A user applies from the footer's "Become a seller" (on a phone).
    seller_person = Person(open_page, live_server, applicant.email, acts_on="mobile")
    page = seller_person.main
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Become a seller").click()
    page.get_by_label("Company name").wait_for()
    seller_person.step("01-apply")
    page.get_by_label("Company name").fill("Lyon Refurb")
    page.get_by_label("VAT number").fill("FR40123456789")
    page.get_by_label("Contact name").fill("Rita Martin")
    page.get_by_label("Business address").fill("2 quai Saint-Antoine, Lyon")
    page.get_by_label("Return address").fill("2 quai Saint-Antoine, Lyon")
    page.get_by_label("I accept the seller terms").check()
    page.get_by_role("button", name="Send my application").click()
    page.get_by_role("heading", name="Your application is being reviewed").wait_for()
    seller = Seller.objects.get(name="Lyon Refurb")
    assert seller.status == Seller.Status.PENDING
    seller_person.step("02-pending")

    # 2. Staff approve in the Django admin, giving a reason on the confirmation page.
    # Staff log in on the site (one login for the site and the admin), then open the admin.
    staff_person = Person(open_page, live_server, staff.email, acts_on="desktop")
    admin = staff_person.main
    admin.goto(live_server.url + "/admin/sellers/seller/?status__exact=pending")
    staff_person.step("03-admin-pending")
    for current in (admin, staff_person.mirror):
        admin_seller_action(current, live_server, seller_name="Lyon Refurb", action="approve")
        assert current.get_by_role("listitem").filter(has_text="Lyon Refurb — Pending review").count() == 1
        journey_step(current, f"journey-seller-04-admin-approve-reason-{current.viewport_name}")
    admin.get_by_label("Reason").fill("Documents checked; VAT number valid.")
    admin.get_by_role("button", name="Approve sellers").click()
    admin.get_by_text("1 seller approved.").wait_for()
    seller.refresh_from_db()
    assert seller.status == Seller.Status.APPROVED and seller.status_reason == ""
    staff_person.step("05-admin-approved")

    # 3. At the desk now, the seller creates a listing, finding the product as they type.
    seller_desk = Person(open_page, live_server, applicant.email, acts_on="desktop")
    page = seller_desk.main
    page.goto(live_server.url + "/seller/")
    page.get_by_role("heading", name="Dashboard", level=1).wait_for()
    seller_desk.step("06-dashboard")
    page.get_by_role("navigation", name="Seller back office").get_by_role("link", name="Listings").click()
    page.get_by_role("link", name="New listing").first.click()
    page.get_by_label("Find the product").fill("iphone")
    page.get_by_label("iPhone 13").wait_for()
    page.get_by_label("iPhone 13").check()
    page.get_by_label("Grade").select_option("excellent")
    page.get_by_label("Your SKU").fill("LYR-IP13-128")
    page.get_by_label("Price").fill("419.00")
    page.get_by_label("Quantity on hand").fill("3")
    page.get_by_label("Warranty (months)").fill("24")
    seller_desk.step("07-listing-form")
    page.get_by_role("button", name="Create the listing").click()
    page.get_by_text("Listing LYR-IP13-128 is created.").wait_for()
    listing = Listing.objects.get(seller=seller, sku="LYR-IP13-128")
    assert (listing.price, listing.quantity, listing.grade) == (Decimal("419.00"), 3, "excellent")
    seller_desk.step("08-listing-created")

    # 4. A CSV: two good rows and one the report explains; the import runs to done.
    path = tmp_path / "lyon-stock.csv"
    path.write_bytes(csv_bytes([listing_row(galaxy, "LYR-S22", price="389.00", quantity=4),
                                listing_row(pixel, "LYR-PIX7", grade="fair", price="249.00", quantity=2),
                                listing_row(pixel, "LYR-BAD", grade="shiny")]))
    page.get_by_role("navigation", name="Seller back office").get_by_role(
        "link", name=re.compile("Stock")).first.click()
    page.locator("input#id_file").set_input_files(str(path))
    seller_desk.step("09-stock-upload")
    page.get_by_role("button", name="Upload and apply").click()
    progress = page.get_by_role("progressbar")
    progress.wait_for()
    page.wait_for_function(
        "() => document.querySelector('[role=progressbar]').getAttribute('aria-valuenow') === '100'")
    page.get_by_role("heading", name="Rows that failed").wait_for()
    assert "3 of 3 rows processed" in page.locator("#import-progress").inner_text()
    counts = dict(zip(page.locator(".stock-counts dt").all_inner_texts(),
                      page.locator(".stock-counts dd").all_inner_texts(), strict=True))
    assert counts == {"Created": "2", "Updated": "0", "Unchanged": "0", "Failed": "1"}
    expect(page.get_by_role("cell", name="Choose one of: premium, excellent, good, fair.")).to_be_visible()
    assert StockImport.objects.get(seller=seller).status == StockImport.Status.DONE
    seller_desk.step("10-stock-import-done")

    # 5. A shopper buys the listing through the site (on a phone) and pays with the test card.
    shopper_person = Person(open_page, live_server, shopper.email, acts_on="mobile")
    shop = shopper_person.main
    response = shop.goto(live_server.url + "/p/iphone-13/?grade=excellent")
    assert response.ok, f"the product page answered {response.status}"
    buy_box = shop.locator(".buy-box")
    assert "Lyon Refurb" in buy_box.inner_text()
    buy_box.get_by_role("button", name="Add to cart").click()
    shop.wait_for_function("() => document.querySelector('#cart-count').textContent.trim() === '1'")
    shop.goto(live_server.url + "/cart/")
    shop.get_by_role("link", name="Check out").click()
    shop.get_by_label("Full name").fill("Alex Martin")
    shop.get_by_label("Address line 1").fill("8 rue Oberkampf")
    shop.get_by_label("Postal code").fill("75011")
    shop.get_by_label("City").fill("Paris")
    shop.get_by_label("Country (two letters, e.g. FR)").fill("FR")
    shop.get_by_role("button", name="Continue to review").click()
    shop.get_by_role("button", name="Place order and pay").click()
    shop.get_by_label("Card number").fill("4242 4242 4242 4242")
    shop.get_by_role("button", name=re.compile(r"^Pay ")).click()
    shop.get_by_text("Thank you, your order is paid.").wait_for()
    seller_order = SellerOrder.objects.get(seller=seller)
    number = seller_order.order.number
    assert seller_order.state == "paid"
    assert any(applicant.email in m.to and number in m.body for m in mail.outbox)  # the new-order notice

    # 6. The seller sees the new order, accepts it and ships it with tracking and the serial.
    page.goto(live_server.url + "/seller/orders/")
    tabs = page.get_by_role("navigation", name="Orders by state")
    expect(tabs.get_by_role("link", name="To accept 1")).to_be_visible()
    seller_desk.step("11-new-order")
    page.get_by_role("link", name=number).click()
    page.get_by_role("button", name="Accept the order").click()
    page.get_by_text("Order accepted").wait_for()
    seller_desk.step("12-order-accepted")
    page.get_by_label("Carrier").select_option("Colissimo")
    page.get_by_label("Tracking number").fill("6A12345678901")
    page.get_by_label("IMEI or serial — ").fill(IMEI)
    page.get_by_role("button", name="Mark as shipped").click()
    page.get_by_text("Marked as shipped").wait_for()
    seller_order.refresh_from_db()
    assert (seller_order.state, seller_order.carrier, seller_order.tracking_number) == (
        "shipped", "Colissimo", "6A12345678901")
    assert seller_order.lines.get().serials.get().serial == IMEI
    seller_desk.step("13-order-shipped")

    # 7. The shopper sees it shipped in "My orders", and the tracking link on the order.
    shop.goto(live_server.url + "/account/orders/")
    row = shop.get_by_role("row", name=re.compile(number))
    assert "Shipped" in row.inner_text() and "6A12345678901" in row.inner_text()
    shopper_person.step("14-my-orders-shipped")
    row.get_by_role("link", name=number).click()
    track = shop.get_by_role("link", name="Track parcel 6A12345678901")
    assert "6A12345678901" in track.get_attribute("href")
    shopper_person.step("15-order-tracking")
