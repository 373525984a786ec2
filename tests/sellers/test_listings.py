"""Listing create, edit, pause and archive from the back office: bad input is refused clearly."""
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Grade
from sellers.models import Listing
from tests.factories import ListingFactory, ProductFactory, SellerMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    return member


def _create(client, **overrides):
    data = {"product": ProductFactory().pk, "grade": Grade.GOOD, "sku": "IP13-G-01",
            "price": "349.90", "quantity": "4", "warranty_months": "12", **overrides}
    return client.post(reverse("sellers:listing_create"), data)


def test_listing_is_created_for_the_sellers_product_and_grade(client, owner):
    response = _create(client)
    assert response.status_code == 302
    listing = Listing.objects.get()
    assert (listing.seller, listing.sku, listing.price, listing.quantity) == (
        owner.seller, "IP13-G-01", Decimal("349.90"), 4)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"price": "-5"}, "The price must be more than zero."),
    ({"price": "abc"}, "Enter a price such as 249.90."),
    ({"quantity": "-1"}, "The quantity cannot be negative."),
    ({"quantity": "2.5"}, "Enter a whole number of units."),
    ({"warranty_months": "6"}, "The warranty must be at least 12 months."),
    ({"product": "999999"}, "This product is not in the catalog."),
    ({"product": ""}, "Choose the catalog product you are selling."),
    ({"sku": ""}, "This field is required."),
])
def test_bad_listing_input_is_refused_with_a_clear_message(client, owner, overrides, message):
    response = _create(client, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Listing.objects.exists()


def test_duplicate_sku_is_refused_and_the_entered_values_are_kept(client, owner):
    ListingFactory(seller=owner.seller, sku="DUP-1")
    response = _create(client, sku="DUP-1", price="123.45")
    page = response.content.decode()
    assert "You already have a listing with the SKU DUP-1." in page
    assert 'value="123.45"' in page
    assert Listing.objects.count() == 1


def test_same_sku_at_another_seller_is_fine(client, owner):
    ListingFactory(sku="SHARED")
    assert _create(client, sku="SHARED").status_code == 302


def test_product_search_finds_catalog_products_by_name_and_ean(client, owner):
    product = ProductFactory(model__name="iPhone 13", reference="0194252707234")
    by_name = client.get(reverse("sellers:product_search"), {"q": "iphone"}, HTTP_HX_REQUEST="true")
    assert f'value="{product.pk}"' in by_name.content.decode()
    by_ean = client.get(reverse("sellers:listing_create"), {"q": "0194252707234"})
    assert f'value="{product.pk}"' in by_ean.content.decode()


def test_edit_page_saves_price_quantity_and_warranty(client, owner):
    listing = ListingFactory(seller=owner.seller)
    response = client.post(reverse("sellers:listing_update", args=[listing.pk]),
                           {"price": "299.00", "quantity": "0", "warranty_months": "24", "is_active": "on"})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.price, listing.quantity, listing.warranty_months) == (Decimal("299.00"), 0, 24)
    # Quantity 0 takes it offline but it stays in the list.
    page = client.get(reverse("sellers:listing_list")).content.decode()
    assert listing.sku in page and "Offline: no stock" in page


@pytest.mark.parametrize(("data", "message"), [
    ({"price": "0"}, "The price must be more than zero."),
    ({"quantity": "-3"}, "The quantity cannot be negative."),
    ({"warranty_months": "11"}, "The warranty must be at least 12 months."),
])
def test_edit_page_refuses_bad_input_and_changes_nothing(client, owner, data, message):
    listing = ListingFactory(seller=owner.seller)
    response = client.post(reverse("sellers:listing_update", args=[listing.pk]),
                           {"price": "400.00", "quantity": "5", "warranty_months": "12", **data})
    assert response.status_code == 200 and message in response.content.decode()
    listing.refresh_from_db()
    assert (listing.price, listing.quantity, listing.warranty_months) == (Decimal("400.00"), 5, 12)


def test_quantity_below_allocated_units_is_refused(client, owner):
    listing = ListingFactory(seller=owner.seller, quantity=5, allocated=3)
    response = client.post(reverse("sellers:listing_inline", args=[listing.pk]),
                           {"price": "400.00", "quantity": "2"}, HTTP_HX_REQUEST="true")
    assert "3 units are already sold and waiting to ship" in response.content.decode()
    listing.refresh_from_db()
    assert listing.quantity == 5


