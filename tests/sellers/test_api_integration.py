"""What an integrator relies on: rate-limit headers, idempotent writes (retries, races, expiry)."""
import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from sellers.api_auth import api_key_create
from sellers.models import ApiKey, IdempotencyRecord, Listing
from sellers.permissions import Scope
from sellers.tasks import purge_idempotency_records
from tests.factories import ListingFactory, ProductFactory, SellerFactory
from tests.sellers.factories_stock import api_key_for, bearer

pytestmark = pytest.mark.django_db
API = "/api/v1"
RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


@pytest.fixture
def seller():
    return SellerFactory()


@pytest.fixture
def key(seller):
    return api_key_for(seller)


# --- Rate-limit headers ----------------------------------------------------------------------------
def test_every_answer_carries_the_rate_limit_and_the_remaining_calls_count_down(client, key, settings):
    settings.SELLER_API_RATE_LIMIT = 5
    first = client.get(f"{API}/listings", **bearer(key))
    second = client.get(f"{API}/listings/999999", **bearer(key))  # a 404 counts and carries them too
    assert first.status_code == 200 and second.status_code == 404
    assert first["RateLimit-Limit"] == "5" and first["RateLimit-Remaining"] == "4"
    assert second["RateLimit-Remaining"] == "3"
    assert 1 <= int(first["RateLimit-Reset"]) <= 61


def test_a_429_carries_retry_after_and_no_remaining_calls(client, key, settings):
    settings.SELLER_API_RATE_LIMIT = 1
    client.get(f"{API}/listings", **bearer(key))
    limited = client.get(f"{API}/listings", **bearer(key))
    assert limited.status_code == 429
    assert limited["RateLimit-Remaining"] == "0" and limited["RateLimit-Limit"] == "1"
    assert limited["Retry-After"] == limited["RateLimit-Reset"]


def test_a_write_refused_for_its_scope_still_carries_the_rate_limit_headers(client, seller):
    _record, read_only = api_key_create(seller=seller, name="reader", scopes=[Scope.READ])
    listing = ListingFactory(seller=seller)
    response = client.patch(f"{API}/listings/{listing.pk}", json.dumps({"quantity": 1}),
                            content_type="application/json", **bearer(read_only))
    assert response.status_code == 403
    assert all(name in response for name in RATE_HEADERS)


def test_the_openapi_schema_documents_the_rate_limit_headers_on_every_answer(client):
    schema = client.get(f"{API}/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if status == "401":
                    continue  # no key: nothing to count against
                assert set(RATE_HEADERS) <= set(answer.get("headers", {})), (method, path, status)
                if status == "429":
                    assert "Retry-After" in answer["headers"]


# --- Idempotency-Key -------------------------------------------------------------------------------
def _post(client, key, path, body, idempotency_key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}
    return client.post(API + path, json.dumps(body), content_type="application/json",
                       **bearer(key), **headers)


def _create_body(product, sku="IDEM-1"):
    return {"sku": sku, "product_reference": product.reference, "grade": "good", "price": "299.00",
            "quantity": 3}


def test_a_repeated_create_with_the_same_idempotency_key_returns_the_first_answer_and_creates_once(
        client, seller, key):
    product = ProductFactory()
    first = _post(client, key, "/listings", _create_body(product), "order-42-create")
    again = _post(client, key, "/listings", _create_body(product), "order-42-create")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Listing.objects.filter(seller=seller, sku="IDEM-1").count() == 1


def test_without_an_idempotency_key_a_repeated_create_runs_again(client, seller, key):
    product = ProductFactory()
    assert _post(client, key, "/listings", _create_body(product)).status_code == 201
    assert _post(client, key, "/listings", _create_body(product)).status_code == 422  # the SKU is taken


def test_the_same_idempotency_key_with_another_body_is_a_422_and_writes_nothing(client, seller, key):
    product = ProductFactory()
    assert _post(client, key, "/listings", _create_body(product), "k-1").status_code == 201
    other = _post(client, key, "/listings", _create_body(product, sku="IDEM-2"), "k-1")
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert not Listing.objects.filter(sku="IDEM-2").exists()


def test_an_error_answer_is_stored_and_replayed_too(client, seller, key):
    listing = ListingFactory(seller=seller, quantity=5)
    path = f"/listings/{listing.pk}"
    first = client.patch(API + path, json.dumps({"quantity": 1}), content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="patch-1", **bearer(key))
    listing.refresh_from_db()
    assert first.status_code == 200 and listing.quantity == 1
    Listing.objects.filter(pk=listing.pk).update(quantity=9)  # changed elsewhere since
    again = client.patch(API + path, json.dumps({"quantity": 1}), content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="patch-1", **bearer(key))
    assert again.status_code == 200 and again.content == first.content
    listing.refresh_from_db()
    assert listing.quantity == 9  # the replay did not write


def test_idempotency_keys_belong_to_one_api_key(client, seller, key):
    product = ProductFactory()
    other_key = api_key_for(seller, name="second")
    assert _post(client, key, "/listings", _create_body(product), "shared").status_code == 201
    # The other key's call is its own: it runs (and meets the SKU already taken).
    assert _post(client, other_key, "/listings", _create_body(product), "shared").status_code == 422


def test_a_malformed_idempotency_key_is_a_422(client, seller, key):
    response = _post(client, key, "/listings", _create_body(ProductFactory()), "not a key!")
    assert response.status_code == 422
    assert not Listing.objects.filter(sku="IDEM-1").exists()


def test_an_expired_idempotency_key_runs_the_request_again_and_the_purge_deletes_expired_rows(
        client, seller, key):
    product = ProductFactory()
    assert _post(client, key, "/listings", _create_body(product), "old").status_code == 201
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = _post(client, key, "/listings", _create_body(product), "old")
    assert again.status_code == 422 and "Idempotent-Replayed" not in again  # ran again: the SKU is taken
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    live = IdempotencyRecord.objects.create(
        api_key=ApiKey.objects.get(seller=seller), key="live", request_hash="x",
        expires_at=timezone.now() + timedelta(hours=1))
    assert purge_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.all()) == [live]


def test_the_cleanup_of_expired_idempotency_records_is_scheduled():
    from marketplace.celery import app
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "sellers.tasks.purge_idempotency_records" in tasks


def test_the_openapi_schema_documents_the_idempotency_key_on_every_write(client):
    schema = client.get(f"{API}/openapi.json").json()
    writes = 0
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            names = {parameter["name"] for parameter in operation.get("parameters", [])}
            assert ("Idempotency-Key" in names) == (method != "get")
            writes += method != "get"
    assert writes >= 7


@pytest.mark.django_db(transaction=True)
def test_two_identical_creates_at_once_with_one_idempotency_key_apply_once():
    seller = SellerFactory()
    key = api_key_for(seller)
    product = ProductFactory()
    barrier = threading.Barrier(2)
    answers = []

    def call():
        try:
            barrier.wait()
            answers.append(_post(Client(), key, "/listings", _create_body(product), "same-time"))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[0].content == answers[1].content
    assert Listing.objects.filter(seller=seller, sku="IDEM-1").count() == 1
