"""What an integrator relies on: rate-limit headers, idempotent writes."""
import json

import pytest

from sellers.api_auth import api_key_create
from sellers.permissions import Scope
from tests.factories import ListingFactory, SellerFactory
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
