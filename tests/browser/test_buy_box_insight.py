"""The listing list with its buy-box insight and filters, and the dashboard's box share, in Chromium."""
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import Grade
from orders.models import Order, SellerOrder
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory
from tests.helpers import assert_accessible, browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOTES = Path("/work/notes/shots/h1")
D = Decimal


def _keep(path: Path) -> None:
    """A copy for the people reviewing the issue, when their notes folder exists."""
    if NOTES.parent.is_dir():
        NOTES.mkdir(exist_ok=True)
        shutil.copy(path, NOTES / path.name)


def _seller():
    member = SellerMemberFactory(seller__name="Volume Outlet", seller__quality_score=D("70.00"))
    rival = SellerFactory(name="Other Refurb", quality_score=D("70.00"))
    rows = [("iPhone 13", D("399.00"), D("583.00"), 9), ("Galaxy S22", D("420.00"), D("409.00"), 4),
            ("Pixel 7", D("350.00"), None, 7), ("iPhone 12 mini", D("300.00"), D("250.00"), 2),
            ("MacBook Air M1", D("650.00"), D("620.00"), 0)]
    for i, (name, mine, theirs, quantity) in enumerate(rows):
        product = ProductFactory(model__name=name)
        ListingFactory(seller=member.seller, product=product, grade=Grade.EXCELLENT, price=mine,
                       quantity=quantity, sku=f"VOL-{i}")
        if theirs:
            ListingFactory(seller=rival, product=product, grade=Grade.EXCELLENT, price=theirs)
    for day in range(30):  # a sale every day, the last one today: the chart's last label is today
        order = Order.objects.create(number=f"D{day}", email="s@example.test", ship_full_name="S",
                                     ship_line1="1", ship_postal_code="1", ship_city="P", ship_country="FR",
                                     subtotal=D("100") + day, shipping_total=D("0"), total=D("100") + day)
        SellerOrder.objects.create(order=order, seller=member.seller, state="delivered", subtotal=order.total,
                                   shipping_fee=D("0"), total=order.total, commission_rate=D("0.1"),
                                   paid_at=timezone.now() - timezone.timedelta(days=day))
    return member


def test_the_list_tells_each_listing_where_it_stands_and_filters_by_it(page, live_server):
    member = _seller()
    browser_login(page, live_server, member.user.email)
    page.goto(live_server.url + "/seller/listings/")
    winning = page.locator("tr", has_text="VOL-0")
    expect(winning.get_by_text("Runner-up €583.00")).to_be_visible()
    expect(winning.get_by_text("You could charge €183.99 more (€582.99) and still win")).to_be_visible()
    expect(page.locator("tr", has_text="VOL-1").get_by_text("Price to win €408.99")).to_be_visible()
    expect(page.locator("tr", has_text="VOL-2").get_by_text("you are alone on this box")).to_be_visible()
    assert_accessible(page)
    _keep(screenshot(page, "h1-listing-list-insight"))

    page.get_by_label("Losing by less than (%)").fill("5")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("1 listing", exact=True)).to_be_visible()
    expect(page.locator("tr", has_text="VOL-1")).to_be_visible()
    assert not page.locator("tr", has_text="VOL-3").count()
    _keep(screenshot(page, "h1-listing-list-losing-within-5"))

    page.goto(live_server.url + "/seller/")
    expect(page.get_by_text("2 of the 4 boxes")).to_be_visible()  # VOL-4 has no stock: no box on sale
    chart = page.locator("svg.bar-chart")
    last_label = chart.locator("text.tick").last
    box, label = chart.bounding_box(), last_label.bounding_box()
    assert label["x"] + label["width"] <= box["x"] + box["width"] + 0.5  # the last date is not cut off
    _keep(screenshot(page, "h1-dashboard-box-share"))
