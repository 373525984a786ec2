"""The catalog from the seller's side in real Chromium: the "new listing" search finds "iphone 13 128"
(every word), pages through many results with htmx and says when nothing matches; the seller
proposes the missing product (a wrong EAN check digit is refused), staff approve one proposal and
reject another in the Django admin, and the seller sees both answers, gets the e-mail and lists the
new product. Screenshots under /work/notes/shots/h3/ (looked at), axe-core on each seller page."""
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail

from catalog.models import Product, ProductModel, ProductProposal
from sellers.models import Listing
from tests.factories import (
    BrandFactory,
    ProductFactory,
    ProductModelFactory,
    SellerMemberFactory,
    UserFactory,
)
from tests.helpers import assert_accessible, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/work/notes/shots/h3")
NEW_EAN = "0194253715870"  # iPhone 16e 128 GB White (check digit right)


def _shot(page, name: str, *, check: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if check:
        assert_accessible(page)
        width = page.viewport_size["width"]
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{name} is {scroll_width}px wide on a {width}px screen"


def _catalog():
    apple = BrandFactory(name="Apple", slug="apple")
    for name, storages in (("iPhone 13", (128, 256, 512)), ("iPhone 13 mini", (128, 256)),
                           ("iPhone 12", (64, 128))):
        model = ProductModelFactory(name=name, brand=apple, slug=name.lower().replace(" ", "-"))
        for storage in storages:
            for colour in ("Midnight", "Starlight", "Blue", "Pink", "Green", "(PRODUCT)RED"):
                ProductFactory(model=model, storage_gb=storage, colour=colour, connectivity="Unlocked",
                               slug=f"{model.slug}-{storage}-{colour.lower()}")
    # The model staff add before approving a proposal of a device the catalog does not have yet.
    return ProductModelFactory(name="iPhone 16e", brand=apple, slug="iphone-16e",
                               reference_price_new=Decimal("719.00"))


def test_search_then_propose_approve_reject_and_list_the_new_product(page, browser, live_server):
    iphone_16e = _catalog()
    member = SellerMemberFactory(seller__name="Green Phone Lab", user__email="rita@green.test")
    staff = UserFactory(email="catalog@example.test", is_staff=True, is_superuser=True)
    browser_login(page, live_server, member.user.email)

    # 1. Every word must match: "iphone 13 128" is the 128 GB iPhone 13s (and 13 minis), 12 of them
    #    on one page of 20 ... with more words, fewer.
    page.goto(f"{live_server.url}/seller/listings/new/")
    page.get_by_label("Find the product").fill("iphone 13 128")
    results = page.locator("#product-results")
    results.get_by_text("12 products match every word.").wait_for()
    labels = results.locator("label").all_inner_texts()
    assert len(labels) == 12 and all("128 GB" in label and "iPhone 13" in label for label in labels)
    _shot(page, "01-search-iphone-13-128")

    # 2. "iphone" matches 42 products: 20 a page, the next page comes by htmx (the URL stays).
    page.get_by_label("Find the product").fill("iphone")
    results.get_by_text("42 products match every word.").wait_for()
    assert results.locator("input[name=product]").count() == 20
    results.get_by_role("link", name="Next").click()
    results.get_by_text("Page 2 of 3").wait_for()
    assert page.url.endswith("/seller/listings/new/")
    _shot(page, "02-search-paging-page-2")

    # 3. Nothing matches: the page says so and offers to propose the product.
    page.get_by_label("Find the product").fill("iphone 16e 128")
    results.get_by_text("No catalog product matches every word of “iphone 16e 128”.", exact=False).wait_for()
    _shot(page, "03-search-nothing-matches")
    results.get_by_role("link", name="Not in the catalog? Propose it").click()

    # 4. The proposal: a wrong check digit is refused on its field, then the right EAN goes through.
    page.get_by_role("heading", name="Propose a missing product").wait_for()
    page.get_by_label("Brand").fill("Apple")
    page.get_by_label("Model name").fill("iPhone 16e")
    page.get_by_label("Storage (GB)").fill("128")
    page.get_by_label("Colour").fill("White")
    page.get_by_label("Connectivity").fill("Unlocked")
    page.get_by_label("EAN or part number").fill(NEW_EAN[:-1] + "1")
    page.get_by_role("button", name="Send the proposal").click()
    page.get_by_text("is not a valid EAN-13: its last digit should be 0.", exact=False).wait_for()
    _shot(page, "04-proposal-wrong-check-digit")
    page.get_by_label("EAN or part number").fill(NEW_EAN)
    page.get_by_role("button", name="Send the proposal").click()
    page.get_by_text("Under review").first.wait_for()
    _shot(page, "05-proposal-under-review")
    approved = ProductProposal.objects.get(reference=NEW_EAN)
    # A second proposal, which staff will reject.
    page.goto(f"{live_server.url}/seller/catalog/proposals/new/?reference=MQ-CHARGER-20W")
    page.get_by_label("Device model").select_option(label="Apple iPhone 13")
    page.get_by_label("Colour").fill("White")
    page.get_by_role("button", name="Send the proposal").click()
    page.get_by_text("Under review").first.wait_for()
    rejected = ProductProposal.objects.get(reference="MQ-CHARGER-20W")

    # 5. Staff decide in the admin, through its actions: approve under the model they added, reject
    #    with a reason.
    admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    browser_login(admin, live_server, staff.email)
    admin.goto(f"{live_server.url}/admin/catalog/productproposal/")
    admin.get_by_role("row", name=re.compile(NEW_EAN)).get_by_role("checkbox").check()
    admin.get_by_label("Action:").select_option("approve")
    admin.get_by_role("button", name="Go").click()
    admin.get_by_label("Device model").select_option(label=str(iphone_16e))
    admin.get_by_label("Note to the seller").fill("Added with the photos of the manufacturer.")
    _shot(admin, "06-admin-approve-confirmation", check=False)
    admin.get_by_role("button", name="Approve product proposals").click()
    admin.get_by_text("1 product added to the catalog.").wait_for()
    admin.get_by_role("row", name=re.compile("MQ-CHARGER-20W")).get_by_role("checkbox").check()
    admin.get_by_label("Action:").select_option("reject")
    admin.get_by_role("button", name="Go").click()
    admin.get_by_label("Reason").fill("This reference is a charger, not a phone: list it as an accessory.")
    admin.get_by_role("button", name="Reject product proposals").click()
    admin.get_by_text("1 proposal rejected.").wait_for()
    _shot(admin, "07-admin-proposals-decided", check=False)
    admin.context.close()

    product = Product.objects.get(reference=NEW_EAN)
    assert (product.model, product.storage_gb, product.colour) == (iphone_16e, 128, "White")
    approved.refresh_from_db()
    rejected.refresh_from_db()
    assert (approved.status, rejected.status) == ("approved", "rejected")
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == [f"[Refurb] Your product is in the catalog: {NEW_EAN}",
                        "[Refurb] Your product proposal was not accepted: MQ-CHARGER-20W"]

    # 6. The seller sees both answers and lists the new product from the approved one.
    page.goto(f"{live_server.url}/seller/catalog/")
    page.get_by_text("This reference is a charger, not a phone").wait_for()
    _shot(page, "08-my-proposals-approved-and-rejected")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True).new_page()
    browser_login(phone, live_server, member.user.email)
    phone.goto(f"{live_server.url}/seller/catalog/")
    _shot(phone, "08b-my-proposals-on-a-phone")
    phone.goto(f"{live_server.url}/seller/catalog/proposals/{approved.pk}/")
    _shot(phone, "08c-approved-proposal-on-a-phone")
    phone.context.close()
    page.get_by_role("link", name="List it").click()
    page.locator(f"#product-{product.pk}").check()
    page.get_by_label("Grade").select_option("excellent")
    page.get_by_label("Your SKU").fill("GPL-16E-128-W")
    page.get_by_label("Price").fill("549.00")
    page.get_by_label("Quantity on hand").fill("3")
    _shot(page, "09-list-the-approved-product")
    page.get_by_role("button", name="Create the listing").click()
    page.get_by_text("Listing GPL-16E-128-W is created.").wait_for()
    assert Listing.objects.get(sku="GPL-16E-128-W").product == product
    assert ProductModel.objects.get(pk=iphone_16e.pk).products.count() == 1
