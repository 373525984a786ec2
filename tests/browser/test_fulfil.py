"""Fulfilment in real Chromium: the seller accepts and ships from the orders page; the shopper sees
states, tracking and warranty in "My orders", and prints the receipt. Screenshots, desktop and mobile."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders import fulfilment
from tests.factories import ListingFactory, ProductFactory, SellerMemberFactory, UserFactory
from tests.helpers import browser_login, screenshot
from tests.orders.fulfil_support import IMEI, paid_order, to_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shop():
    member = SellerMemberFactory(seller__name="Green Phone Lab", seller__shipping_fee=Decimal("4.90"),
                                 seller__commission_rate=Decimal("0.1000"))
    shopper = UserFactory(first_name="Alex", last_name="Martin", email="alex@example.test")
    phones = [ListingFactory(seller=member.seller, product=ProductFactory(model__name=name), quantity=10,
                             price=price, warranty_months=24, sku=f"GPL-{i}")
              for i, (name, price) in enumerate([("iPhone 13", Decimal("429.00")),
                                                 ("Galaxy S22", Decimal("389.00")),
                                                 ("Pixel 7", Decimal("299.00"))])]
    to_accept = paid_order(lines=[(phones[0], 1)], user=shopper).seller_orders.get()
    paid_order(lines=[(phones[1], 1), (phones[2], 1)], user=UserFactory(first_name="Sam", last_name="Lee"))
    to_state(paid_order(lines=[(phones[2], 1)], user=shopper).seller_orders.get(), "shipped")
    delivered = to_state(paid_order(lines=[(phones[1], 1)], user=shopper).seller_orders.get(), "delivered",
                         now=timezone.now() - timedelta(days=3))
    fulfilment.return_request_create(order_line=delivered.lines.get(), reason="defective",
                                     comment="The battery drains in two hours.", user=shopper)
    old = to_state(paid_order(lines=[(phones[0], 1)], user=shopper).seller_orders.get(), "delivered",
                   now=timezone.now() - timedelta(days=40))
    fulfilment.payouts_compute()
    assert old.payout_entries.count() == 2
    return member, shopper, to_accept, delivered


def test_seller_accepts_and_ships_from_the_orders_page(page, mobile_page, live_server):
    member, shopper, to_accept, _delivered = _shop()
    browser_login(page, live_server, member.user.email)
    page.goto(live_server.url + "/seller/orders/")
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Seller back office").get_by_role("link", name="Payouts").click()
    expect(page.get_by_role("heading", name="Payouts", level=1)).to_be_visible()
    expect(page.get_by_text("€391.00").first).to_be_visible()  # 433.90 − 42.90 (10 % of 429.00)
    screenshot(page, "fulfil-seller-payouts-desktop")
    page.goto(live_server.url + "/seller/orders/")
    tabs = page.get_by_role("navigation", name="Orders by state")
    expect(tabs.get_by_role("link", name="To accept 2")).to_be_visible()
    expect(tabs.get_by_role("link", name="Delivered 2")).to_be_visible()
    expect(tabs.get_by_role("link", name="Returns 1")).to_be_visible()
    screenshot(page, "fulfil-seller-orders-desktop")

    page.get_by_role("link", name=to_accept.order.number).click()
    page.get_by_role("button", name="Accept the order").click()
    page.get_by_text("Order accepted").wait_for()
    page.get_by_role("button", name="Mark as shipped").click()
    page.get_by_text("Choose the carrier.").wait_for()
    expect(page.get_by_text("Enter the tracking number.")).to_be_visible()
    screenshot(page, "fulfil-seller-ship-errors-desktop")
    page.get_by_label("Carrier").select_option("Colissimo")
    page.get_by_label("Tracking number").fill("6A98765432109")
    page.get_by_label("IMEI or serial — ").fill(IMEI)
    page.get_by_role("button", name="Mark as shipped").click()
    page.get_by_text("Marked as shipped").wait_for()
    expect(page.get_by_role("link", name="6A98765432109")).to_be_visible()
    screenshot(page, "fulfil-seller-order-detail-desktop")
    to_accept.refresh_from_db()
    assert to_accept.state == "shipped"

    page.goto(live_server.url + "/seller/orders/?tab=returns")
    page.get_by_role("link", name=_delivered.order.number).click()
    expect(page.get_by_text("The battery drains in two hours.")).to_be_visible()
    screenshot(page, "fulfil-seller-return-desktop")

    browser_login(mobile_page, live_server, member.user.email)
    mobile_page.goto(live_server.url + "/seller/orders/?tab=shipped")
    screenshot(mobile_page, "fulfil-seller-orders-mobile")
    mobile_page.goto(live_server.url + f"/seller/orders/{to_accept.pk}/")
    screenshot(mobile_page, "fulfil-seller-order-detail-mobile")


def test_shopper_follows_orders_and_prints_the_receipt(page, mobile_page, live_server):
    _member, shopper, _to_accept, delivered = _shop()
    browser_login(page, live_server, shopper.email)
    page.goto(live_server.url + "/account/orders/")
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    screenshot(page, "fulfil-my-orders-desktop")
    page.get_by_role("link", name=delivered.order.number).click()
    expect(page.get_by_text("Warranty until").first).to_be_visible()
    expect(page.get_by_text("Return: Requested")).to_be_visible()
    screenshot(page, "fulfil-order-detail-desktop")
    page.get_by_role("link", name="Invoice / receipt").click()
    expect(page.get_by_role("heading", name=f"Receipt for order {delivered.order.number}")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    screenshot(page, "fulfil-invoice-desktop")
    page.emulate_media(media="print")
    screenshot(page, "fulfil-invoice-print")

    browser_login(mobile_page, live_server, shopper.email)
    mobile_page.goto(live_server.url + "/account/orders/")
    screenshot(mobile_page, "fulfil-my-orders-mobile")
    mobile_page.goto(live_server.url + f"/orders/{delivered.order.number}/")
    screenshot(mobile_page, "fulfil-order-detail-mobile")
    mobile_page.goto(live_server.url + f"/orders/{delivered.order.number}/invoice/")
    screenshot(mobile_page, "fulfil-invoice-mobile")
