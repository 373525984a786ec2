"""The ledger under real races on PostgreSQL (threads, one connection each): a CSV import, API
edits, checkouts and releases on the same listings at once leave every listing equal to the sums
of its movements, with allocated equal to what live orders hold."""
import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from orders import services
from sellers.ledger import Reason, StockCause
from sellers.ledger.checks import stock_mismatches
from sellers.models import Listing, StockMovement
from sellers.services import listing_update
from sellers.stock_sync import stock_import_apply, stock_import_create
from tests.factories import ListingFactory, ProductFactory, SellerFactory
from tests.orders.conftest import ADDRESS, make_cart
from tests.orders.test_concurrency import run_concurrently
from tests.sellers.factories_stock import csv_bytes, listing_row

pytestmark = pytest.mark.django_db(transaction=True)


def test_import_edits_and_checkouts_at_once_keep_the_ledger_true():
    assert connection.vendor == "postgresql"
    seller = SellerFactory()
    products = ProductFactory.create_batch(4)
    listings = [ListingFactory(seller=seller, product=product, sku=f"RACE-{n}", quantity=4)
                for n, product in enumerate(products)]
    data = csv_bytes([listing_row(product, f"RACE-{n}", quantity=6) for n, product in enumerate(products)])
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="race.csv", data=data)
    carts = [make_cart(lines=[(listings[n % 4], 1), (listings[(n + 1) % 4], 1)]) for n in range(6)]

    def checkout(cart):
        def place():
            order = services.order_place(cart=cart, email="r@example.test", address=ADDRESS)
            if order.pk % 2:
                services.order_release(order=order, reason="payment not received in time")
            return order
        return place

    def api_edit(listing, quantity):
        def edit():
            try:
                return listing_update(listing=listing, quantity=quantity, cause=StockCause(Reason.API))
            except ValidationError as exc:  # below what is allocated by then
                return exc
        return edit

    results = run_concurrently([
        lambda: stock_import_apply(stock_import_id=stock_import.pk),
        *[checkout(cart) for cart in carts],
        api_edit(listings[0], 5), api_edit(listings[2], 3),
    ])
    unexpected = [r for r in results if isinstance(r, Exception)
                  and not isinstance(r, (services.CheckoutError, ValidationError))]
    assert unexpected == []
    assert [m.describe() for m in stock_mismatches()] == []
    for listing in Listing.objects.filter(seller=seller):
        assert 0 <= listing.allocated <= listing.quantity
    assert StockMovement.objects.filter(reason=Reason.ORDER_PLACED).exists()
