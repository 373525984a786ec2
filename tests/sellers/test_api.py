"""The seller REST API: keys, scoping, listings, bulk updates, price to win, errors, rate limits."""
import hashlib
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Grade
from sellers.api_auth import api_key_create
from sellers.models import ApiKey, Listing, Seller
from sellers.selectors import buy_boxes
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory
from tests.sellers.factories_stock import api_key_for, bearer

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def seller():
    return SellerFactory()


@pytest.fixture
def key(seller):
    return api_key_for(seller)


@pytest.fixture
def api(client, key):
    """A client whose calls carry the seller's key."""
    class Api:
        def get(self, path, **params):
            return client.get(API + path, params, **bearer(key))

        def send(self, method, path, body=None, raw=None):
            data = raw if raw is not None else json.dumps(body)
            return getattr(client, method)(API + path, data, content_type="application/json", **bearer(key))

    return Api()


# --- Authentication ------------------------------------------------------------------------------
def test_a_call_without_a_key_is_401(client):
    response = client.get(f"{API}/listings")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_a_wrong_key_is_401(client, seller):
    api_key_for(seller)
    assert client.get(f"{API}/listings", **bearer("rfb_00000000_nope")).status_code == 401


def test_a_revoked_key_is_401(client, seller, key):
    assert client.get(f"{API}/listings", **bearer(key)).status_code == 200
    ApiKey.objects.filter(seller=seller).update(revoked_at=timezone.now())
    assert client.get(f"{API}/listings", **bearer(key)).status_code == 401


def test_a_suspended_sellers_key_is_401(client, seller, key):
    Seller.objects.filter(pk=seller.pk).update(status=Seller.Status.SUSPENDED)
    assert client.get(f"{API}/listings", **bearer(key)).status_code == 401


def test_keys_are_stored_hashed_and_last_use_is_written_at_most_once_a_minute(client, seller):
    api_key, raw = api_key_create(seller=seller, name="ERP")
    assert raw not in (api_key.prefix, api_key.hashed_key)
    assert api_key.hashed_key == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(api_key.prefix + "_")
    client.get(f"{API}/listings", **bearer(raw))
    api_key.refresh_from_db()
    first_use = api_key.last_used_at
    assert first_use is not None
    client.get(f"{API}/listings", **bearer(raw))
    api_key.refresh_from_db()
    assert api_key.last_used_at == first_use
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=first_use - timedelta(minutes=2))
    client.get(f"{API}/listings", **bearer(raw))
    api_key.refresh_from_db()
    assert api_key.last_used_at > first_use - timedelta(minutes=1)


