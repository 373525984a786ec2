"""Fuzzing the seller API from its own OpenAPI schema (schemathesis, every check it has): whatever a
client sends, the API never answers 5xx, valid input is accepted, invalid input is refused with a
4xx, unauthenticated calls are 401, and every answer matches the schema it publishes. Seeded and
bounded, so a run is the same on every machine and stays well under a minute."""
import itertools

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, seed
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.generation import GenerationMode

from tests.factories import ListingFactory, ProductFactory, SellerFactory
from tests.sellers.factories_stock import api_key_for

pytestmark = pytest.mark.django_db
# A few examples per operation and mode keep the whole run well under a minute on a small machine.
MAX_EXAMPLES = 12
SEED = 20261201


# Fields whose validity depends on others or on the product, which a schema cannot say: a repricing
# strategy needs a floor under the ceiling (tests/sellers/test_repricing_doors.py), unlocked and
# eSIM are for phones only (tests/sellers/test_device_details.py). Valid generated input omits them.
CROSS_FIELD_RULES = ("repricing", "floor_price", "ceiling_price", "beat_by", "raise_when_winning",
                     "is_unlocked", "has_esim")


def all_checks() -> list:
    """Every check schemathesis registers (max_response_time is a setting, not a check: off)."""
    load_all_checks()
    return CHECKS.get_all()


def is_create(case) -> bool:
    return case.method.upper() == "POST" and case.operation.path == "/api/v1/listings"


@pytest.fixture
def wsgi_app():
    # Like Django's test client: requests must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_seller_api_passes_every_schemathesis_check(wsgi_app, settings, mode):
    # The per-key rate limit is tested elsewhere; here every example must reach the endpoint.
    settings.SELLER_API_RATE_LIMIT = 100_000
    seller = SellerFactory()
    listings = ListingFactory.create_batch(3, seller=seller)
    product = ProductFactory()
    skus = (f"FUZZ-{n}" for n in itertools.count())
    idempotency_keys = itertools.count()
    headers = {"Authorization": f"Bearer {api_key_for(seller)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    checks = all_checks()
    assert len(checks) >= 14
    for operation in operations:
        @seed(SEED)
        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                             suppress_health_check=list(HealthCheck))
        def fuzz(case):
            if mode is GenerationMode.POSITIVE:
                if "listing_id" in (case.path_parameters or {}) and case.path_parameters["listing_id"] % 2:
                    case.path_parameters["listing_id"] = listings[0].pk  # reach real objects too
                if is_create(case) and isinstance(case.body, dict):
                    # Valid input names a catalog product and a SKU the seller does not have yet.
                    case.body.update(product_reference=product.reference, sku=next(skus))
                if isinstance(case.body, dict) and "product_reference" in case.body:
                    case.body["product_reference"] = product.reference  # a product of the catalog
                if isinstance(case.body, dict) and {"model", "storage_gb"} <= set(case.body):
                    # A trade-in offer for a model and storage the catalog sells.
                    case.body.update(model=product.model.name, storage_gb=product.storage_gb)
                if (case.method.upper() in ("POST", "PATCH") and isinstance(case.body, dict)
                        and case.operation.path in ("/api/v1/listings", "/api/v1/listings/{listing_id}")):
                    # A price under the guard's bound is the documented 422 unless confirmed: valid
                    # input that means it confirms it (tests/sellers/test_price_guard.py has the 422).
                    case.body["confirm_low_price"] = True
                    for field in CROSS_FIELD_RULES:
                        case.body.pop(field, None)
                if "Idempotency-Key" in (case.headers or {}):
                    # A valid call uses a new key for a new request (a reused one is the documented 422).
                    case.headers["Idempotency-Key"] = f"fuzz-{next(idempotency_keys)}"
            response = case.call(headers=headers)
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:300]}"
            case.validate_response(response, checks=checks, headers=headers)

        fuzz()
