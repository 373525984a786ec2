"""The guard on mistaken prices, on all three doors: the back office asks to confirm, the CSV import
holds the row, the API answers 422 unless `confirm_low_price: true` (bulk: the item fails)."""
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sellers.models import Listing, StockImport
from sellers.price_guard import price_guard_bounds
from sellers.services import listing_update
from sellers.stock_sync import stock_import_apply, stock_import_create
from tests.factories import ListingFactory, ProductFactory, SellerMemberFactory
from tests.sellers.factories_stock import BASE_COLUMNS, api_key_for, bearer, csv_bytes, listing_row

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def market():
    """An iPhone whose price new is 800 (bound 200) with offers at 400, 420 and 440 (median 420,
    bound 168): a price under 200 looks mistaken."""
    product = ProductFactory()
    offers = [ListingFactory(product=product, price=D(price)) for price in ("400.00", "420.00", "440.00")]
    return product, offers


def test_bounds_are_the_higher_of_the_median_and_price_new_shares(market, settings):
    product, offers = market
    assert price_guard_bounds([(product.pk, "good")])[(product.pk, "good")] == (D("200.00"), "new")
    settings.PRICE_GUARD_MEDIAN_SHARE = "0.60"  # 420 × 0.60 = 252
    assert price_guard_bounds([(product.pk, "good")])[(product.pk, "good")] == (D("252.00"), "median")


def test_the_service_refuses_a_mistaken_price_unless_confirmed(market):
    _product, offers = market
    listing = offers[0]
    with pytest.raises(ValidationError) as refused:
        listing_update(listing=listing, price="5.49")
    assert "looks mistaken" in refused.value.message_dict["price"][0]
    listing.refresh_from_db()
    assert listing.price == D("400.00")
    listing_update(listing=listing, price="5.49", confirm_low_price=True)
    listing.refresh_from_db()
    assert listing.price == D("5.49")
    listing_update(listing=listing, price="5.49")  # unchanged: not asked again


# --- Back office ------------------------------------------------------------------------------
def test_back_office_asks_to_confirm_then_publishes(client, market):
    product, _offers = market
    member = SellerMemberFactory()
    client.force_login(member.user)
    listing = ListingFactory(seller=member.seller, product=product, price=D("410.00"))
    url = reverse("sellers:listing_update", args=[listing.pk])
    data = {"price": "5.49", "quantity": "5", "warranty_months": "12", "is_active": "on"}
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200 and "looks mistaken" in page and 'name="confirm_low_price"' in page
    listing.refresh_from_db()
    assert listing.price == D("410.00")
    assert client.post(url, {**data, "confirm_low_price": "on"}).status_code == 302
    listing.refresh_from_db()
    assert listing.price == D("5.49")


def test_back_office_create_asks_too(client, market):
    product, _offers = market
    member = SellerMemberFactory()
    client.force_login(member.user)
    data = {"product": product.pk, "grade": "good", "sku": "TYPO-1", "price": "5.49", "quantity": "1",
            "warranty_months": "12"}
    response = client.post(reverse("sellers:listing_create"), data)
    assert 'name="confirm_low_price"' in response.content.decode()
    assert not Listing.objects.filter(sku="TYPO-1").exists()
    confirmed = client.post(reverse("sellers:listing_create"), {**data, "confirm_low_price": "on"})
    assert confirmed.status_code == 302
    assert Listing.objects.get(sku="TYPO-1").price == D("5.49")


# --- CSV import ---------------------------------------------------------------------------------
def _import(seller, data):
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="stock.csv", data=data)
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()
    return stock_import


def test_csv_row_with_a_mistaken_price_is_held_and_reported(market):
    product, _offers = market
    member = SellerMemberFactory()
    mine = ListingFactory(seller=member.seller, product=product, sku="MINE-1", price=D("410.00"))
    data = csv_bytes([listing_row(product, "MINE-1", price="5.49"),
                      listing_row(product, "NEW-1", price="4.99", quantity=2),
                      listing_row(product, "NEW-2", price="399.00", quantity=2)])
    stock_import = _import(member.seller, data)
    assert stock_import.status == StockImport.Status.DONE
    assert (stock_import.held_count, stock_import.created_count, stock_import.failed_count) == (2, 1, 0)
    held = {error["sku"]: error for error in stock_import.errors}
    assert set(held) == {"MINE-1", "NEW-1"} and held["MINE-1"]["column"] == "price"
    assert "confirm_low_price" in held["MINE-1"]["reason"]
    mine.refresh_from_db()
    assert mine.price == D("410.00") and not Listing.objects.filter(sku="NEW-1").exists()


def test_csv_confirm_low_price_column_publishes_it(market):
    product, _offers = market
    member = SellerMemberFactory()
    mine = ListingFactory(seller=member.seller, product=product, sku="MINE-1", price=D("410.00"))
    columns = (*BASE_COLUMNS, "Confirmer prix")  # a French header for the column
    data = csv_bytes([(*listing_row(product, "MINE-1", price="5.49"), "oui")], columns=columns)
    stock_import = _import(member.seller, data)
    assert (stock_import.held_count, stock_import.updated_count) == (0, 1)
    mine.refresh_from_db()
    assert mine.price == D("5.49")


# --- API -----------------------------------------------------------------------------------------
def _api(client, seller):
    key = api_key_for(seller)

    def send(method, path, body):
        return getattr(client, method)("/api/v1" + path, json.dumps(body), content_type="application/json",
                                       **bearer(key))
    return send


def test_api_patch_refuses_with_422_unless_confirmed(client, market):
    product, _offers = market
    member = SellerMemberFactory()
    listing = ListingFactory(seller=member.seller, product=product, price=D("410.00"))
    send = _api(client, member.seller)
    refused = send("patch", f"/listings/{listing.pk}", {"price": "5.49"})
    assert refused.status_code == 422 and "looks mistaken" in refused.json()["errors"]["price"][0]
    listing.refresh_from_db()
    assert listing.price == D("410.00")
    accepted = send("patch", f"/listings/{listing.pk}", {"price": "5.49", "confirm_low_price": True})
    assert accepted.status_code == 200 and accepted.json()["listing"]["price"] == "5.49"


def test_api_create_refuses_with_422_unless_confirmed(client, market):
    product, _offers = market
    member = SellerMemberFactory()
    send = _api(client, member.seller)
    body = {"sku": "TYPO-2", "product_reference": product.reference, "grade": "good", "price": "5.49",
            "quantity": 1}
    assert send("post", "/listings", body).status_code == 422
    assert send("post", "/listings", {**body, "confirm_low_price": True}).status_code == 201


def test_api_bulk_fails_the_item_unless_confirmed(client, market):
    product, _offers = market
    member = SellerMemberFactory()
    a = ListingFactory(seller=member.seller, product=product, sku="A", price=D("410.00"))
    b = ListingFactory(seller=member.seller, product=product, sku="B", price=D("410.00"))
    send = _api(client, member.seller)
    answer = send("post", "/listings/bulk", {"items": [
        {"sku": "A", "price": "5.49"}, {"sku": "B", "price": "5.49", "confirm_low_price": True}]}).json()
    assert [item["status"] for item in answer["items"]] == ["failed", "updated"]
    assert "looks mistaken" in answer["items"][0]["errors"]["price"][0]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.price, b.price) == (D("410.00"), D("5.49"))
