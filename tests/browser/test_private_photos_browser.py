"""In real Chromium: the private trade-in photo a seller took at inspection shows on the shopper's
status page and on the seller's device page (served by the views that check who asks), and
another shopper's browser gets nothing."""
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import SellerMemberFactory, UserFactory
from tests.helpers import browser_login
from tests.tradein.conftest import FLAWLESS, png_bytes, sell
from tradein import services
from tradein.offers import offer_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/work/notes/shots/h9")


def _loaded_photos(page) -> list[int]:
    return page.eval_on_selector_all(".trade-in-photos img", "imgs => imgs.map(i => i.naturalWidth)")


def test_the_shopper_and_the_seller_see_the_private_photo_and_another_shopper_does_not(
        browser, open_page, live_server):
    from tests.factories import ProductFactory, ProductModelFactory

    iphone = ProductFactory(model=ProductModelFactory(name="iPhone 12", slug="iphone-12"), storage_gb=128)
    owner = SellerMemberFactory(seller__name="GreenFix", seller__return_address="4 rue du Port, Nantes")
    offer_save(seller=owner.seller, product=iphone, condition="flawless", price="300.00", cap=5)
    shopper = UserFactory(first_name="Alex")
    trade_in = sell(shopper=shopper, product=iphone, answers=FLAWLESS)
    services.trade_in_mark_shipped(trade_in=trade_in, shopper=shopper, tracking="6A123")
    services.trade_in_receive(trade_in=trade_in, actor=owner.user)
    services.trade_in_counter_offer(
        trade_in=trade_in, actor=owner.user, price="200", reason="A dent on the back",
        photos=[SimpleUploadedFile("back.png", png_bytes(size=(320, 240)), content_type="image/png")])

    page = open_page()
    browser_login(page, live_server, shopper.email)
    page.goto(live_server.url + reverse("tradein:status", args=[trade_in.number]))
    page.wait_for_load_state("networkidle")
    assert _loaded_photos(page) == [320]
    page.screenshot(path=str(SHOTS / "trade-in-status-photo.png"), full_page=True)

    seller_page = open_page()
    browser_login(seller_page, live_server, owner.user.email)
    seller_page.goto(live_server.url + reverse("tradein:seller_detail", args=[trade_in.number]))
    seller_page.wait_for_load_state("networkidle")
    assert _loaded_photos(seller_page) == [320]
    seller_page.screenshot(path=str(SHOTS / "trade-in-seller-photo.png"), full_page=True)

    stranger = open_page()
    browser_login(stranger, live_server, UserFactory().email)
    photo_url = live_server.url + reverse("tradein:photo", args=[trade_in.number, trade_in.photos.get().pk])
    assert stranger.request.get(photo_url).status == 404
