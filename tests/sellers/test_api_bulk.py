"""The bulk call answers item by item: a bad item fails alone, and bulk creates listings too."""
import json
from decimal import Decimal

import pytest

from sellers.models import Listing, StockMovement
from tests.factories import ListingFactory, ProductFactory, SellerFactory
from tests.sellers.factories_stock import api_key_for, bearer

pytestmark = pytest.mark.django_db
BULK = "/api/v1/listings/bulk"


@pytest.fixture
def seller():
    return SellerFactory()


@pytest.fixture
def send(client, seller):
    key = api_key_for(seller)
    return lambda body: client.post(BULK, json.dumps(body), content_type="application/json", **bearer(key))


def test_one_bad_price_no_longer_rejects_the_call_the_good_items_apply(send, seller):
    good = ListingFactory(seller=seller, sku="GOOD", quantity=1, price=Decimal("10.00"))
    bad = ListingFactory(seller=seller, sku="BAD", quantity=1, price=Decimal("10.00"))
    response = send({"items": [{"sku": "GOOD", "quantity": 4}, {"sku": "BAD", "price": "abc"},
                               {"sku": "GOOD2", "quantity": 1, "colour": "red"}, {"quantity": 2}]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [item["status"] for item in body["items"]] == ["updated", "failed", "failed", "failed"]
    assert body["items"][1]["index"] == 1 and list(body["items"][1]["errors"]) == ["price"]
    assert "colour" in body["items"][2]["errors"]
    assert "sku" in body["items"][3]["errors"]  # an item without its SKU
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.quantity, bad.price) == (4, Decimal("10.00"))


def test_a_body_that_is_not_a_list_of_objects_is_still_a_422(send):
    assert send({"items": ["A", 3]}).status_code == 422
    assert send({"items": []}).status_code == 422


def test_bulk_creates_listings_from_a_product_reference_with_their_opening_stock(send, seller):
    product = ProductFactory()
    ListingFactory(seller=seller, sku="OLD", quantity=2)
    response = send({"items": [
        {"sku": "NEW-1", "product_reference": product.reference, "grade": "good", "price": "299.00",
         "quantity": 3, "warranty_months": 24},
        {"sku": "NEW-2", "product_reference": product.reference, "grade": "fair", "price": "150"},
        {"sku": "NEW-3", "product_reference": "NO-SUCH-PRODUCT", "grade": "good", "price": "1",
         "quantity": 1},
        {"sku": "OLD", "quantity": 5},
        {"sku": "NEW-4", "quantity": 1},
    ]})
    body = response.json()
    assert [item["status"] for item in body["items"]] == ["created", "failed", "failed", "updated", "failed"]
    assert (body["created"], body["updated"], body["failed"]) == (1, 1, 3)
    assert "quantity" in body["items"][1]["errors"]
    assert "product_reference" in body["items"][2]["errors"]
    assert "sku" in body["items"][4]["errors"]  # not yours, and nothing to create it from
    created = Listing.objects.get(seller=seller, sku="NEW-1")
    assert (created.product_id, created.grade, created.price, created.quantity, created.warranty_months) == (
        product.pk, "good", Decimal("299.00"), 3, 24)
    assert body["items"][0]["listing_id"] == created.pk
    assert StockMovement.objects.filter(listing=created, quantity_delta=3).exists()


def test_bulk_creates_10000_listings_in_one_call(send, seller):
    product = ProductFactory()
    items = [{"sku": f"C-{i}", "product_reference": product.reference, "grade": "good", "price": "220.00",
              "quantity": 1} for i in range(10_000)]
    response = send({"items": items})
    assert response.status_code == 200
    assert response.json()["created"] == 10_000
    assert Listing.objects.filter(seller=seller).count() == 10_000


def test_the_openapi_schema_documents_bulk_creation_and_the_created_status(client):
    schema = json.dumps(client.get("/api/v1/openapi.json").json())
    assert "product_reference" in schema and '"created"' in schema
