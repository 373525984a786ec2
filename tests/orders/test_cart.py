"""The cart: adding within stock, quantity limits, prices from the listing, merge at login."""
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Cart, CartLine
from orders.selectors import cart_summary
from sellers.models import Seller
from tests.factories import PASSWORD, ListingFactory, UserFactory

pytestmark = pytest.mark.django_db


def add(client, listing, quantity=1, **extra):
    return client.post(reverse("orders:cart_add"), {"listing": listing.pk, "quantity": quantity, **extra},
                       follow=True)


def test_anonymous_shopper_adds_a_listing_and_header_counts_it(client, listing):
    response = add(client, listing, 2)
    assert response.status_code == 200
    line = CartLine.objects.get()
    assert line.quantity == 2 and line.cart.user is None
    assert b'id="cart-count">2<' in response.content


def test_posted_price_is_ignored_when_adding(client, listing):
    add(client, listing, 1, price="1.00", unit_price="1.00", total="1.00")
    line = CartLine.objects.get()
    assert line.price_when_added == Decimal("399.00")
    summary = cart_summary(cart=line.cart)
    assert summary.total == Decimal("399.00") + listing.seller.shipping_fee


def test_adding_more_than_available_is_refused_with_a_clear_message(client, listing):
    response = add(client, listing, 4)
    assert "Only 3 left" in response.content.decode()
    assert not CartLine.objects.exists()


def test_adding_again_is_capped_by_available_stock(client, listing):
    add(client, listing, 2)
    response = add(client, listing, 2)
    assert "Only 3 left" in response.content.decode()
    assert CartLine.objects.get().quantity == 2


def test_zero_or_negative_quantity_is_refused(client, listing):
    response = add(client, listing, 0)
    assert "at least 1" in response.content.decode()
    assert not CartLine.objects.exists()


def test_listing_of_a_suspended_seller_cannot_be_added(client, listing):
    Seller.objects.filter(pk=listing.seller_id).update(status=Seller.Status.SUSPENDED)
    response = add(client, listing)
    assert "no longer available" in response.content.decode()
    assert not CartLine.objects.exists()


def test_htmx_add_answers_a_fragment_that_updates_the_header_count(client, listing):
    response = client.post(reverse("orders:cart_add"), {"listing": listing.pk, "quantity": 2},
                           HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="cart-count" hx-swap-oob="true">2<' in body
    assert "<html" not in body


def test_update_quantity_within_and_beyond_stock(client, listing):
    add(client, listing, 1)
    line = CartLine.objects.get()
    url = reverse("orders:cart_line_update", args=[line.pk])
    client.post(url, {"quantity": 3})
    assert CartLine.objects.get().quantity == 3
    response = client.post(url, {"quantity": 4}, follow=True)
    assert "Only 3 left" in response.content.decode()
    assert CartLine.objects.get().quantity == 3
    client.post(url, {"quantity": 0})
    assert not CartLine.objects.exists()


def test_another_visitors_cart_line_is_a_404(client, listing):
    other = Cart.objects.create(session_key="someone-else")
    line = CartLine.objects.create(cart=other, listing=listing, quantity=1, price_when_added=listing.price)
    add(client, listing)  # this visitor has a cart of their own
    assert client.post(reverse("orders:cart_line_update", args=[line.pk]), {"quantity": 2}).status_code == 404
    assert client.post(reverse("orders:cart_line_remove", args=[line.pk])).status_code == 404
    line.refresh_from_db()
    assert line.quantity == 1


def test_cart_flags_changed_price_and_out_of_stock_line(client, listing):
    other = ListingFactory(price=Decimal("150.00"), quantity=2)
    add(client, listing)
    add(client, other, 2)
    listing.price = Decimal("379.00")
    listing.save()
    other.allocated = 1  # someone else's order holds one of the two
    other.save()
    response = client.get(reverse("orders:cart"))
    body = response.content.decode()
    assert "Price changed from" in body
    assert "Only 1 left" in body
    summary = response.context["summary"]
    assert not summary.can_checkout
    assert summary.subtotal == Decimal("379.00") + Decimal("300.00")


def test_cart_groups_lines_by_seller_with_each_shipping_fee(client, listing):
    second = ListingFactory(seller__shipping_fee=Decimal("6.00"), price=Decimal("100.00"))
    third = ListingFactory(seller=listing.seller, price=Decimal("50.00"))
    for item in (listing, second, third):
        add(client, item)
    summary = client.get(reverse("orders:cart")).context["summary"]
    assert len(summary.groups) == 2
    assert summary.shipping_total == Decimal("4.90") + Decimal("6.00")
    assert summary.total == Decimal("549.00") + Decimal("10.90")


def test_cart_page_query_count_does_not_grow_with_lines(client, listing, django_assert_max_num_queries):
    add(client, listing)
    with django_assert_max_num_queries(8):
        client.get(reverse("orders:cart"))
    for _ in range(12):
        add(client, ListingFactory())
    with django_assert_max_num_queries(8):
        response = client.get(reverse("orders:cart"))
    assert response.context["summary"].item_count == 13


def test_header_cart_count_is_one_query(rf, listing, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from orders.selectors import cart_item_count
    from orders.services import cart_add, cart_get_or_create

    user = UserFactory()
    cart_add(cart=cart_get_or_create(user=user), listing_id=listing.pk, quantity=2)
    request = rf.get("/")
    request.user = user
    request.session = {}
    with django_assert_num_queries(1):
        assert cart_item_count(request=request) == 2
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert cart_item_count(request=request) == 0


def test_anonymous_cart_merges_into_the_users_cart_at_login(client, listing):
    user = UserFactory()
    shared = ListingFactory(quantity=4)
    from orders.services import cart_add, cart_get_or_create

    user_cart = cart_get_or_create(user=user)
    cart_add(cart=user_cart, listing_id=shared.pk, quantity=3)
    add(client, listing, 2)
    add(client, shared, 2)  # 3 + 2 exceeds the 4 available: capped at 4
    anonymous = Cart.objects.get(user__isnull=True)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert not Cart.objects.filter(pk=anonymous.pk).exists()
    lines = {line.listing_id: line.quantity for line in CartLine.objects.filter(cart=user_cart)}
    assert lines == {listing.pk: 2, shared.pk: 4}
    page = client.get(reverse("orders:cart"))
    assert b'id="cart-count">6<' in page.content
