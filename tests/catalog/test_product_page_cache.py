"""The product page's cached data and rendered body: a warm hit only reads, one rendering serves
every reader with their own CSRF token, a change shows in the body at once, and made-up
parameters are answered but never stored."""
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.views import CSRF_PLACEHOLDER
from marketplace.templatetags.money import format_money
from orders.models import CartLine
from sellers import services as seller_services

from .test_cache import product_url, served_page, shop  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def cache_writes(monkeypatch):
    """Every key written to the cache while the test runs."""
    written = []
    set_, set_many = cache.set, cache.set_many

    def record_set(key, *args, **kwargs):
        written.append(key)
        return set_(key, *args, **kwargs)

    def record_set_many(data, *args, **kwargs):
        written.extend(data)
        return set_many(data, *args, **kwargs)

    monkeypatch.setattr(cache, "set", record_set)
    monkeypatch.setattr(cache, "set_many", record_set_many)
    return written


def test_warm_product_page_only_reads_the_cache(client, shop, cache_writes):  # noqa: F811
    client.get(product_url(shop))
    assert cache_writes, "the first request stores the page"
    cache_writes.clear()
    with CaptureQueriesContext(connection) as warm:
        response = client.get(product_url(shop))
    assert response.status_code == 200
    assert cache_writes == []
    assert not [q for q in warm.captured_queries if "catalog_" in q["sql"] or "sellers_" in q["sql"]]
    assert served_page(response).buy_box == shop["cheap"]


def test_cached_body_gives_each_reader_their_own_csrf_token(shop):  # noqa: F811
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_tokens = TOKEN.findall(first.get(product_url(shop)).content.decode())
    # Served from the body the first reader's visit cached.
    html = second.get(product_url(shop)).content.decode()
    assert CSRF_PLACEHOLDER not in html
    tokens = TOKEN.findall(html)
    assert len(tokens) == len(first_tokens) == 3  # the buy box, the other offer, the language form
    add = {"listing": shop["dear"].pk, "quantity": 1}
    assert second.post(reverse("orders:cart_add"),
                       {**add, "csrfmiddlewaretoken": first_tokens[1]}).status_code == 403
    assert not CartLine.objects.exists()
    added = second.post(reverse("orders:cart_add"), {**add, "csrfmiddlewaretoken": tokens[1]})
    assert added.status_code == 302
    assert CartLine.objects.filter(listing=shop["dear"]).count() == 1


def test_price_change_shows_in_the_cached_body_at_once(client, shop, django_capture_on_commit_callbacks):  # noqa: F811
    assert format_money(Decimal("300.00")) in client.get(product_url(shop)).content.decode()
    client.get(product_url(shop))
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.listing_update(listing=shop["cheap"], price="289.00")
    html = client.get(product_url(shop)).content.decode()
    assert format_money(Decimal("289.00")) in html
    assert format_money(Decimal("300.00")) not in html


def test_made_up_variant_and_grade_are_answered_but_never_stored(client, shop, cache_writes):  # noqa: F811
    url = reverse("catalog:model", kwargs={"slug": "pixel-8"}) + "?variant=no-such-thing&grade=shiny"
    response = client.get(url)
    assert response.status_code == 200
    page = served_page(response)
    assert (page.variant, page.grade, page.cache_key) == (shop["white"], "good", None)  # the cheapest
    assert not [key for key in cache_writes if "model-page" in key or "model-html" in key]


def test_default_page_of_a_model_is_cached_and_shows_the_cheapest_offer(client, shop):  # noqa: F811
    url = reverse("catalog:model", kwargs={"slug": "pixel-8"})
    client.get(url)
    with CaptureQueriesContext(connection) as warm:
        response = client.get(url)
    assert served_page(response).cache_key is not None
    assert not [q for q in warm.captured_queries if "sellers_" in q["sql"]]
    assert served_page(response).buy_box.price == Decimal("280.00")


def test_a_warm_page_is_served_from_its_rendering_alone(client, shop):  # noqa: F811
    """The warm path reads the page's versions and its rendered parts, never the page's data: the
    page stores what it rendered, not the data it rendered it from (pickling ~50 model instances),
    and is served whole again without a query."""
    from catalog import selectors

    url = product_url(shop)
    first = client.get(url)
    data_key = selectors.model_page_key(slug="pixel-8", variant_slug="pixel-8-128-black", grade="excellent")
    assert cache.get(data_key) is None
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.status_code == 200 and len(queries) == 0
    assert cache.get(data_key) is None  # nothing read or stored it
    masked_tokens = re.compile(r"[A-Za-z0-9]{64}")  # the CSRF token, masked anew for each response
    assert masked_tokens.sub("", again.content.decode()) == masked_tokens.sub("", first.content.decode())
