"""The seller API's GET /api/v1/performance and /api/v1/reviews: the seller's own numbers only."""
from decimal import Decimal

import pytest

from sellers.performance import seller_scores_compute
from tests.factories import ListingFactory, SellerFactory
from tests.sellers.factories_stock import api_key_for, bearer

from .history import review_of, seller_order

pytestmark = pytest.mark.django_db


def test_performance_returns_the_score_parts_and_counts_of_the_keys_seller(client):
    listing = ListingFactory()
    seller = listing.seller
    for stars in (5, 4):
        review_of(seller_order(seller=seller, listing=listing), stars)
    other = ListingFactory()
    review_of(seller_order(seller=other.seller, listing=other), 1)
    seller_scores_compute()
    seller.refresh_from_db()
    response = client.get("/api/v1/performance", **bearer(api_key_for(seller)))
    assert response.status_code == 200
    body = response.json()
    assert Decimal(body["score"]) == seller.quality_score
    parts = {part["key"]: part for part in body["parts"]}
    assert (Decimal(parts["rating"]["value"]), parts["rating"]["count"]) == (Decimal("4.50"), 2)
    assert parts["fulfilment"]["count"] == 2 and Decimal(parts["on_time"]["weight"]) == Decimal("0.20")
    assert [Decimal(day["score"]) for day in body["trend"]] == [seller.quality_score]


def test_reviews_lists_only_the_keys_sellers_reviews(client):
    listing = ListingFactory()
    mine = review_of(seller_order(seller=listing.seller, listing=listing), 5)
    other = ListingFactory()
    review_of(seller_order(seller=other.seller, listing=other), 1)
    body = client.get("/api/v1/reviews", **bearer(api_key_for(listing.seller))).json()
    assert body["count"] == 1 and [item["id"] for item in body["items"]] == [mine.pk]


def test_performance_without_a_key_is_401_and_bad_paging_is_422(client):
    assert client.get("/api/v1/performance").status_code == 401
    key = api_key_for(SellerFactory())
    assert client.get("/api/v1/reviews", {"limit": "x"}, **bearer(key)).status_code == 422
    assert client.get("/api/v1/reviews", {"evil": "1"}, **bearer(key)).status_code == 422
