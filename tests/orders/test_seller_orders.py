"""The seller back office's orders pages and the shopper's order pages: tabs, search, pagination
with a fixed query count, detail, accept/refuse/ship forms, access, tracking, warranty, invoice."""
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import SellerOrder
from tests.factories import SellerMemberFactory, UserFactory

from .fulfil_support import IMEI, paid_order, seller_setup, to_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    seller, listing = seller_setup(quantity=200)
    member = SellerMemberFactory(seller=seller).user
    return seller, listing, member


def _orders(listing, n, user=None):
    return [paid_order(lines=[(listing, 1)], user=user).seller_orders.get() for _ in range(n)]


def test_tabs_count_each_state_and_list_only_that_state(client, shop):
    seller, listing, member = shop
    to_accept = _orders(listing, 2)
    to_ship = to_state(_orders(listing, 1)[0], "accepted")
    shipped = to_state(_orders(listing, 1)[0], "shipped")
    client.force_login(member)
    page = client.get(reverse("sellers:order_list")).content.decode()
    assert 'To accept <span class="tab-count">2</span>' in page
    assert 'To ship <span class="tab-count">1</span>' in page
    assert 'Shipped <span class="tab-count">1</span>' in page
    assert all(so.order.number in page for so in to_accept)
    assert to_ship.order.number not in page
    page = client.get(reverse("sellers:order_list"), {"tab": "shipped"}).content.decode()
    assert shipped.order.number in page and "6A12345678901" in page
    assert to_accept[0].order.number not in page


def test_search_by_number_shopper_and_tracking(client, shop):
    seller, listing, member = shop
    alice = UserFactory(email="alice@example.test")
    mine = _orders(listing, 1, user=alice)[0]
    other = _orders(listing, 1)[0]
    client.force_login(member)
    url = reverse("sellers:order_list")
    for q in (mine.order.number, "alice@example.test", mine.order.number[:6]):
        page = client.get(url, {"q": q}).content.decode()
        assert reverse("sellers:order_detail", args=[mine.pk]) in page, q
        assert reverse("sellers:order_detail", args=[other.pk]) not in page, q
    shipped = to_state(mine, "shipped")
    page = client.get(url, {"tab": "shipped", "q": "6a12345678901"}).content.decode()
    assert shipped.order.number in page
    page = client.get(url, {"q": "nobody-here"}).content.decode()
    assert "No order matches this search." in page
    assert reverse("sellers:order_detail", args=[other.pk]) not in page


@pytest.mark.parametrize("count", [2, 30])
def test_orders_list_query_count_does_not_grow(client, shop, count, django_assert_max_num_queries):
    seller, listing, member = shop
    _orders(listing, count)
    client.force_login(member)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("sellers:order_list"))
    assert response.status_code == 200
    assert response.content.decode().count('class="listing-product"') == min(count, 25)


def test_detail_shows_lines_address_and_history(client, shop):
    seller, listing, member = shop
    so = to_state(_orders(listing, 1)[0], "shipped", actor=member)
    client.force_login(member)
    page = client.get(reverse("sellers:order_detail", args=[so.pk])).content.decode()
    assert so.order.ship_full_name in page and "3 rue des Lilas" in page
    assert listing.sku in page and IMEI in page
    assert "History" in page and page.count('<li><strong>') == 3  # paid, accepted, shipped
    assert member.get_full_name() in page
    assert "laposte.fr" in page


