"""The staff journey in real Chromium: staff suspend a seller in the Django admin, giving a reason on
the confirmation page, and that seller's offers leave the product page at once, though the page was
cached a moment before. Shoppers look at the product page at desktop and phone widths; staff act at a
desk, with each admin page also opened on a phone. Every step is a screenshot
(tests/screenshots/journey-staff-*), with no console error and no serious axe-core violation."""
import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from sellers.models import Seller
from tests.factories import ListingFactory, ProductFactory, SellerFactory, UserFactory
from tests.helpers import admin_seller_action, browser_login, journey_step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_suspended_sellers_offers_leave_the_product_page_at_once(open_page, live_server):
    product = ProductFactory(model__name="Galaxy S22", model__slug="galaxy-s22", storage_gb=128,
                             colour="Phantom Black")
    shady = SellerFactory(name="Shady Deals Ltd", rating=Decimal("3.10"), contact_email="shady@example.test")
    renew = SellerFactory(name="ReNew Tech", rating=Decimal("4.85"))
    ListingFactory(product=product, seller=shady, grade="good", price=Decimal("329.00"), quantity=4)
    ListingFactory(product=product, seller=shady, grade="excellent", price=Decimal("379.00"), quantity=2)
    ListingFactory(product=product, seller=renew, grade="good", price=Decimal("349.00"), quantity=6)
    staff = UserFactory(email="staff@example.test", is_staff=True, is_superuser=True)
    url = f"{live_server.url}/p/galaxy-s22/?grade=good"
    shoppers = [open_page("desktop"), open_page("mobile")]
    desk, phone = open_page("desktop"), open_page("mobile")
    for page in (desk, phone):
        browser_login(page, live_server, staff.email)

    # Before: the cheaper seller wins the buy box, the other offer sits below (and the page is cached).
    for shopper in shoppers:
        shopper.goto(url)
        assert "Shady Deals Ltd" in shopper.locator(".buy-box").inner_text()
        assert "ReNew Tech" in shopper.locator(".other-offers").inner_text()
        journey_step(shopper, f"journey-staff-01-product-before-{shopper.viewport_name}")

    # Staff find the seller in the admin and choose "suspend": a reason is asked first.
    for page in (desk, phone):
        page.goto(f"{live_server.url}/admin/sellers/seller/?q=Shady")
        expect(page.get_by_role("row", name=re.compile("Shady Deals Ltd"))).to_be_visible()
        journey_step(page, f"journey-staff-02-admin-sellers-{page.viewport_name}")
        admin_seller_action(page, live_server, seller_name="Shady Deals Ltd", action="suspend")
        page.get_by_role("heading", name="Suspend sellers").wait_for()
        journey_step(page, f"journey-staff-03-suspend-reason-{page.viewport_name}")
    # Nothing has changed yet, and the browser will not send the form without a reason.
    assert Seller.objects.get(pk=shady.pk).status == Seller.Status.APPROVED
    assert desk.get_by_label("Reason").get_attribute("required") is not None
    desk.get_by_label("Reason").fill("Three customer complaints about devices sold as working.")
    desk.get_by_role("button", name="Suspend sellers").click()
    desk.get_by_text("1 seller suspended.").wait_for()
    shady.refresh_from_db()
    assert shady.status == Seller.Status.SUSPENDED
    assert shady.status_reason == "Three customer complaints about devices sold as working."
    assert any("shady@example.test" in m.to for m in mail.outbox)
    phone.goto(desk.url)
    for page in (desk, phone):
        journey_step(page, f"journey-staff-04-suspended-{page.viewport_name}")

    # After: on the very next request the offer is gone, in both grades; the other seller wins.
    for shopper in shoppers:
        shopper.goto(url)
        buy_box = shopper.locator(".buy-box").inner_text()
        assert "ReNew Tech" in buy_box and "€349.00" in buy_box
        assert "Shady Deals Ltd" not in shopper.content()
        assert shopper.locator(".other-offers").count() == 0
        journey_step(shopper, f"journey-staff-05-product-after-{shopper.viewport_name}")
        shopper.goto(url.replace("good", "excellent"))
        assert "Shady Deals Ltd" not in shopper.content()
        expect(shopper.get_by_role("heading", name="Out of stock in Excellent condition")).to_be_visible()
        journey_step(shopper, f"journey-staff-06-grade-gone-{shopper.viewport_name}")