# --- Scoping: another seller's listing is a 404 everywhere --------------------------------------
def test_another_sellers_listing_is_404_on_every_endpoint(api, seller):
    theirs = ListingFactory(sku="THEIRS", quantity=3)
    for response in (
        api.get(f"/listings/{theirs.pk}"),
        api.send("patch", f"/listings/{theirs.pk}", {"quantity": 1}),
        api.send("delete", f"/listings/{theirs.pk}"),
        api.get(f"/listings/{theirs.pk}/price-to-win"),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["detail"] == "Not found."
    assert api.get("/listings", sku="THEIRS").json()["count"] == 0
    bulk = api.send("post", "/listings/bulk", {"items": [{"sku": "THEIRS", "quantity": 0}]}).json()
    assert bulk["items"][0]["status"] == "failed"
    theirs.refresh_from_db()
    assert (theirs.quantity, theirs.archived_at) == (3, None)


def test_a_missing_listing_is_404(api):
    assert api.get("/listings/999999999").status_code == 404


# --- Listing reads -------------------------------------------------------------------------------
def test_list_filters_by_sku_grade_stock_and_update_time(api, seller):
    old = ListingFactory(seller=seller, sku="OLD", grade=Grade.GOOD, quantity=0)
    Listing.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
    ListingFactory(seller=seller, sku="NEW-FAIR", grade=Grade.FAIR, quantity=3)
    ListingFactory(seller=seller, sku="SOLD-OUT", grade=Grade.GOOD, quantity=2, allocated=2)
    ListingFactory(sku="OTHER-SELLER")

    def skus(**params):
        body = api.get("/listings", **params).json()
        return sorted(item["sku"] for item in body["items"])

    assert skus() == ["NEW-FAIR", "OLD", "SOLD-OUT"]
    assert skus(sku="OLD") == ["OLD"]
    assert skus(grade="fair") == ["NEW-FAIR"]
    assert skus(in_stock="true") == ["NEW-FAIR"]
    assert skus(in_stock="false") == ["OLD", "SOLD-OUT"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert skus(updated_since=since) == ["NEW-FAIR", "SOLD-OUT"]
    item = api.get("/listings", sku="SOLD-OUT").json()["items"][0]
    assert (item["quantity"], item["allocated"], item["available"]) == (2, 2, 0)


def test_list_is_paginated(api, seller):
    ListingFactory.create_batch(7, seller=seller)
    first = api.get("/listings", limit=5).json()
    second = api.get("/listings", limit=5, offset=5).json()
    assert (first["count"], len(first["items"]), len(second["items"])) == (7, 5, 2)
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert api.get("/listings", limit=100000).status_code == 422


def test_bad_filters_are_422_per_field(api):
    response = api.get("/listings", grade="mint", updated_since="yesterday", in_stock="maybe")
    assert response.status_code == 422
    assert {"grade", "updated_since", "in_stock"} <= set(response.json()["errors"])


def test_list_query_count_does_not_grow(api, seller, django_assert_max_num_queries):
    for count in (2, 60):
        ListingFactory.create_batch(count, seller=seller)
        with django_assert_max_num_queries(4):
            assert api.get("/listings", limit=500).status_code == 200


def test_get_returns_the_listing(api, seller):
    listing = ListingFactory(seller=seller, price=Decimal("123.40"))
    body = api.get(f"/listings/{listing.pk}").json()
    assert body["sku"] == listing.sku
    assert body["price"] == "123.40"
    assert body["product_reference"] == listing.product.reference


# --- Listing writes go through the services -----------------------------------------------------
def test_create_makes_a_listing_through_the_service(api, seller):
    product = ProductFactory()
    response = api.send("post", "/listings", {"sku": "NEW-1", "product_reference": product.reference,
                                              "grade": "excellent", "price": "410.00", "quantity": 4})
    assert response.status_code == 201, response.content
    listing = Listing.objects.get(seller=seller, sku="NEW-1")
    assert (listing.price, listing.quantity, listing.warranty_months) == (Decimal("410.00"), 4, 12)
    assert response.json()["id"] == listing.pk


def test_create_reports_each_bad_field(api, seller):
    ListingFactory(seller=seller, sku="TAKEN")
    product = ProductFactory()
    bad_rules = api.send("post", "/listings", {"sku": "X", "product_reference": product.reference,
                                               "grade": "good", "price": "-1", "quantity": 1})
    assert bad_rules.status_code == 422
    assert bad_rules.json()["errors"] == {"price": ["The price must be more than zero."]}
    bad_types = api.send("post", "/listings", {"sku": "X", "product_reference": product.reference,
                                               "grade": "mint", "price": "abc", "quantity": "many"})
    assert bad_types.status_code == 422
    assert {"grade", "price", "quantity"} <= set(bad_types.json()["errors"])
    unknown = api.send("post", "/listings", {"sku": "X", "product_reference": "NOPE", "grade": "good",
                                             "price": "10", "quantity": 1})
    assert set(unknown.json()["errors"]) == {"product_reference"}
    duplicate = api.send("post", "/listings", {"sku": "TAKEN", "product_reference": product.reference,
                                               "grade": "good", "price": "10", "quantity": 1})
    assert duplicate.status_code == 422
    assert set(duplicate.json()["errors"]) == {"sku"}
    extra = api.send("post", "/listings", {"sku": "X", "product_reference": product.reference,
                                           "grade": "good", "price": "10", "quantity": 1, "allocated": 9})
    assert set(extra.json()["errors"]) == {"allocated"}


@pytest.mark.parametrize("raw", ["{not json", "[]", "null", "\"text\""])
def test_malformed_bodies_are_4xx_never_500(api, raw):
    response = api.send("post", "/listings", raw=raw)
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


def test_patch_changes_only_given_fields_and_reports_them(api, seller):
    listing = ListingFactory(seller=seller, quantity=5, price=Decimal("300.00"))
    response = api.send("patch", f"/listings/{listing.pk}", {"quantity": 8})
    assert response.status_code == 200
    assert response.json()["changed_fields"] == ["quantity"]
    again = api.send("patch", f"/listings/{listing.pk}", {"quantity": 8, "price": "300.00"})
    assert again.json()["changed_fields"] == []
    listing.refresh_from_db()
    assert (listing.quantity, listing.price) == (8, Decimal("300.00"))


def test_patch_cannot_drop_quantity_below_allocated(api, seller):
    listing = ListingFactory(seller=seller, quantity=5, allocated=3)
    response = api.send("patch", f"/listings/{listing.pk}", {"quantity": 2})
    assert response.status_code == 422
    assert "3 units" in response.json()["errors"]["quantity"][0]
    listing.refresh_from_db()
    assert listing.quantity == 5


def test_delete_archives_the_listing(api, seller):
    listing = ListingFactory(seller=seller)
    response = api.send("delete", f"/listings/{listing.pk}")
    assert response.status_code == 200
    assert response.json()["archived"] is True
    listing.refresh_from_db()
    assert listing.archived_at is not None and listing.is_active is False


def test_price_to_win_uses_the_buy_box(api, seller):
    product = ProductFactory()
    ListingFactory(product=product, grade=Grade.GOOD, price=Decimal("300.00"))
    mine = ListingFactory(seller=seller, product=product, grade=Grade.GOOD, price=Decimal("320.00"))
    body = api.get(f"/listings/{mine.pk}/price-to-win").json()
    assert body == {"listing_id": mine.pk, "your_price": "320.00", "is_winning": False,
                    "winner_price": "300.00", "price_to_win": "299.99"}


# --- Bulk ----------------------------------------------------------------------------------------
def test_bulk_applies_good_items_and_reports_each_bad_one(api, seller):
    a = ListingFactory(seller=seller, sku="A", quantity=5, price=Decimal("100.00"))
    b = ListingFactory(seller=seller, sku="B", quantity=5, price=Decimal("100.00"))
    ListingFactory(seller=seller, sku="SOLD", quantity=5, allocated=4)
    items = [
        {"sku": "A", "quantity": 9},
        {"sku": "B", "quantity": 5, "price": "100.00"},
        {"sku": "SOLD", "quantity": 1},
        {"sku": "MISSING", "quantity": 1},
        {"sku": "A", "price": "90.00"},
        {"sku": "B", "price": "0"},
        {"sku": "B"},
    ]
    response = api.send("post", "/listings/bulk", {"items": items})
    assert response.status_code == 200, response.content
    body = response.json()
    statuses = [item["status"] for item in body["items"]]
    assert statuses == ["updated", "unchanged", "failed", "failed", "failed", "failed", "failed"]
    assert (body["updated"], body["unchanged"], body["failed"]) == (1, 1, 5)
    errors = [item["errors"] for item in body["items"]]
    assert "quantity" in errors[2] and "sku" in errors[3] and "sku" in errors[4]
    assert "price" in errors[5] and "__all__" in errors[6]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.quantity, a.price, b.quantity) == (9, Decimal("100.00"), 5)


def test_bulk_takes_10000_items_and_refuses_more(api, seller):
    product = ProductFactory()
    Listing.objects.bulk_create([Listing(seller=seller, product=product, grade="good", sku=f"BULK-{i}",
                                         price=Decimal("50.00"), quantity=1) for i in range(10_000)])
    items = [{"sku": f"BULK-{i}", "quantity": 2} for i in range(10_000)]
    response = api.send("post", "/listings/bulk", {"items": items})
    assert response.status_code == 200
    assert response.json()["updated"] == 10_000
    assert not Listing.objects.filter(seller=seller, quantity=1).exists()
    too_many = api.send("post", "/listings/bulk", {"items": [*items, {"sku": "X", "quantity": 1}]})
    assert too_many.status_code == 422
    assert "items" in too_many.json()["errors"]


def test_a_bulk_item_with_a_bad_type_fails_alone_naming_its_index_and_field(api, seller):
    ListingFactory(seller=seller, sku="A", quantity=8)
    response = api.send("post", "/listings/bulk", {"items": [{"sku": "A", "quantity": 1},
                                                             {"sku": "B", "quantity": "x"}]})
    assert response.status_code == 200
    bad = response.json()["items"][1]
    assert (bad["index"], bad["status"], list(bad["errors"])) == (1, "failed", ["quantity"])
    assert Listing.objects.get(sku="A").quantity == 1


# --- Visible to shoppers on the next request -------------------------------------------------------
def test_an_api_stock_change_takes_the_offer_off_the_buy_box_at_once(api, seller):
    product = ProductFactory()
    rival = ListingFactory(product=product, grade=Grade.GOOD, price=Decimal("300.00"))
    mine = ListingFactory(seller=seller, product=product, grade=Grade.GOOD, price=Decimal("290.00"))
    assert buy_boxes(product_ids=[product.pk])[(product.pk, "good")] == mine
    api.send("post", "/listings/bulk", {"items": [{"sku": mine.sku, "quantity": 0}]})
    assert buy_boxes(product_ids=[product.pk])[(product.pk, "good")] == rival
    api.send("patch", f"/listings/{mine.pk}", {"quantity": 2, "price": "280.00"})
    assert buy_boxes(product_ids=[product.pk])[(product.pk, "good")] == mine


# --- Rate limits ---------------------------------------------------------------------------------
def test_rate_limit_per_key_answers_429_with_retry_after(client, seller, settings):
    settings.SELLER_API_RATE_LIMIT = 3
    key = api_key_for(seller)
    other_key = api_key_for(seller, name="second")
    codes = [client.get(f"{API}/listings", **bearer(key)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get(f"{API}/listings", **bearer(key))
    assert 1 <= int(limited["Retry-After"]) <= 61
    assert "Too many requests" in limited.json()["detail"]
    assert client.get(f"{API}/listings", **bearer(other_key)).status_code == 200


# --- Documentation -----------------------------------------------------------------------------
def test_openapi_schema_documents_the_endpoints_with_examples(client):
    schema = client.get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    assert {"/api/v1/listings", "/api/v1/listings/bulk", "/api/v1/listings/{listing_id}",
            "/api/v1/listings/{listing_id}/price-to-win"} <= set(paths)
    text = json.dumps(schema)
    assert "GREEN-IP13-128-BLK-A" in text and "examples" in text
    assert "bearerAuth" in text or "ApiKeyAuth" in text
    assert client.get(f"{API}/docs").status_code == 200


# --- Back-office key pages ---------------------------------------------------------------------
@pytest.fixture
def seller_client(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    client.seller = member.seller
    return client


def test_a_new_key_is_shown_once_and_works(seller_client):
    response = seller_client.post(reverse("sellers:api_keys"), {"name": "Warehouse ERP"})
    raw = response.context["new_key"]
    assert raw in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    api_key = ApiKey.objects.get(seller=seller_client.seller)
    assert api_key.name == "Warehouse ERP"
    page = seller_client.get(reverse("sellers:api_keys")).content.decode()
    assert raw not in page and api_key.prefix in page
    assert seller_client.get(f"{API}/listings", **bearer(raw)).status_code == 200


def test_revoking_a_key_refuses_its_next_call(seller_client):
    api_key, raw = api_key_create(seller=seller_client.seller, name="ERP")
    response = seller_client.post(reverse("sellers:api_key_revoke", args=[api_key.pk]))
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert seller_client.get(f"{API}/listings", **bearer(raw)).status_code == 401


def test_another_sellers_key_cannot_be_revoked(seller_client):
    theirs, _raw = api_key_create(seller=SellerFactory(), name="Theirs")
    assert seller_client.post(reverse("sellers:api_key_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_a_key_needs_a_name(seller_client):
    response = seller_client.post(reverse("sellers:api_keys"), {"name": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not ApiKey.objects.exists()


def test_key_list_query_count_does_not_grow(seller_client, django_assert_max_num_queries):
    for count in (1, 15):
        for i in range(count):
            api_key_create(seller=seller_client.seller, name=f"k{count}-{i}")
        with django_assert_max_num_queries(8):
            assert seller_client.get(reverse("sellers:api_keys")).status_code == 200