def test_accept_then_ship_through_the_pages_with_clear_errors(client, shop):
    seller, listing, member = shop
    so = _orders(listing, 1)[0]
    line = so.lines.get()
    client.force_login(member)
    response = client.post(reverse("sellers:order_accept", args=[so.pk]), follow=True)
    assert "Order accepted" in response.content.decode()
    ship = reverse("sellers:order_ship", args=[so.pk])
    response = client.post(ship, {"carrier": "", "tracking_number": "", f"serial_{line.pk}_1": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose the carrier." in page and "Enter the tracking number." in page
    assert "Enter the IMEI or serial number of this unit." in page
    response = client.post(ship, {"carrier": "DHL", "tracking_number": "JD014600",
                                  f"serial_{line.pk}_1": "356938035643808"})
    assert "This IMEI is not valid" in response.content.decode()
    so.refresh_from_db()
    assert so.state == "accepted"
    response = client.post(ship, {"carrier": "DHL", "tracking_number": "JD014600",
                                  f"serial_{line.pk}_1": IMEI}, follow=True)
    assert "Marked as shipped" in response.content.decode()
    so.refresh_from_db()
    assert (so.state, so.carrier, so.tracking_number) == ("shipped", "DHL", "JD014600")
    assert so.transitions.get(to_state="shipped").actor == member
    # Accepting a shipped order is refused with a message, not a crash.
    response = client.post(reverse("sellers:order_accept", args=[so.pk]), follow=True)
    assert "cannot become" in response.content.decode()


def test_refuse_needs_a_reason(client, shop, django_capture_on_commit_callbacks):
    seller, listing, member = shop
    so = _orders(listing, 1)[0]
    client.force_login(member)
    response = client.post(reverse("sellers:order_refuse", args=[so.pk]), {"reason": ""})
    assert response.status_code == 200 and "Say why you refuse the order." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sellers:order_refuse", args=[so.pk]), {"reason": "Failed the battery test"})
    so.refresh_from_db()
    assert so.state == "refunded" and so.cancel_cause == "refused"


def test_a_seller_cannot_see_or_act_on_another_sellers_orders(client, shop):
    seller, listing, member = shop
    theirs = _orders(seller_setup()[1], 1)[0]
    client.force_login(member)
    for name in ("sellers:order_detail",):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    for name in ("sellers:order_accept", "sellers:order_refuse", "sellers:order_ship"):
        assert client.post(reverse(name, args=[theirs.pk]), {"reason": "x"}).status_code == 404
    page = client.get(reverse("sellers:order_list"), {"q": theirs.order.number}).content.decode()
    assert "No order matches this search." in page
    assert reverse("sellers:order_detail", args=[theirs.pk]) not in page
    theirs.refresh_from_db()
    assert theirs.state == "paid"


def test_the_orders_pages_need_a_seller(client):
    assert client.get(reverse("sellers:order_list")).status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse("sellers:order_list")).url == reverse("sellers:apply")


def test_my_orders_shows_each_sellers_state_tracking_and_warranty(client, shop):
    seller, listing, member = shop
    shopper = UserFactory()
    order = paid_order(lines=[(listing, 1)], user=shopper)
    so = to_state(order.seller_orders.get(), "delivered")
    client.force_login(shopper)
    page = client.get(reverse("orders:order_list")).content.decode()
    assert order.number in page and "Delivered" in page and "6A12345678901" in page
    page = client.get(reverse("orders:order_detail", args=[order.number])).content.decode()
    assert "Track parcel 6A12345678901" in page and "laposte.fr" in page
    assert "Warranty until" in page
    invoice = client.get(reverse("orders:order_invoice", args=[order.number]))
    assert invoice.status_code == 200
    body = invoice.content.decode()
    assert seller.vat_number in body and "€403.90" in body and "data-print" in body
    assert so.seller.name in body


def test_invoice_of_an_unpaid_order_is_404(client, shop):
    from orders import services

    from .conftest import ADDRESS, make_cart

    seller, listing, member = shop
    shopper = UserFactory()
    order = services.order_place(cart=make_cart(user=shopper, lines=[(listing, 1)]), email=shopper.email,
                                 address=ADDRESS, user=shopper)
    client.force_login(shopper)
    assert client.get(reverse("orders:order_invoice", args=[order.number])).status_code == 404


@pytest.mark.parametrize("count", [1, 20])
def test_my_orders_query_count_is_fixed(client, shop, count, django_assert_max_num_queries):
    seller, listing, member = shop
    shopper = UserFactory()
    for _ in range(count):
        to_state(paid_order(lines=[(listing, 1)], user=shopper).seller_orders.get(), "shipped")
    client.force_login(shopper)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("orders:order_list"))
    assert response.content.decode().count("6A12345678901") == count
    assert SellerOrder.objects.count() == count and Decimal("399.00") == listing.price
