"""The product page's shell (marketplace/layout.py): one rendering serves every anonymous reader,
each with their own CSRF token, cart count, search query, return path and language; a logged-in
reader or a pending message gets a page of their own; an offer change shows at once."""
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from marketplace import layout
from marketplace.templatetags.money import format_money
from orders.models import CartLine
from sellers import services as seller_services
from tests.factories import UserFactory

from .test_cache import product_url, shop  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CART_COUNT = re.compile(r'id="cart-count">([^<]*)<')
PLACEHOLDERS = (layout.CSRF, layout.CART_COUNT, layout.SEARCH_QUERY, layout.CURRENT_PATH,
                "trade-in-placeholder")


def page(client, url, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200
    html = response.content.decode()
    assert not [p for p in PLACEHOLDERS if p in html]
    return html


def test_second_anonymous_reader_is_served_the_shell_with_a_csrf_token_of_their_own(shop):  # noqa: F811
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    (first_token,) = set(TOKEN.findall(page(first, product_url(shop))))
    response = second.get(product_url(shop))
    assert response.context is None  # no template rendered: the shell, filled in
    html = response.content.decode()
    tokens = TOKEN.findall(html)
    assert len(tokens) == 3 and len(set(tokens)) == 1 and first_token not in html
    assert f'hx-headers=\'{{"X-CSRFToken": "{tokens[0]}"}}\'' in html  # htmx's requests too
    add = {"listing": shop["dear"].pk, "quantity": 1}
    refused = second.post(reverse("orders:cart_add"), {**add, "csrfmiddlewaretoken": first_token})
    assert refused.status_code == 403
    added = second.post(reverse("orders:cart_add"), {**add, "csrfmiddlewaretoken": tokens[0]})
    assert added.status_code == 302
    assert CartLine.objects.filter(listing=shop["dear"]).count() == 1


def test_another_readers_cart_count_is_never_served(shop):  # noqa: F811
    buyer, other = Client(), Client()
    page(other, product_url(shop))  # the shell is stored by a reader with an empty cart
    buyer.post(reverse("orders:cart_add"), {"listing": shop["cheap"].pk, "quantity": 2})
    page(buyer, reverse("orders:cart"))  # the message of the addition is read there
    assert CART_COUNT.findall(page(buyer, product_url(shop))) == ["2"]
    assert CART_COUNT.findall(page(other, product_url(shop))) == ["0"]
    assert CART_COUNT.findall(page(Client(), product_url(shop))) == ["0"]


def test_logged_in_reader_gets_their_own_header_and_never_the_anonymous_one(shop):  # noqa: F811
    page(Client(), product_url(shop))
    member = Client()
    member.force_login(UserFactory())
    html = page(member, product_url(shop))
    assert reverse("orders:account") in html and reverse("account_logout") in html
    assert reverse("account_login") not in html
    anonymous = page(Client(), product_url(shop))
    assert reverse("account_login") in anonymous and reverse("orders:account") not in anonymous


def test_a_pending_message_is_shown_to_its_reader_alone(shop):  # noqa: F811
    buyer = Client()
    page(Client(), product_url(shop))
    buyer.post(reverse("orders:cart_add"), {"listing": shop["cheap"].pk, "quantity": 1})
    shown = page(buyer, product_url(shop))
    assert 'class="message message-success"' in shown and "Pixel 8" in shown
    assert 'class="message' not in page(buyer, product_url(shop))  # read once
    assert 'class="message' not in page(Client(), product_url(shop))


def test_search_query_and_return_path_are_the_readers_own_and_escaped(shop):  # noqa: F811
    page(Client(), product_url(shop))
    html = page(Client(), product_url(shop) + "&q=<b>pixel</b>")
    assert 'name="q" value="&lt;b&gt;pixel&lt;/b&gt;"' in html and "<b>pixel</b>" not in html
    assert 'name="next" type="hidden" value="/p/pixel-8/?variant=pixel-8-128-black&amp;grade=excellent' \
           '&amp;q=%3Cb%3Epixel%3C/b%3E"' in html
    other = page(Client(), product_url(shop))
    assert 'name="q" value=""' in other and "pixel</b>" not in other


def test_each_language_has_its_own_shell(shop):  # noqa: F811
    english = page(Client(), product_url(shop))
    french = page(Client(), product_url(shop), HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="en">' in english and '<html lang="fr">' in french
    assert "Our promise" in english and "Our promise" not in french
    assert '<option value="fr" selected>' in french and '<option value="en" selected>' in english
    assert '<option value="en" selected>' in page(Client(), product_url(shop))


def test_price_and_stock_changes_show_on_the_shell_at_once(shop, django_capture_on_commit_callbacks):  # noqa: F811
    reader = Client()
    page(reader, product_url(shop))
    assert format_money(Decimal("300.00")) in page(reader, product_url(shop))
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.listing_update(listing=shop["cheap"], price="289.00")
    html = page(reader, product_url(shop))
    assert format_money(Decimal("289.00")) in html and format_money(Decimal("300.00")) not in html
    # The cheapest offer sold out: the buy box goes to the other seller.
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.listing_update(listing=shop["cheap"], quantity=0)
    html = page(reader, product_url(shop))
    assert "Dear Lab" in html and format_money(Decimal("289.00")) not in html
