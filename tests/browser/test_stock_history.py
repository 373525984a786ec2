"""A seller finds out why a listing's stock is what it is, in real Chromium: from the listing list's
"Stock: …" link to the listing's stock history, on a desktop and a phone."""
import pytest

from sellers.ledger import Reason, StockCause
from sellers.services import listing_update
from tests.factories import ListingFactory, ProductFactory, SellerMemberFactory
from tests.helpers import browser_login, journey_step
from tests.orders.fulfil_support import paid_order, to_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _listing_with_history():
    member = SellerMemberFactory(seller__name="Green Phone Lab")
    listing = ListingFactory(seller=member.seller, product=ProductFactory(model__name="iPhone 13"),
                             quantity=5, sku="GPL-IP13-128-A")
    listing_update(listing=listing, quantity=8, cause=StockCause(Reason.BACK_OFFICE, user_id=member.user.pk))
    shipped = paid_order(lines=[(listing, 2)])
    to_state(shipped.seller_orders.get(), "shipped")
    waiting = paid_order(lines=[(listing, 1)])
    return member, listing, shipped, waiting


def test_seller_opens_a_listings_stock_history_from_the_list(page, mobile_page, live_server):
    member, listing, shipped, waiting = _listing_with_history()
    browser_login(page, live_server, member.user.email)
    page.goto(f"{live_server.url}/seller/listings/")
    page.get_by_role("link", name="Stock: Order placed").first.click()
    page.get_by_role("heading", name="Stock history").wait_for()
    rows = page.locator("table.stock-history tbody tr")
    assert rows.count() == 5
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(5)] == [
        "Order placed", "Shipped", "Order placed", "Back office", "Opening balance"]
    # On hand after each line, newest first: 6 on hand once two shipped, 1 held for the waiting order.
    assert rows.nth(0).locator("td").nth(4).inner_text() == "6"
    assert rows.nth(0).locator("td").nth(5).inner_text() == "5"
    assert page.get_by_role("link", name=f"Order {shipped.number}").count() == 2
    journey_step(page, "stock-history-desktop")

    browser_login(mobile_page, live_server, member.user.email)
    mobile_page.console_errors = []
    mobile_page.goto(f"{live_server.url}/seller/listings/{listing.pk}/stock/")
    mobile_page.get_by_role("link", name=f"Order {waiting.number}").wait_for()
    journey_step(mobile_page, "stock-history-mobile")
