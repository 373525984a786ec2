"""The price guard in a multi-batch stock import: each product's bounds are read once for the
whole file (the market as the file started to apply), and a mistaken price in any batch is held."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import sellers.stock_sync.worker as worker
from sellers.models import Listing
from sellers.stock_sync import stock_import_apply, stock_import_create
from tests.factories import ListingFactory, ProductFactory, SellerFactory
from tests.sellers.factories_stock import csv_bytes, listing_row

pytestmark = pytest.mark.django_db


def test_an_import_reads_each_products_bounds_once_and_holds_a_mistaken_price_in_any_batch(monkeypatch):
    monkeypatch.setattr(worker, "BATCH_SIZE", 2)
    product = ProductFactory()  # price new 800: a price under 200 looks mistaken
    ListingFactory(product=product, price=Decimal("420.00"))
    seller = SellerFactory()
    rows = [listing_row(product, f"G-{n}", price="450.00") for n in range(5)]
    rows.append(listing_row(product, "G-typo", price="5.49"))  # in the third batch
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="g.csv", data=csv_bytes(rows))
    with CaptureQueriesContext(connection) as queries:
        stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()
    assert (stock_import.created_count, stock_import.held_count) == (5, 1)
    assert not Listing.objects.filter(seller=seller, sku="G-typo").exists()
    medians = [q["sql"] for q in queries.captured_queries if "percentile_cont" in q["sql"]]
    assert len(medians) == 1  # three batches, one reading of the bounds
