"""One cart, one live unpaid order: double clicks, second tabs and retried POSTs on "Place order
and pay" never hold stock twice or open two payments; a price that rose since the review is
never charged without a word. Real PostgreSQL, real threads."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders import services
from orders.models import Order, Payment
from sellers.models import Listing

from .conftest import ADDRESS, make_cart
from .test_concurrency import run_concurrently

GUEST = {"email": "guest@example.test", "full_name": "Guest Shopper", "line1": "12 quai de Seine",
         "postal_code": "69001", "city": "Lyon", "country": "fr", "shipping_method": "standard"}


def _to_review(client, listing, quantity=2):
    client.post(reverse("orders:cart_add"), {"listing": listing.pk, "quantity": quantity})
    assert client.post(reverse("orders:checkout"), GUEST).status_code == 302


def _review_token(client) -> str:
    page = client.get(reverse("orders:checkout_review")).content.decode()
    return re.search(r'name="reviewed" value="([^"]+)"', page).group(1)


@pytest.mark.django_db(transaction=True)
def test_five_simultaneous_placements_of_one_cart_make_one_order_holding_stock_once(listing):
    assert connection.vendor == "postgresql"
    Listing.objects.filter(pk=listing.pk).update(quantity=10)  # enough stock for five orders
    cart = make_cart(lines=[(listing, 2)])
    results = run_concurrently([
        lambda: services.order_place(cart=cart, email="b@example.test", address=ADDRESS) for _ in range(5)])
    assert all(isinstance(r, Order) for r in results), results
    assert len({order.pk for order in results}) == 1
    assert Order.objects.filter(status=Order.Status.AWAITING_PAYMENT).count() == 1
    listing.refresh_from_db()
    assert listing.allocated == 2


@pytest.mark.django_db(transaction=True)
def test_four_posts_of_place_order_at_once_land_on_one_payment_page(listing):
    Listing.objects.filter(pk=listing.pk).update(quantity=10)  # enough stock for four orders
    first = Client()
    _to_review(first, listing)
    token = _review_token(first)
    tabs = []
    for _ in range(4):
        tab = Client()
        tab.cookies = first.cookies  # one browser: the same session, four requests in flight
        tabs.append(tab)
    results = run_concurrently([
        lambda tab=tab: tab.post(reverse("orders:checkout_review"), {"reviewed": token}) for tab in tabs])
    assert all(getattr(r, "status_code", None) == 302 for r in results), results
    order = Order.objects.get()
    payment = Payment.objects.get()
    assert {r["Location"] for r in results} == {payment.redirect_url}
    assert order.status == Order.Status.AWAITING_PAYMENT and payment.order_id == order.pk
    listing.refresh_from_db()
    assert listing.allocated == 2


@pytest.mark.django_db
def test_the_database_refuses_a_second_live_order_for_one_cart(listing):
    order = services.order_place(cart=make_cart(lines=[(listing, 1)]), email="b@example.test",
                                 address=ADDRESS)
    twin = Order(number="RTWIN0001", email=order.email, cart=order.cart, ship_full_name="x", ship_line1="x",
                 ship_postal_code="1", ship_city="x", ship_country="FR", subtotal=Decimal("1"),
                 shipping_total=Decimal("0"), total=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    # Once the first is no longer live, the cart may have another.
    services.order_release(order=order, reason="test")
    twin.save()


@pytest.mark.django_db
def test_a_price_that_rose_since_the_review_sends_the_shopper_back_with_what_changed(client, listing):
    Listing.objects.filter(pk=listing.pk).update(price=Decimal("370.00"))
    _to_review(client, listing, quantity=1)
    token = _review_token(client)
    Listing.objects.filter(pk=listing.pk).update(price=Decimal("870.00"))  # the seller's API, meanwhile

    response = client.post(reverse("orders:checkout_review"), {"reviewed": token})
    assert response.status_code == 302 and response["Location"] == reverse("orders:checkout_review")
    notice = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "Some prices changed" in notice and "€370.00" in notice and "€870.00" in notice
    assert not Order.objects.exists()
    listing.refresh_from_db()
    assert listing.allocated == 0

    # Reviewing again shows the new price; placing then charges what was shown.
    response = client.post(reverse("orders:checkout_review"), {"reviewed": _review_token(client)})
    assert response.status_code == 302
    assert Order.objects.get().subtotal == Decimal("870.00")


@pytest.mark.django_db
def test_a_price_that_fell_since_the_review_is_honoured(client, listing):
    _to_review(client, listing, quantity=1)
    token = _review_token(client)
    Listing.objects.filter(pk=listing.pk).update(price=Decimal("349.00"))
    response = client.post(reverse("orders:checkout_review"), {"reviewed": token})
    assert response.status_code == 302
    assert Order.objects.get().subtotal == Decimal("349.00")


@pytest.mark.django_db
def test_a_forged_review_token_counts_as_not_reviewed_in_that_form(client, listing):
    _to_review(client, listing, quantity=1)
    client.get(reverse("orders:checkout_review"))
    Listing.objects.filter(pk=listing.pk).update(price=Decimal("999.00"))
    # The forged token is ignored; the prices the session last showed (399) are checked instead.
    response = client.post(reverse("orders:checkout_review"), {"reviewed": "forged:token"})
    assert response["Location"] == reverse("orders:checkout_review")
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_the_stripe_session_expires_with_the_stock_hold(listing, fake_stripe, settings):
    settings.ORDER_PAYMENT_TIMEOUT_MINUTES = 30  # shorter than Stripe's minimum of 30 min from now
    order = services.order_place(cart=make_cart(lines=[(listing, 1)]), email="b@example.test",
                                 address=ADDRESS)
    services.payment_start(order=order, success_url="https://shop.test/ok", cancel_url="x")
    order.refresh_from_db()
    sent = int(fake_stripe.requests[0]["params"]["expires_at"])
    assert sent == int(order.expires_at.timestamp())  # one deadline for the hold and the session
    assert timezone.now() + timedelta(minutes=30) < order.expires_at <= timezone.now() + timedelta(minutes=32)


@pytest.mark.django_db
def test_a_long_hold_is_kept_and_the_session_closes_with_it(listing, fake_stripe, settings):
    settings.ORDER_PAYMENT_TIMEOUT_MINUTES = 45
    order = services.order_place(cart=make_cart(lines=[(listing, 1)]), email="b@example.test",
                                 address=ADDRESS)
    placed_deadline = order.expires_at
    services.payment_start(order=order, success_url="https://shop.test/ok", cancel_url="x")
    order.refresh_from_db()
    assert order.expires_at == placed_deadline
    assert int(fake_stripe.requests[0]["params"]["expires_at"]) == int(placed_deadline.timestamp())


@pytest.mark.django_db
def test_stopping_a_checkout_raises_when_stripe_is_down_and_not_when_it_already_closed(listing, fake_stripe):
    from orders.payments import get_provider

    order = services.order_place(cart=make_cart(lines=[(listing, 1)]), email="b@example.test",
                                 address=ADDRESS)
    payment = services.payment_start(order=order, success_url="https://shop.test/ok", cancel_url="x")
    provider = get_provider("stripe")
    fake_stripe.down = True
    with pytest.raises(Exception, match="Service unavailable"):
        provider.checkout_cancel(payment=payment)
    fake_stripe.down = False
    provider.checkout_cancel(payment=payment)
    assert fake_stripe.sessions[payment.provider_reference]["status"] == "expired"
    provider.checkout_cancel(payment=payment)  # already expired: nothing left to stop, no error


@pytest.mark.django_db
def test_releasing_an_order_has_a_worker_stop_each_open_checkout(listing, fake_stripe,
                                                                 django_capture_on_commit_callbacks):
    from orders import tasks

    order = services.order_place(cart=make_cart(lines=[(listing, 1)]), email="b@example.test",
                                 address=ADDRESS)
    payment = services.payment_start(order=order, success_url="https://shop.test/ok", cancel_url="x")
    asked = []
    original = tasks.cancel_checkout.delay
    tasks.cancel_checkout.delay = asked.append
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.order_release(order=order, reason="payment not received in time")
    finally:
        tasks.cancel_checkout.delay = original
    assert asked == [payment.pk]
