"""Fuzzing the seller API from its own OpenAPI schema (schemathesis): whatever a client sends,
the API never answers 5xx, and every answer matches the schema it publishes."""
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from tests.factories import ListingFactory, SellerFactory
from tests.sellers.factories_stock import api_key_for

pytestmark = pytest.mark.django_db
# A few examples per operation keep the whole run well under a minute on a small machine.
MAX_EXAMPLES = 12
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


@pytest.fixture
def wsgi_app():
    # Like Django's test client: requests must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_seller_api_never_fails_and_matches_its_schema(wsgi_app, settings):
    # The per-key rate limit is tested elsewhere; here every example must reach the endpoint.
    settings.SELLER_API_RATE_LIMIT = 100_000
    seller = SellerFactory()
    listings = ListingFactory.create_batch(3, seller=seller)
    headers = {"Authorization": f"Bearer {api_key_for(seller)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:
        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            if "listing_id" in (case.path_parameters or {}) and case.path_parameters["listing_id"] % 2:
                case.path_parameters["listing_id"] = listings[0].pk  # reach real objects too
            response = case.call(headers=headers)
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:300]}"
            case.validate_response(response, checks=CHECKS)

        fuzz()
