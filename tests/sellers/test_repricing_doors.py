"""A listing's repricing rule set through each door — the back office, the stock file (optional
columns, header words in other languages) and the API (single and bulk) — with the same rules."""
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from sellers.models import Listing
from sellers.stock_sync import stock_import_apply, stock_import_create
from tests.factories import ListingFactory, SellerMemberFactory
from tests.sellers.factories_stock import api_key_for, bearer, csv_bytes

pytestmark = pytest.mark.django_db
D = Decimal


def _rule(listing):
    listing = Listing.objects.get(pk=listing.pk)
    return (listing.floor_price, listing.ceiling_price, listing.reprice_strategy, listing.reprice_beat_by,
            listing.reprice_raise)


def test_back_office_sets_and_refuses_a_rule(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    listing = ListingFactory(seller=member.seller)
    url = reverse("sellers:listing_rule", args=[listing.pk])
    refused = client.post(url, {"reprice_strategy": "match"})
    assert "Set a floor price: repricing never goes below it." in refused.content.decode()
    response = client.post(url, {"floor_price": "350,00", "ceiling_price": "450", "reprice_strategy": "beat",
                                 "reprice_beat_by": "2", "reprice_raise": "yes"})
    assert response.status_code == 302
    assert _rule(listing) == (D("350.00"), D("450.00"), "beat", D("2.00"), True)
    low = client.post(url, {"floor_price": "20.00"})  # a quarter of the price new is 200
    assert 'name="confirm_low_price"' in low.content.decode() and _rule(listing)[0] == D("350.00")
    client.post(url, {"floor_price": "20.00", "confirm_low_price": "on"})
    assert _rule(listing)[0] == D("20.00")
    other = ListingFactory()
    assert client.get(reverse("sellers:listing_rule", args=[other.pk])).status_code == 404


def test_seller_default_rule_from_the_repricing_page(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    response = client.post(reverse("sellers:repricing"), {"strategy": "beat", "beat_by": ""})
    assert "Give the amount to beat the price to win by." in response.content.decode()
    client.post(reverse("sellers:repricing"), {"strategy": "beat", "beat_by": "1.50",
                                               "raise_when_winning": "on"})
    member.seller.refresh_from_db()
    assert (member.seller.reprice_strategy, member.seller.reprice_beat_by, member.seller.reprice_raise) == (
        "beat", D("1.50"), True)


def test_stock_file_rule_columns_with_french_headers():
    member = SellerMemberFactory()
    a = ListingFactory(seller=member.seller, sku="A")
    b = ListingFactory(seller=member.seller, sku="B")
    c = ListingFactory(seller=member.seller, sku="C")
    columns = ("sku", "Prix plancher", "Prix plafond", "Stratégie", "Battre de", "Remonter")
    data = csv_bytes([("A", "350,00", "450,00", "battre", "1,50", "oui"),
                      ("B", "360", "", "match", "", ""),
                      ("C", "", "", "match", "", "")], columns=columns)
    stock_import = stock_import_create(seller=member.seller, uploaded_by=None, name="rules.csv", data=data)
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()
    assert (stock_import.updated_count, stock_import.failed_count) == (2, 1)
    assert _rule(a) == (D("350.00"), D("450.00"), "beat", D("1.50"), True)
    assert _rule(b) == (D("360.00"), None, "match", None, None)
    assert _rule(c) == (None, None, None, None, None)
    (error,) = stock_import.errors
    assert (error["sku"], error["column"]) == ("C", "floor_price")


def test_api_reads_and_writes_the_rule_and_names_refused_fields(client):
    member = SellerMemberFactory()
    listing = ListingFactory(seller=member.seller)
    key = api_key_for(member.seller)

    def patch(body):
        return client.patch(f"/api/v1/listings/{listing.pk}", json.dumps(body),
                            content_type="application/json", **bearer(key))

    refused = patch({"repricing": "match"})
    assert refused.status_code == 422 and "floor_price" in refused.json()["errors"]
    answer = patch({"floor_price": "350.00", "repricing": "match", "raise_when_winning": True})
    assert answer.status_code == 200
    assert set(answer.json()["changed_fields"]) == {"floor_price", "repricing", "raise_when_winning"}
    assert answer.json()["listing"]["floor_price"] == "350.00"
    assert patch({"ceiling_price": "300.00"}).status_code == 422  # under the floor
    cleared = patch({"repricing": None, "raise_when_winning": None})
    assert cleared.status_code == 200 and cleared.json()["listing"]["repricing"] is None
    bulk = client.post("/api/v1/listings/bulk", json.dumps({"items": [
        {"sku": listing.sku, "ceiling_price": "500.00"}, {"sku": listing.sku + "-X", "floor_price": "1"}]}),
        content_type="application/json", **bearer(key)).json()
    assert [item["status"] for item in bulk["items"]] == ["updated", "failed"]
    assert _rule(listing)[:2] == (D("350.00"), D("500.00"))
