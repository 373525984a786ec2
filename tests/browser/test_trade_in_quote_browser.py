"""A trade-in quote held across logging in, in real Chromium: a visitor answers the questions and
is quoted €300 from GreenFix, valid 14 days; the seller then lowers its price to €150; the visitor
logs in from the quote's own page, comes back to the same quote at €300, corrects a mistyped IBAN
beside it and sells the device at €300. Each step: a screenshot, no console error, no serious
accessibility violation, nothing wider than the screen."""
import re
from decimal import Decimal

import pytest

from tests.factories import PASSWORD, ProductFactory, SellerMemberFactory, UserFactory
from tests.helpers import journey_step
from tradein.models import TradeIn, TradeInOffer, TradeInQuote
from tradein.offers import offer_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_quote_given_before_logging_in_holds_its_price_after_logging_in(open_page, live_server):
    iphone = ProductFactory(model__name="iPhone 12", model__slug="iphone-12", model__brand__name="Apple",
                            storage_gb=128, colour="Black", reference="0194252030394")
    owner = SellerMemberFactory(seller__name="GreenFix", seller__return_address="4 rue du Port\n44000 Nantes")
    offer_save(seller=owner.seller, product=iphone, condition="flawless", price="300", cap=5)
    shopper = UserFactory(email="alex@example.test", first_name="Alex")

    # 1. A visitor, not logged in, answers the questions and is quoted.
    page = open_page("desktop")
    page.goto(f"{live_server.url}/sell/iphone-12/")
    page.get_by_label(re.compile("128 GB")).check()
    for question, answer in (("Does it power on?", "Yes"), ("Is the screen cracked?", "No"),
                             ("Marks on the body?", "None, like new"),
                             ("Will you send the charger or the box with it?", "Yes"),
                             ("Have you removed the iCloud or Google lock (Find My)?", "Yes")):
        page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Get my offer").click()
    page.get_by_role("heading", name="Your offer", exact=True).wait_for()
    quote_url = page.url
    quote = TradeInQuote.objects.get()
    assert quote_url.endswith(f"/sell/quotes/{quote.token}/") and quote.shopper is None
    text = page.inner_text("#quote")
    assert "€300.00" in text and "GreenFix" in text and "held for you until" in text
    journey_step(page, "trade-in-quote-01-visitor")

    # 2. Meanwhile the seller lowers its price and switches the offer off.
    offer = TradeInOffer.objects.get()
    offer_save(seller=owner.seller, product=iphone, condition="flawless", price="150", cap=5, is_active=False)

    # 3. The visitor logs in from the quote and lands on the same quote, still at €300.
    page.get_by_role("link", name="Log in to accept").click()
    page.get_by_label("Email").fill(shopper.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(quote_url)
    page.get_by_role("heading", name="Your offer", exact=True).wait_for()
    assert "€300.00" in page.inner_text("#quote") and "150" not in page.inner_text("#quote")
    quote.refresh_from_db()
    assert quote.shopper == shopper
    journey_step(page, "trade-in-quote-02-logged-in")

    # 4. A mistyped IBAN is shown beside the same quote; the right one sells the device at €300.
    page.get_by_label("IBAN of the account to pay").fill("FR76 3000 6000 0112 3456 7890 188")
    page.get_by_role("button", name=re.compile("Sell it for")).click()
    page.get_by_text("typing mistake").wait_for()
    assert "€300.00" in page.inner_text("#quote")
    journey_step(page, "trade-in-quote-03-iban")
    page.get_by_label("IBAN of the account to pay").fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_role("button", name="Sell it for €300.00").click()
    page.get_by_role("heading", name=re.compile("Trade-in TI-")).wait_for()
    trade_in = TradeIn.objects.get()
    assert (trade_in.quoted_price, trade_in.quote_id) == (Decimal("300.00"), quote.pk)
    assert trade_in.shopper == shopper
    offer.refresh_from_db()
    assert (offer.cap, offer.is_active, offer.price) == (4, False, Decimal("150.00"))
    journey_step(page, "trade-in-quote-04-accepted")
