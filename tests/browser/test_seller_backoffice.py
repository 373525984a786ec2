"""The seller back office in real Chromium: apply, status, dashboard, listings with htmx, create."""
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalog.models import Grade
from orders.models import Order, SellerOrder
from sellers.models import Listing, Seller
from tests.factories import ListingFactory, ProductFactory, SellerMemberFactory, UserFactory
from tests.helpers import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _seller_with_listings():
    member = SellerMemberFactory(seller__name="Green Phone Lab", seller__rating=Decimal("4.2"))
    seller = member.seller
    for i, name in enumerate(["iPhone 13", "Galaxy S22", "Pixel 7", "iPhone 12 mini"]):
        product = ProductFactory(model__name=name)
        mine = ListingFactory(seller=seller, product=product, grade=Grade.values[i % 4],
                              price=Decimal("400.00") + 10 * i, quantity=[8, 2, 0, 12][i], sku=f"GPL-{i}")
        if i % 2:
            ListingFactory(product=product, grade=mine.grade, price=mine.price - Decimal("15.00"))
    from django.utils import timezone

    for day in range(8):
        order = Order.objects.create(
            number=f"R{day}", email="s@example.test", ship_full_name="S", ship_line1="1",
            ship_postal_code="1", ship_city="P", ship_country="FR", subtotal=Decimal("300") + day * 40,
            shipping_total=Decimal("0"), total=Decimal("300") + day * 40)
        SellerOrder.objects.create(
            order=order, seller=seller, state="paid" if day < 2 else "delivered",
            subtotal=order.total, shipping_fee=Decimal("0"), total=order.total,
            commission_rate=Decimal("0.1"), paid_at=timezone.now() - timezone.timedelta(days=day * 3))
    return member


def test_dashboard_and_listing_list_with_inline_edit_and_match_price(page, mobile_page, live_server):
    member = _seller_with_listings()
    browser_login(page, live_server, member.user.email)
    page.goto(live_server.url + "/seller/")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Revenue per day, last 30 days")).to_be_visible()
    screenshot(page, "seller-dashboard-desktop")

    page.get_by_role("navigation", name="Seller back office").get_by_role("link", name="Listings").click()
    expect(page.get_by_role("heading", name="Listings", level=1)).to_be_visible()
    screenshot(page, "seller-listing-list-desktop")

    # Inline edit with htmx: a bad price is refused in the row, then a good one is saved.
    losing = Listing.objects.get(sku="GPL-1")
    page.get_by_label("Price of GPL-1").fill("-4")
    page.get_by_role("button", name="Save GPL-1").click()
    page.locator(f"#listing-{losing.pk}").get_by_text("The price must be more than zero.").wait_for()
    page.get_by_label("Price of GPL-1").fill("396.00")  # still over the rival's 395.00
    page.get_by_label("Quantity of GPL-1").fill("6")
    page.get_by_role("button", name="Save GPL-1").click()
    page.locator(f"#listing-{losing.pk}").get_by_text("Saved").wait_for()
    losing.refresh_from_db()
    assert (losing.price, losing.quantity) == (Decimal("396.00"), 6)

    # Match price to win: asks first, then the row wins.
    row = page.locator(f"#listing-{losing.pk}")
    row.get_by_role("link", name="Match price to win").click()
    row.get_by_text("Change the price of GPL-1").wait_for()
    screenshot(page, "seller-listing-match-confirm-desktop")
    row.get_by_role("button", name="Yes, set").click()
    page.locator(f"#listing-{losing.pk}").get_by_text("Winning").wait_for()
    losing.refresh_from_db()
    assert losing.price == Decimal("394.99")

    page.get_by_label("Buy box").select_option("losing")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**buy_box=losing**")
    assert page.locator("tr.listing-row").count() == 1

    browser_login(mobile_page, live_server, member.user.email)
    mobile_page.goto(live_server.url + "/seller/")
    screenshot(mobile_page, "seller-dashboard-mobile")
    mobile_page.goto(live_server.url + "/seller/listings/")
    screenshot(mobile_page, "seller-listing-list-mobile")
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390


def test_create_a_listing_with_search_as_you_type(page, mobile_page, live_server):
    member = SellerMemberFactory()
    ProductFactory(model__name="iPhone 13", reference="0194252707234", colour="Midnight")
    browser_login(page, live_server, member.user.email)
    page.goto(live_server.url + "/seller/listings/new/")
    page.get_by_role("button", name="Create the listing").click()
    expect(page.get_by_text("Choose the catalog product you are selling.")).to_be_visible()
    page.get_by_label("Find the product").fill("iphone")
    page.get_by_label("iPhone 13").wait_for()
    page.get_by_label("iPhone 13").check()
    page.get_by_label("Grade").select_option("excellent")
    page.get_by_label("Your SKU").fill("NEW-1")
    page.get_by_label("Price").fill("419.00")
    page.get_by_label("Quantity on hand").fill("3")
    page.get_by_label("Warranty (months)").fill("8")
    page.get_by_role("button", name="Create the listing").click()
    expect(page.get_by_text("The warranty must be at least 12 months.")).to_be_visible()
    screenshot(page, "seller-listing-create-desktop")
    page.get_by_label("Warranty (months)").fill("24")
    page.get_by_role("button", name="Create the listing").click()
    page.get_by_text("Listing NEW-1 is created.").wait_for()
    assert Listing.objects.get(sku="NEW-1").warranty_months == 24

    browser_login(mobile_page, live_server, member.user.email)
    mobile_page.goto(live_server.url + "/seller/listings/new/?q=iphone")
    screenshot(mobile_page, "seller-listing-create-mobile")


def test_apply_then_status_page(page, mobile_page, live_server):
    user = UserFactory()
    browser_login(page, live_server, user.email)
    page.goto(live_server.url + "/seller/apply/")
    screenshot(page, "seller-apply-desktop")
    page.get_by_label("Company name").fill("Lyon Refurb")
    page.get_by_label("VAT number").fill("FR40123456789")
    page.get_by_label("Contact name").fill("Ana")
    page.get_by_label("Business address").fill("2 quai, Lyon")
    page.get_by_label("Return address").fill("2 quai, Lyon")
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_text("You must accept the seller terms to apply.")).to_be_visible()
    page.get_by_label("I accept the seller terms").check()
    page.get_by_role("button", name="Send my application").click()
    page.get_by_role("heading", name="Your application is being reviewed").wait_for()
    assert Seller.objects.get().status == Seller.Status.PENDING
    screenshot(page, "seller-status-desktop")

    browser_login(mobile_page, live_server, user.email)
    mobile_page.goto(live_server.url + "/seller/status/")
    screenshot(mobile_page, "seller-status-mobile")
    other = UserFactory()
    mobile_page.context.clear_cookies()
    browser_login(mobile_page, live_server, other.email)
    mobile_page.goto(live_server.url + "/seller/apply/")
    screenshot(mobile_page, "seller-apply-mobile")
