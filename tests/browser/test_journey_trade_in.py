"""The trade-in journey in real Chromium: a shopper sells an iPhone to a seller from "Sell your
device" (answers, the best offer, IBAN, slip, shipped) → the seller receives it and makes a
counter-offer with a photo → the shopper accepts it → staff mark the payout sent in the admin →
the seller puts the device into stock. Each step: a screenshot (also under /work/notes/shots/h5/
when that folder exists), no console error, no serious accessibility violation, nothing wider
than the screen."""
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from orders.models import PayoutEntry
from sellers.models import Listing
from tests.factories import ProductFactory, SellerMemberFactory, UserFactory
from tests.helpers import SCREENSHOTS, browser_login, journey_step
from tests.tradein.conftest import png_bytes
from tradein.models import ShopperPayout, TradeIn
from tradein.offers import offer_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOTES = Path("/work/notes/shots/h5")


def step(page, name: str) -> None:
    journey_step(page, f"journey-trade-in-{name}")
    if NOTES.is_dir():
        shutil.copy(SCREENSHOTS / f"journey-trade-in-{name}.png", NOTES / f"{name}.png")


def test_shopper_sells_an_iphone_through_a_counter_offer_to_payout_and_into_stock(open_page, live_server,
                                                                                  tmp_path):
    iphone = ProductFactory(model__name="iPhone 12", model__slug="iphone-12", model__brand__name="Apple",
                            storage_gb=128, colour="Black", reference="0194252030394")
    owner = SellerMemberFactory(seller__name="GreenFix", seller__return_address="4 rue du Port\n44000 Nantes",
                                user__email="rita@greenfix.test")
    rival = SellerMemberFactory(seller__name="PhoneDoctor")
    offer_save(seller=owner.seller, product=iphone, condition="flawless", price="300", cap=5)
    offer_save(seller=rival.seller, product=iphone, condition="flawless", price="280", cap=5)
    shopper = UserFactory(email="alex@example.test", first_name="Alex")
    staff = UserFactory(email="staff@example.test", is_staff=True, is_superuser=True)

    # 1. The shopper finds "Sell your device" in the header, picks the model and answers.
    page = open_page("desktop")
    browser_login(page, live_server, shopper.email)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sell your device").first.click()
    page.get_by_role("link", name="Apple iPhone 12").click()
    page.get_by_label(re.compile("128 GB")).check()
    for question, answer in (("Does it power on?", "Yes"), ("Is the screen cracked?", "No"),
                             ("Marks on the body?", "None, like new"),
                             ("Will you send the charger or the box with it?", "Yes"),
                             ("Have you removed the iCloud or Google lock (Find My)?", "Yes")):
        page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    page.get_by_label("Battery health, if you know it (%)").fill("91")
    page.get_by_role("button", name="Get my offer").click()
    page.get_by_role("heading", name="Your offer").wait_for()
    assert "GreenFix" in page.inner_text("#quote") and "300.00" in page.inner_text("#quote")
    step(page, "01-quote")
    phone = open_page("mobile")  # the same shopper on a phone: the quote and status pages fit it
    browser_login(phone, live_server, shopper.email)
    phone.goto(page.url)
    phone.get_by_role("heading", name="Your offer").wait_for()
    step(phone, "01-quote-mobile")

    # 2. Accepting: a mistyped IBAN is refused, then the right one; the slip is printable.
    page.get_by_label("IBAN of the account to pay").fill("FR76 3000 6000 0112 3456 7890 188")
    page.get_by_role("button", name=re.compile("Sell it for")).click()
    page.get_by_text("typing mistake").wait_for()
    page.get_by_label("IBAN of the account to pay").fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_role("button", name=re.compile("Sell it for")).click()
    page.get_by_role("heading", name=re.compile("Trade-in TI-")).wait_for()
    trade_in = TradeIn.objects.get()
    step(page, "02-status-accepted")
    phone.goto(page.url)
    step(phone, "02-status-accepted-mobile")
    page.get_by_role("link", name="Print the shipping slip").click()
    page.get_by_text(trade_in.number).first.wait_for()
    assert "44000 Nantes" in page.inner_text("main")
    step(page, "03-slip")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()  # the printed slip is the slip alone
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Back to the trade-in").click()
    page.get_by_label("Tracking number").fill("6A1234567890")
    page.get_by_role("button", name="I have shipped it").click()
    page.get_by_text("Shipped", exact=True).first.wait_for()

    # 3. The seller receives it and makes a counter-offer with a photo.
    seller_page = open_page("desktop")
    browser_login(seller_page, live_server, owner.user.email)
    seller_page.goto(live_server.url + "/seller/")
    seller_page.get_by_role("link", name="Trade-in offers").click()
    seller_page.get_by_role("heading", name="Trade-in offers").wait_for()
    assert "280.00" in seller_page.inner_text("main")  # beside its own price, the best of the others
    step(seller_page, "03b-seller-offers")
    seller_page.get_by_role("link", name="Trade-in devices").first.click()
    seller_page.get_by_role("link", name=trade_in.number).click()
    seller_page.get_by_role("button", name="Mark as received").click()
    seller_page.get_by_role("heading", name="Inspection").wait_for()
    photo = tmp_path / "back.png"
    photo.write_bytes(png_bytes(size=(320, 200), colour=(90, 90, 110)))
    seller_page.get_by_label("Your counter-offer (€)").fill("210,00")
    seller_page.get_by_label("What differs from the shopper's answers").fill(
        "Deep scratches on the back glass.")
    seller_page.get_by_label(re.compile("Photos that show it")).set_input_files(str(photo))
    seller_page.get_by_role("button", name="Send the counter-offer").click()
    seller_page.get_by_text("Counter-offer sent").wait_for()
    step(seller_page, "04-seller-counter-offer")

    # 4. The shopper accepts the counter-offer.
    page.reload()
    page.get_by_role("heading", name="The seller's counter-offer").wait_for()
    assert "Deep scratches" in page.inner_text("main")
    step(page, "05-shopper-counter-offer")
    page.get_by_role("button", name=re.compile("Accept")).click()
    page.get_by_text("Bought, payment due").first.wait_for()
    trade_in.refresh_from_db()
    assert (trade_in.state, trade_in.agreed_price) == ("bought", Decimal("210.00"))
    assert sorted(PayoutEntry.objects.filter(trade_in=trade_in).values_list("amount", flat=True)) == [
        Decimal("-210.00"), Decimal("-10.50")]
    step(page, "06-shopper-bought")

    # 5. Staff mark the shopper's payout sent in the admin, with the transfer's reference.
    admin = open_page("desktop")
    browser_login(admin, live_server, staff.email)
    admin.goto(live_server.url + "/admin/tradein/tradein/")
    admin.get_by_role("row", name=re.compile(trade_in.number)).get_by_role("checkbox").check()
    admin.get_by_label("Action:").select_option("mark_payout_sent")
    admin.get_by_role("button", name="Go").click()
    admin.get_by_label("Bank transfer reference").fill("SEPA-2026-0042")
    admin.get_by_label("Reason").fill("Transfer made from the trade-in account.")
    step(admin, "07-admin-payout")
    admin.get_by_role("button", name="Mark shopper payouts sent").click()
    admin.get_by_text("1 payout marked sent.").wait_for()
    assert ShopperPayout.objects.get(trade_in=trade_in).reference == "SEPA-2026-0042"
    admin.goto(live_server.url + "/admin/tradein/tradeinoffer/")
    admin.get_by_role("heading", name="Offers per model").wait_for()
    step(admin, "07b-admin-offer-statistics")

    # 6. The seller puts the refurbished device into stock.
    seller_page.reload()
    seller_page.get_by_label("Grade it will sell at, once refurbished").select_option("good")
    seller_page.get_by_label("Selling price (€)").fill("399")
    seller_page.get_by_role("button", name="Add to my stock").click()
    seller_page.get_by_text(re.compile("In stock: listing")).wait_for()
    listing = Listing.objects.get(seller=owner.seller)
    assert (listing.quantity, listing.price, listing.sku) == (1, Decimal("399.00"), trade_in.number)
    assert listing.movements.get().reason == "trade_in"
    step(seller_page, "08-seller-in-stock")
    page.reload()
    page.get_by_text("Paid", exact=True).first.wait_for()
    step(page, "09-shopper-paid")