def test_inline_edit_with_htmx_returns_the_updated_row(client, owner):
    listing = ListingFactory(seller=owner.seller)
    response = client.post(reverse("sellers:listing_inline", args=[listing.pk]),
                           {"price": "389.00", "quantity": "7"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<tr id="listing-{listing.pk}"') and "Saved" in page
    listing.refresh_from_db()
    assert (listing.price, listing.quantity) == (Decimal("389.00"), 7)


def test_inline_edit_error_is_shown_in_the_row_with_the_typed_value(client, owner):
    listing = ListingFactory(seller=owner.seller)
    response = client.post(reverse("sellers:listing_inline", args=[listing.pk]),
                           {"price": "-1", "quantity": "7"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "The price must be more than zero." in page and 'value="-1"' in page
    assert 'aria-invalid="true"' in page
    listing.refresh_from_db()
    assert (listing.price, listing.quantity) == (Decimal("400.00"), 5)


def test_the_lists_rows_escape_what_the_seller_typed(client, owner):
    # The rows are written in Python (sellers.templatetags.listing_rows), not by the template engine.
    listing = ListingFactory(seller=owner.seller, sku='<b>"x"&y')
    escaped = "&lt;b&gt;&quot;x&quot;&amp;y"
    page = client.get(reverse("sellers:listing_list") + "?q=x&grade=").content.decode()
    assert f"SKU {escaped}" in page and '<b>"x"' not in page
    assert 'name="next" value="/seller/listings/?q=x&amp;grade="' in page
    row = client.post(reverse("sellers:listing_inline", args=[listing.pk]),
                      {"price": '"><script>', "quantity": "7"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="&quot;&gt;&lt;script&gt;"' in row and "<script>" not in row
    assert f'<span class="visually-hidden"> {escaped}</span>' in row


def test_inline_edit_without_javascript_falls_back_to_the_edit_page(client, owner):
    listing = ListingFactory(seller=owner.seller)
    bad = client.post(reverse("sellers:listing_inline", args=[listing.pk]), {"price": "x", "quantity": "1"})
    assert bad.status_code == 400 and "Enter a price such as 249.90." in bad.content.decode()
    good = client.post(reverse("sellers:listing_inline", args=[listing.pk]),
                       {"price": "310", "quantity": "1", "next": "/seller/listings/?grade=good"})
    assert good["Location"] == "/seller/listings/?grade=good"
    unsafe = client.post(reverse("sellers:listing_inline", args=[listing.pk]),
                         {"price": "310", "quantity": "1", "next": "https://evil.test/"})
    assert unsafe["Location"] == reverse("sellers:listing_list")


def test_pause_and_activate(client, owner):
    listing = ListingFactory(seller=owner.seller)
    client.post(reverse("sellers:listing_toggle", args=[listing.pk]))
    listing.refresh_from_db()
    assert not listing.is_active
    assert not Listing.objects.buyable().exists()
    client.post(reverse("sellers:listing_toggle", args=[listing.pk]))
    listing.refresh_from_db()
    assert listing.is_active


def test_archive_asks_first_then_keeps_the_listing_in_the_records(client, owner):
    listing = ListingFactory(seller=owner.seller)
    confirm = client.get(reverse("sellers:listing_archive", args=[listing.pk]))
    assert "Archive the listing?" in confirm.content.decode()
    client.post(reverse("sellers:listing_archive", args=[listing.pk]))
    listing.refresh_from_db()
    assert listing.archived_at and not listing.is_active
    row = f'id="listing-{listing.pk}"'
    assert row not in client.get(reverse("sellers:listing_list")).content.decode()
    assert row in client.get(reverse("sellers:listing_list"), {"status": "archived"}).content.decode()
    # An archived listing cannot be brought back by a toggle.
    client.post(reverse("sellers:listing_toggle", args=[listing.pk]))
    listing.refresh_from_db()
    assert not listing.is_active


def test_settings_turn_the_low_stock_email_off(client, owner):
    client.post(reverse("sellers:settings"), {})
    owner.seller.refresh_from_db()
    assert owner.seller.low_stock_alerts is False
    client.post(reverse("sellers:settings"), {"low_stock_alerts": "on"})
    owner.seller.refresh_from_db()
    assert owner.seller.low_stock_alerts is True
