"""In real Chromium: an offer's device details on the product page, a legal page on a phone, a
warranty claim opened by the shopper and answered by the seller, and the admin's suspend page
naming the seller's open orders. Screenshots for a person under /work/notes/shots/h8/ (and
tests/screenshots/)."""
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from catalog.models import Grade
from catalog.services import product_models_refresh_search
from pages.models import Page, PageTranslation
from pages.seed import pages_seed
from tests.factories import (
    CategoryFactory,
    ListingFactory,
    ProductFactory,
    ProductModelFactory,
    SellerFactory,
    SellerMemberFactory,
    UserFactory,
)
from tests.helpers import assert_accessible, browser_login, screenshot
from tests.orders.fulfil_support import paid_order, to_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOTES = Path("/work/notes/shots/h8")


def shot(page, name: str) -> None:
    screenshot(page, f"h8-{name}")
    if NOTES.parent.exists():
        NOTES.mkdir(exist_ok=True)
        page.screenshot(path=str(NOTES / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _phone(name="iPhone 13"):
    phones = CategoryFactory(name="Smartphones", slug="smartphones")
    model = ProductModelFactory(name=name, slug="iphone-13", category=phones,
                                reference_price_new=Decimal("909.00"), specs={"Chip": "A15 Bionic"})
    return ProductFactory(model=model, storage_gb=128, colour="Midnight")


def test_an_offer_shows_its_device_and_a_new_battery_stands_out(open_page, live_server):
    product = _phone()
    ListingFactory(product=product, grade=Grade.EXCELLENT, price=Decimal("559.00"), battery_health=100,
                   battery_new=True, includes_charger=True, includes_cable=True, includes_box=True,
                   is_unlocked=True, has_esim=True, seller=SellerFactory(name="Fresh Cells"))
    ListingFactory(product=product, grade=Grade.EXCELLENT, price=Decimal("579.00"), battery_health=87,
                   includes_cable=True, is_unlocked=True, seller=SellerFactory(name="Green Phone Lab"))
    product_models_refresh_search()
    page = open_page("desktop")
    page.goto(f"{live_server.url}/p/iphone-13/?grade=excellent")
    buy_box = page.locator(".buy-box")
    expect(buy_box.get_by_text("New battery")).to_be_visible()
    expect(buy_box.get_by_text("Unlocked for every network")).to_be_visible()
    other = page.locator(".offer-row").first
    expect(other.get_by_text("Battery health 87 %")).to_be_visible()
    expect(other.get_by_text("In the box:")).to_be_visible()
    assert_accessible(page)
    shot(page, "offer-device-details-desktop")

    page.goto(f"{live_server.url}/c/smartphones/")
    page.get_by_label("New battery").check()  # the filters apply as they change (htmx)
    page.wait_for_url("**battery=new**")
    assert page.get_by_label("New battery").is_checked()
    assert_accessible(page)
    shot(page, "category-battery-filter-desktop")

    phone = open_page("mobile")
    phone.goto(f"{live_server.url}/c/smartphones/?battery=new")
    expect(phone.get_by_role("link", name="iPhone 13").first).to_be_visible()
    _no_sideways_scroll(phone)
    shot(phone, "category-new-battery-mobile")


def test_a_legal_page_reads_well_on_a_phone_and_the_footer_links_it(open_page, live_server):
    pages_seed(Page, PageTranslation)  # the seed migration's pages (a transactional test empties them)
    page = open_page("mobile")
    page.goto(live_server.url + "/")
    footer = page.locator("footer")
    footer.get_by_role("link", name="Terms of sale").click()
    expect(page.get_by_role("heading", name="Terms of sale", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Your right to change your mind")).to_be_visible()
    _no_sideways_scroll(page)
    assert_accessible(page)
    shot(page, "legal-terms-mobile")
    page.goto(live_server.url + "/help/")
    expect(page.get_by_role("link", name="Warranty claims")).to_be_visible()
    shot(page, "help-centre-mobile")


def _png(tmp_path) -> str:
    path = tmp_path / "cracked-port.png"
    Image.new("RGB", (640, 480), (180, 40, 40)).save(path)
    return str(path)


def test_a_shopper_opens_a_warranty_claim_and_the_seller_answers_it(open_page, live_server, tmp_path,
                                                                   settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    member = SellerMemberFactory(seller__name="Green Phone Lab")
    shopper = UserFactory(first_name="Alex", email="alex@example.test")
    listing = ListingFactory(seller=member.seller, product=_phone(), quantity=3, price=Decimal("579.00"),
                             warranty_months=24)
    order = paid_order(lines=[(listing, 1)], user=shopper)
    to_state(order.seller_orders.get(), "delivered")

    page = open_page("desktop")
    browser_login(page, live_server, shopper.email)
    page.goto(f"{live_server.url}/orders/{order.number}/")
    page.get_by_role("link", name="Warranty claim for").click()
    page.get_by_label("What is wrong?").select_option("charging")
    page.get_by_label("Describe the fault").fill(
        "The charging port is loose: it charges only when I hold the cable.")
    page.get_by_label("Photos (optional)").set_input_files(_png(tmp_path))
    assert_accessible(page)
    shot(page, "warranty-claim-form-desktop")
    page.get_by_role("button", name="Send the claim to the seller").click()
    page.get_by_text("Your warranty claim is sent to Green Phone Lab").wait_for()
    expect(page.get_by_text("Waiting for the seller")).to_be_visible()
    shot(page, "warranty-claim-order-page-desktop")

    seller_page = open_page("desktop")
    browser_login(seller_page, live_server, member.user.email)
    seller_page.goto(live_server.url + "/seller/")
    seller_page.get_by_role("navigation", name="Seller back office").get_by_role(
        "link", name="Warranty claims").click()
    seller_page.get_by_role("link", name=listing.product.model.name).first.click()
    expect(seller_page.get_by_text("The charging port is loose")).to_be_visible()
    seller_page.get_by_role("img", name="The shopper's photo 1").wait_for(state="visible")  # served privately
    seller_page.get_by_label("Accept: I will repair, replace or refund the device").check()
    seller_page.get_by_label("Message to the shopper").fill(
        "Send it back with the prepaid label we e-mailed; we replace the port within 3 days.")
    assert_accessible(seller_page)
    shot(seller_page, "warranty-claim-seller-desktop")
    seller_page.get_by_role("button", name="Send the answer").click()
    seller_page.get_by_text("Your answer is saved").wait_for()

    page.reload()
    expect(page.get_by_text("Accepted by the seller")).to_be_visible()
    expect(page.get_by_text("we replace the port within 3 days")).to_be_visible()
    shot(page, "warranty-claim-answered-desktop")


def test_the_suspend_page_names_the_open_orders_and_reassigns_them(open_page, live_server):
    member = SellerMemberFactory(seller__name="Shady Phones")
    product = _phone()
    listing = ListingFactory(seller=member.seller, product=product, grade=Grade.GOOD, quantity=5,
                             price=Decimal("499.00"))
    ListingFactory(product=product, grade=Grade.GOOD, quantity=5, price=Decimal("489.00"),
                   seller=SellerFactory(name="Green Phone Lab"))
    orders = [paid_order(lines=[(listing, 1)], user=UserFactory()) for _ in range(2)]
    staff = UserFactory(is_staff=True, is_superuser=True, email="staff@example.test")

    page = open_page("desktop")
    browser_login(page, live_server, staff.email)
    page.goto(f"{live_server.url}/admin/sellers/seller/")
    page.locator(f'input[name="_selected_action"][value="{member.seller.pk}"]').check()
    page.locator('select[name="action"]').select_option("suspend")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("2 open orders worth").first).to_be_visible()
    page.get_by_label("Reason").fill("Devices sold as unlocked arrived locked.")
    page.get_by_label("Reassign each to the next offer of the same product and grade").check()
    shot(page, "suspend-dialog-desktop")
    page.get_by_role("button", name="Suspend sellers").click()
    page.get_by_text("2 open orders reassigned, 0 cancelled and refunded").wait_for()
    shot(page, "suspend-done-desktop")
    for order in orders:
        assert order.seller_orders.get(state="paid").seller.name == "Green Phone Lab"
