"""The home page's cards (catalog.cards.home_page): read from the stored buy boxes, rebuilt only
when a model they show changes (or the catalog), by one process at a time while the others serve
the previous cards for a bounded time."""
import threading
import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import cache as catalog_cache
from catalog import cards
from catalog.models import Product
from sellers import services as seller_services
from sellers.models import Listing
from tests.catalog.conftest import build_catalog

HOME = reverse("catalog:home")


def shown(response) -> dict[int, Decimal]:
    """{model id: its card's "from" price} of the home page's cards."""
    return {m.pk: m.from_price for m in response.context["deals"] + response.context["popular"]}


def cheapest_listing(model) -> Listing:
    return Listing.objects.filter(product__model=model).order_by("price", "pk").first()


@pytest.fixture
def catalog(db):
    """25 models of 1 variant with an offer per grade: 10 deals, 10 popular, 5 not shown."""
    return build_catalog(models=25, variants=1, sellers=1)


@pytest.mark.django_db
def test_home_card_price_follows_an_offer_change_on_a_shown_model(client, catalog,
                                                                  django_capture_on_commit_callbacks):
    before = shown(client.get(HOME))
    model = next(m for m in catalog["models"] if m.pk in before)
    listing = cheapest_listing(model)
    price = listing.price - 10
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.listing_update(listing=listing, price=price)
    after = shown(client.get(HOME))
    assert after[model.pk] == price != before[model.pk]


@pytest.mark.django_db
def test_home_card_drops_an_offer_sold_out_on_a_shown_model(client, catalog,
                                                            django_capture_on_commit_callbacks):
    first = client.get(HOME)
    model = next(m for m in catalog["models"] if m.pk in shown(first))
    listing = cheapest_listing(model)
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.listing_update(listing=listing, quantity=0)
    again = client.get(HOME)
    on_sale = Listing.objects.buyable().filter(product__model=model).order_by("price").first()
    assert again.context["cards_key"] != first.context["cards_key"]
    # Ranked again: shown at the price of the offers left, or no longer among the best.
    assert shown(again).get(model.pk, on_sale.price) == on_sale.price > shown(first)[model.pk]


@pytest.mark.django_db
def test_change_on_a_model_not_shown_does_not_rebuild_the_home_cards(client, catalog,
                                                                      django_capture_on_commit_callbacks):
    first = client.get(HOME)
    model = next(m for m in catalog["models"] if m.pk not in shown(first))
    listing = cheapest_listing(model)
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.listing_update(listing=listing, price=listing.price + 1)  # dearer: still not shown
    with CaptureQueriesContext(connection) as queries:
        again = client.get(HOME)
    assert again.context["cards_key"] == first.context["cards_key"]
    assert shown(again) == shown(first)
    assert not [q for q in queries.captured_queries if "catalog_" in q["sql"] or "sellers_" in q["sql"]]


@pytest.mark.django_db
def test_a_model_not_shown_enters_when_the_ranking_is_done_again(client, catalog, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    model = next(m for m in catalog["models"] if m.pk not in shown(client.get(HOME)))
    listing = cheapest_listing(model)
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.listing_update(listing=listing, price=Decimal("250.00"))  # the best deal now
    assert model.pk not in shown(client.get(HOME))  # not shown, so not watched
    monkeypatch.setattr(catalog_cache, "HOME_RANKING_SECONDS", 0)
    assert shown(client.get(HOME))[model.pk] == Decimal("250.00")


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_home_rebuild_after_a_change_issues_four_queries(client, size, django_assert_num_queries,
                                                         django_capture_on_commit_callbacks):
    catalog = build_catalog(models=size, variants=2, sellers=2)
    model = next(m for m in catalog["models"] if m.pk in shown(client.get(HOME)))
    listing = cheapest_listing(model)
    price = listing.price - 1
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.listing_update(listing=listing, price=price)
    # The stored boxes ranked, the shown models' boxes read again, their rows and their pictures.
    with django_assert_num_queries(4):
        assert shown(client.get(HOME))[model.pk] == price
    with django_assert_num_queries(0):
        client.get(HOME)


def test_home_cards_are_the_offers_the_selector_ranks(catalog):
    """The stored boxes give each model the offer card_summaries finds by ranking every offer."""
    deals, popular = cards.home_cards(cards.home_ranking())
    ranked = cards.card_summaries()
    assert deals and popular
    for model in deals + popular:
        assert model.offer == ranked[model.pk]


# --- One rebuild at a time -------------------------------------------------------------------------
def _slow_builds(monkeypatch) -> list:
    """Makes each build of the home cards take 0.5 s and records it."""
    builds = []
    ranking = cards.home_ranking

    def slow(**kwargs):
        builds.append(threading.get_ident())
        time.sleep(0.5)
        return ranking(**kwargs)

    monkeypatch.setattr(cards, "home_ranking", slow)
    return builds


def _together(function, n: int = 2) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(index):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as exc:  # asserted on below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_processes_missing_the_home_cards_build_them_once(monkeypatch):
    build_catalog(models=5, variants=1, sellers=1)
    builds = _slow_builds(monkeypatch)
    first, second = _together(cards.home_page)
    assert len(builds) == 1
    assert first.key == second.key and [m.pk for m in first.deals] == [m.pk for m in second.deals]


@pytest.mark.django_db(transaction=True)
def test_while_one_process_rebuilds_the_other_serves_the_previous_cards(monkeypatch):
    catalog = build_catalog(models=5, variants=1, sellers=1)
    previous = cards.home_page()
    model = next(m for m in catalog["models"] if m.pk in {d.pk for d in previous.deals})
    listing = cheapest_listing(model)
    price = listing.price - 5
    seller_services.listing_update(listing=listing, price=price)  # commits: the cache is bumped
    builds = _slow_builds(monkeypatch)
    results = _together(cards.home_page)
    assert len(builds) == 1
    keys = sorted(result.key == previous.key for result in results)
    assert keys == [False, True]  # one built the new cards, the other served the previous ones
    new = next(result for result in results if result.key != previous.key)
    assert {m.pk: m.from_price for m in new.deals}[model.pk] == price
    assert cards.home_page().key == new.key  # and everyone reads the new ones afterwards


@pytest.mark.django_db
def test_a_lock_left_by_a_dead_builder_delays_the_cards_no_longer_than_its_time(catalog, monkeypatch):
    monkeypatch.setattr(catalog_cache, "REBUILD_LOCK_SECONDS", 1)
    cache.add(f"{catalog_cache.HOME_KEY}:building", "dead", 1)
    start = time.monotonic()
    page = cards.home_page()
    assert page.deals and 0.9 < time.monotonic() - start < 3
    assert cache.get(f"{catalog_cache.HOME_KEY}:building") is None


@pytest.mark.django_db
def test_inactive_variant_is_not_advertised(client, catalog):
    model = next(m for m in catalog["models"] if m.pk in shown(client.get(HOME)))
    variants = list(Product.objects.filter(model=model).values_list("pk", flat=True))
    Product.objects.filter(pk__in=variants).update(is_active=False)
    catalog_cache.catalog_changed(product_ids=variants)
    assert model.pk not in shown(client.get(HOME))
