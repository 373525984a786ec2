"""Real races on PostgreSQL: parallel buyers in threads, each with its own database connection."""
import random
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from orders import services
from orders.models import Order, OrderLine
from sellers.models import Listing
from tests.factories import ListingFactory

from .conftest import ADDRESS, make_cart

pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(functions) -> list:
    """Starts every function at once (a barrier) in its own thread; returns results or exceptions."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a buyer never finished"
    return results


def test_many_buyers_of_the_last_unit_exactly_one_gets_it():
    assert connection.vendor == "postgresql"
    listing = ListingFactory(quantity=1, price=Decimal("249.00"))
    carts = [make_cart(lines=[(listing, 1)]) for _ in range(8)]

    def buyer(cart):
        return lambda: services.order_place(cart=cart, email="b@example.test", address=ADDRESS)

    results = run_concurrently([buyer(cart) for cart in carts])
    orders = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, services.CheckoutError)]
    assert len(orders) == 1, results
    assert len(refused) == 7, results
    assert all("is no longer available" in error.message and str(listing.product) in error.message
               for error in refused)
    listing.refresh_from_db()
    assert (listing.quantity, listing.allocated) == (1, 1)
    assert OrderLine.objects.filter(listing=listing).count() == 1


def test_many_orders_over_overlapping_listings_never_deadlock_or_oversell():
    listings = [ListingFactory(quantity=12, price=Decimal("100.00") + i) for i in range(5)]
    rng = random.Random(7)
    carts = []
    for _ in range(12):
        chosen = rng.sample(listings, k=rng.randint(2, 5))  # added in random order
        carts.append(make_cart(lines=[(listing, rng.randint(1, 3)) for listing in chosen]))

    def buyer(cart):
        return lambda: services.order_place(cart=cart, email="b@example.test", address=ADDRESS)

    results = run_concurrently([buyer(cart) for cart in carts])
    unexpected = [r for r in results if not isinstance(r, Order | services.CheckoutError)]
    assert not unexpected, unexpected  # a deadlock would surface as an OperationalError here
    placed = [r for r in results if isinstance(r, Order)]
    assert placed
    for listing in Listing.objects.filter(pk__in=[x.pk for x in listings]):
        ordered = sum(OrderLine.objects.filter(listing=listing).values_list("quantity", flat=True))
        assert listing.allocated == ordered <= listing.quantity


def test_concurrent_expiry_runs_release_each_order_once():
    listing = ListingFactory(quantity=4)
    orders = [services.order_place(cart=make_cart(lines=[(listing, 1)]), email="b@example.test",
                                   address=ADDRESS) for _ in range(4)]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(expires_at="2000-01-01T00:00:00Z")
    results = run_concurrently([services.orders_release_expired for _ in range(4)])
    assert sum(results) == 4, results
    listing.refresh_from_db()
    assert listing.allocated == 0
