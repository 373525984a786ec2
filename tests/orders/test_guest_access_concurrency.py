"""Guest access under real concurrent HTTP requests to the live server, from one browser's cookies:
nothing a request writes can take away the access another request gave."""
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import pytest
from django.conf import settings

from orders import guest_access, services
from orders.models import Order
from tests.factories import ListingFactory

from .conftest import ADDRESS, make_cart
from .test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)

GUEST = {"email": "guest@example.test", "full_name": "Guest Shopper", "line1": "12 quai de Seine",
         "postal_code": "69001", "city": "Lyon", "country": "FR", "shipping_method": "standard"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser: a cookie jar shared by every request (thread-safe), redirects not followed."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        """(status, Location or body) of one request."""
        body = None
        if data is not None:
            body = urlencode({**data, "csrfmiddlewaretoken": self.cookie("csrftoken")}).encode()
        try:
            with self.opener.open(self.base_url + path, data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location") or error.read().decode()

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)


def test_links_to_several_orders_opened_at_once_in_one_browser_each_keep_their_access(live_server):
    orders = [services.order_place(cart=make_cart(lines=[(ListingFactory(), 1)]), email="g@example.test",
                                   address=ADDRESS) for _ in range(6)]
    browser = Browser(live_server.url)
    browser.request("/cart/")  # a session and a CSRF cookie, as a browser that has been shopping
    links = [guest_access.order_link(order=order).removeprefix(settings.SITE_URL) for order in orders]
    results = run_concurrently([lambda link=link: browser.request(link) for link in links])
    assert [status for status, _ in results] == [302] * len(orders)
    for order in orders:
        status, body = browser.request(f"/orders/{order.number}/")
        assert status == 200 and order.number in body, order.number


def test_place_order_clicked_several_times_at_once_every_answer_leads_to_an_order_the_guest_can_open(
        live_server):
    listing = ListingFactory(quantity=10)
    browser = Browser(live_server.url)
    browser.request("/cart/")
    assert browser.request("/cart/add/", {"listing": listing.pk, "quantity": 1})[0] == 302
    assert browser.request("/checkout/", GUEST)[0] == 302
    results = run_concurrently([lambda: browser.request("/checkout/review/", {}) for _ in range(4)])
    assert all(status == 302 for status, _ in results), results
    payment_pages = {location.removeprefix(live_server.url) for _, location in results}
    for path in payment_pages:
        status, body = browser.request(path)
        assert status == 200 and "4242 4242 4242 4242" in body, path
    for order in Order.objects.all():
        assert browser.request(f"/orders/{order.number}/")[0] == 200
