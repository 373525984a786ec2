"""Repricing in real Chromium: the bulk match's preview of every change, applied; the log and the
notices a seller sees."""
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from catalog.models import Grade
from sellers.models import Listing
from tests.factories import ListingFactory, ProductFactory, SellerMemberFactory
from tests.helpers import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/work/notes/shots/h2")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_bulk_match_preview_then_apply(page, live_server):
    member = SellerMemberFactory(seller__name="Green Phone Lab")
    for i, (name, mine, rival, floor) in enumerate([
            ("iPhone 13", "429.00", "419.00", None), ("Galaxy S22", "389.00", "379.90", "375.00"),
            ("Pixel 7", "310.00", "299.00", "305.00"), ("iPhone 12", "420.00", "5.49", None)]):
        product = ProductFactory(model__name=name)
        listing = ListingFactory(seller=member.seller, product=product, grade=Grade.values[i % 4],
                                 price=Decimal(mine), sku=f"GPL-{i}", floor_price=floor and Decimal(floor))
        ListingFactory(product=product, grade=listing.grade, price=Decimal(rival))
    browser_login(page, live_server, member.user.email)
    page.goto(live_server.url + "/seller/listings/?buy_box=losing")
    page.get_by_role("link", name="Match the price to win for the losing ones…").click()
    expect(page.get_by_role("heading", name="Match the price to win", level=1)).to_be_visible()
    table = page.get_by_role("table")
    assert table.get_by_role("row").count() == 1 + 3  # Pixel 7's floor is above its price to win
    assert table.get_by_text("At its floor").count() == 0
    expect(table.get_by_text("Held")).to_be_visible()  # matching €5.49 looks mistaken
    _shot(page, "bulk-match-preview")

    page.get_by_label("Set each price to").select_option("beat")
    page.get_by_label("Amount").fill("5")
    page.get_by_role("button", name="Preview again").click()
    expect(page.get_by_role("table").get_by_text("At its floor")).to_be_visible()  # Galaxy: 374.89 → 375.00
    _shot(page, "bulk-match-preview-beat")
    page.get_by_role("button", name="Apply 2 price changes").click()
    page.get_by_text("2 prices changed.").wait_for()
    prices = dict(Listing.objects.filter(seller=member.seller).values_list("sku", "price"))
    assert prices == {"GPL-0": Decimal("413.99"), "GPL-1": Decimal("375.00"), "GPL-2": Decimal("310.00"),
                      "GPL-3": Decimal("420.00")}

    page.get_by_role("navigation", name="Seller back office").get_by_role("link", name="Repricing").click()
    expect(page.get_by_role("cell", name="€413.99")).to_be_visible()
    _shot(page, "repricing-log")

    # The matched listings now hold their boxes: the menu counts the notices, the page lists them.
    nav = page.get_by_role("navigation", name="Seller back office")
    expect(nav.locator(".badge-count")).to_be_visible()
    nav.get_by_role("link", name="Notices").click()
    expect(page.get_by_text("GPL-0").first).to_be_visible()
    expect(page.get_by_text("Buy box won").first).to_be_visible()
    _shot(page, "notices")
    assert nav.locator(".badge-count").count() == 0  # opened: read
