"""A seller's trade-in offer for a model and storage, in real Chromium: the back office form saves
ONE offer for every colour, with one cap ("20 iPhone 12 128 GB, cracked": 20 in all), shown as one
row; a visitor selling either colour is offered it. Each step: a screenshot, no console error, no
serious accessibility violation, nothing wider than the screen."""
import re

import pytest

from tests.factories import ProductFactory, SellerMemberFactory
from tests.helpers import browser_login, journey_step
from tradein.models import TradeInOffer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_back_office_model_offer_is_one_row_with_one_cap_for_every_colour(open_page, live_server):
    black = ProductFactory(model__name="iPhone 12", model__slug="iphone-12", model__brand__name="Apple",
                           storage_gb=128, colour="Black", reference="0194252030394")
    ProductFactory(model=black.model, storage_gb=128, colour="White", reference="0194252030400")
    owner = SellerMemberFactory(seller__name="GreenFix", user__email="rita@greenfix.test")

    page = open_page("desktop")
    browser_login(page, live_server, owner.user.email)
    page.goto(f"{live_server.url}/seller/trade-in/")
    page.get_by_label(re.compile("every colour of a model")).select_option(label="iPhone 12")
    page.get_by_label(re.compile("with this storage")).fill("128")
    page.get_by_label("Condition").select_option(label="Cracked")
    page.get_by_label("Your price (€)").fill("95,00")
    page.get_by_label("Devices still wanted").fill("20")
    page.get_by_role("button", name="Save the offer").click()
    page.get_by_text("Offer added.").wait_for()
    rows = page.locator("table.listing-table tbody tr")
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert "iPhone 12 128 GB" in row and "(every colour)" in row and "20" in row
    journey_step(page, "trade-in-model-offer-01-seller")
    [offer] = TradeInOffer.objects.all()
    assert (offer.product_id, offer.storage_gb, offer.cap) == (None, 128, 20)

    # A visitor selling a white or a black one is offered it.
    visitor = open_page("mobile")
    visitor.goto(f"{live_server.url}/sell/iphone-12/")
    for colour in ("Black", "White"):
        visitor.get_by_label(re.compile(colour)).wait_for()
    journey_step(visitor, "trade-in-model-offer-02-sell-page")
