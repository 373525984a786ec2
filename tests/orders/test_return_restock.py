"""A returned unit the seller finds sellable goes back into stock through the stock ledger, once."""
from datetime import timedelta

import pytest
from django.urls import reverse

from orders import fulfilment
from sellers.ledger.checks import stock_mismatches
from sellers.models import StockMovement
from tests.factories import SellerMemberFactory, UserFactory

from .fulfil_support import IMEI, IMEI_2, paid_order, seller_setup

pytestmark = pytest.mark.django_db


def returned_line(django_capture_on_commit_callbacks):
    """A seller order of two units, shipped, delivered and returned; the return accepted."""
    seller, listing = seller_setup(quantity=3)
    member = SellerMemberFactory(seller=seller)
    shopper = UserFactory()
    seller_order = paid_order(lines=[(listing, 2)], user=shopper).seller_orders.get()
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.seller_order_accept(seller_order=seller_order, actor=member.user)
        fulfilment.seller_order_ship(seller_order=seller_order, carrier="Colissimo", tracking_number="6A1234",
                                     actor=member.user, serials={seller_order.lines.get().pk: [IMEI, IMEI_2]})
        fulfilment.seller_order_deliver(seller_order=seller_order)
    seller_order.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        ret = fulfilment.return_request_create(order_line=seller_order.lines.get(), reason="changed_mind",
                                               comment="Too big", user=shopper,
                                               now=seller_order.delivered_at + timedelta(days=1))
        fulfilment.return_accept(ret=ret, actor=member.user)
    listing.refresh_from_db()
    assert (listing.quantity, listing.allocated) == (1, 0)
    return member, listing, ret


def test_the_seller_puts_a_returned_unit_back_in_stock_once(client, django_capture_on_commit_callbacks):
    member, listing, ret = returned_line(django_capture_on_commit_callbacks)
    client.force_login(member.user)
    url = reverse("sellers:return_decide", args=[ret.pk, "received"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"restock": "1"}, follow=True)
    assert "the unit is back in stock" in response.content.decode()
    listing.refresh_from_db()
    assert listing.quantity == 3  # the two units returned
    movement = StockMovement.objects.filter(listing=listing).latest("id")
    assert (movement.reason, movement.quantity_delta, movement.seller_order_id, movement.user_id) == (
        "return_restocked", 2, ret.seller_order_id, member.user.pk)
    # A second click: the return is received already; nothing moves again.
    client.post(url, {"restock": "1"}, follow=True)
    listing.refresh_from_db()
    assert listing.quantity == 3
    assert StockMovement.objects.filter(listing=listing, reason="return_restocked").count() == 1
    assert stock_mismatches() == []


def test_a_return_received_without_restock_leaves_the_stock_alone(client, django_capture_on_commit_callbacks):
    member, listing, ret = returned_line(django_capture_on_commit_callbacks)
    client.force_login(member.user)
    page = client.get(reverse("sellers:order_detail", args=[ret.seller_order_id])).content.decode()
    assert 'name="restock"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sellers:return_decide", args=[ret.pk, "received"]))
    listing.refresh_from_db()
    ret.refresh_from_db()
    assert ret.state == "refunded" and listing.quantity == 1
    assert not StockMovement.objects.filter(listing=listing, reason="return_restocked").exists()


def test_the_api_puts_a_returned_unit_back_in_stock_when_asked(client, django_capture_on_commit_callbacks):
    import json

    from tests.sellers.factories_stock import api_key_for, bearer

    member, listing, ret = returned_line(django_capture_on_commit_callbacks)
    key = api_key_for(member.seller)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/returns/{ret.pk}/received?restock=true", json.dumps({}),
                               content_type="application/json", **bearer(key))
    assert response.status_code == 200, response.content
    listing.refresh_from_db()
    assert listing.quantity == 3
    assert StockMovement.objects.filter(listing=listing, reason="return_restocked").count() == 1
