"""The seller order's accept deadline (SELLER_ACCEPT_HOURS after payment) is shown where the seller
decides: the API, the back office's order page and the new-order e-mail; it goes once accepted."""
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone

from orders import fulfilment
from tests.factories import ListingFactory, SellerMemberFactory
from tests.orders.fulfil_support import paid_order, seller_setup
from tests.sellers.factories_stock import api_key_for, bearer

pytestmark = pytest.mark.django_db


def _shown(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def test_a_paid_order_shows_its_accept_deadline_in_the_api_until_accepted(client):
    seller, listing = seller_setup()
    seller_order = paid_order(lines=[(listing, 1)]).seller_orders.get()
    key = api_key_for(seller)
    body = client.get(f"/api/v1/orders/{seller_order.pk}", **bearer(key)).json()
    deadline = seller_order.paid_at + timedelta(hours=settings.SELLER_ACCEPT_HOURS)
    assert abs(datetime.fromisoformat(body["accept_by"]) - deadline) < timedelta(milliseconds=1)
    fulfilment.seller_order_accept(seller_order=seller_order)
    assert client.get(f"/api/v1/orders/{seller_order.pk}", **bearer(key)).json()["accept_by"] is None


def test_the_order_page_shows_the_deadline_to_accept(client):
    member = SellerMemberFactory()
    listing = ListingFactory(seller=member.seller, quantity=3)
    seller_order = paid_order(lines=[(listing, 1)]).seller_orders.get()
    client.force_login(member.user)
    url = reverse("sellers:order_detail", args=[seller_order.pk])
    page = client.get(url).content.decode()
    assert f"Accept by {_shown(seller_order.accept_by)}" in page and "left)" in page
    fulfilment.seller_order_accept(seller_order=seller_order)
    assert "Accept by" not in client.get(url).content.decode()


def test_the_new_order_e_mail_says_until_when_to_accept(django_capture_on_commit_callbacks, mailoutbox):
    _seller, listing = seller_setup()
    with django_capture_on_commit_callbacks(execute=True):
        seller_order = paid_order(lines=[(listing, 1)]).seller_orders.get()
    [notice] = [mail for mail in mailoutbox if "to accept" in mail.subject]
    assert f"Accept it by {_shown(seller_order.accept_by)}, or it is cancelled" in notice.body
