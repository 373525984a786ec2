"""Checkout: delivery, review, placing the order (allocation, split per seller) and the test provider."""
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from orders import services
from orders.models import Address, CartLine, Order, OrderLine, Payment, ProviderEvent, SellerOrder
from orders.payments.test_provider import DECLINE_CARD, SUCCESS_CARD
from sellers.models import Listing
from tests.factories import ListingFactory, SellerMemberFactory

from .conftest import ADDRESS, make_cart

pytestmark = pytest.mark.django_db

GUEST = {"email": "guest@example.test", "full_name": "Guest Shopper", "line1": "12 quai de Seine",
         "postal_code": "69001", "city": "Lyon", "country": "fr", "shipping_method": "standard"}


def add(client, listing, quantity=1):
    client.post(reverse("orders:cart_add"), {"listing": listing.pk, "quantity": quantity})


def place_and_open_payment(client, **extra):
    response = client.post(reverse("orders:checkout"), GUEST)
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(reverse("orders:checkout_review"), extra)
    assert response.status_code == 302
    return response


def test_guest_checkout_pays_with_the_success_card(client, listing, django_capture_on_commit_callbacks):
    member = SellerMemberFactory(seller=listing.seller)
    add(client, listing, 2)
    response = place_and_open_payment(client)
    order = Order.objects.get()
    payment = order.payments.get()
    assert response["Location"] == payment.redirect_url
    assert order.user is None and order.email == "guest@example.test"
    assert order.ship_country == "FR"
    listing.refresh_from_db()
    assert listing.allocated == 2

    page = client.get(payment.redirect_url)
    assert page.status_code == 200 and "4242 4242 4242 4242" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(payment.redirect_url, {"card_number": "4242 4242 4242 4242"}, follow=True)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.paid_at
    assert "your order is paid" in response.content.decode()
    seller_order = order.seller_orders.get()
    assert seller_order.state == SellerOrder.State.PAID
    assert list(seller_order.transitions.values_list("from_state", "to_state")) == [
        ("awaiting_payment", "paid")]
    assert ProviderEvent.objects.filter(provider="test", event_type="payment_intent.succeeded").count() == 1
    assert not CartLine.objects.exists()  # the cart is emptied once paid
    listing.refresh_from_db()
    assert listing.allocated == 2  # paying keeps the allocation; shipping consumes it
    assert len(mail.outbox) == 2
    assert mail.outbox[0].to == ["guest@example.test"] and order.number in mail.outbox[0].subject
    seller_mail = next(m for m in mail.outbox if "New order" in m.subject)
    assert member.user.email in seller_mail.to and listing.seller.contact_email in seller_mail.to


def test_decline_card_leaves_the_order_unpaid_and_the_shopper_can_retry(client, listing):
    add(client, listing)
    place_and_open_payment(client)
    order = Order.objects.get()
    first = order.payments.get()
    response = client.post(first.redirect_url, {"card_number": DECLINE_CARD}, follow=True)
    text = response.content.decode()
    # The provider's reason says "declined" once; the page does not say it again.
    assert "Your payment did not go through.</strong> Your card was declined." in text
    assert text.count("declined") == 1
    first.refresh_from_db()
    order.refresh_from_db()
    assert first.status == Payment.Status.FAILED and order.status == Order.Status.AWAITING_PAYMENT
    assert not mail.outbox

    response = client.post(reverse("orders:order_pay", args=[order.number]))
    second = order.payments.exclude(pk=first.pk).get()
    assert response["Location"] == second.redirect_url
    client.post(second.redirect_url, {"card_number": SUCCESS_CARD})
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_returning_from_the_payment_page_does_not_mark_paid(client, listing):
    add(client, listing)
    place_and_open_payment(client)
    order = Order.objects.get()
    url = reverse("orders:order_detail", args=[order.number])
    page = client.get(url + "?paid=1&redirect_status=succeeded")
    assert page.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_an_unknown_card_number_is_refused_on_the_test_page(client, listing):
    add(client, listing)
    place_and_open_payment(client)
    payment = Payment.objects.get()
    response = client.post(payment.redirect_url, {"card_number": "1234"})
    assert "Use one of the two test cards" in response.content.decode()
    assert not ProviderEvent.objects.exists()


def test_posted_prices_and_totals_are_ignored_when_placing(client, listing):
    add(client, listing, 1)
    place_and_open_payment(client, total="1.00", subtotal="1.00", price="1.00", unit_price="0.01",
                           shipping_total="0")
    order = Order.objects.get()
    assert order.subtotal == Decimal("399.00")
    assert order.shipping_total == Decimal("4.90")
    assert order.total == Decimal("403.90")
    assert order.payments.get().amount == Decimal("403.90")


def test_line_out_of_stock_between_cart_and_checkout_names_it_and_allocates_nothing(client, listing):
    other = ListingFactory(price=Decimal("120.00"), quantity=2)
    add(client, other, 2)
    add(client, listing, 2)
    client.post(reverse("orders:checkout"), GUEST)
    # Meanwhile another buyer takes two of the three units of `listing`.
    Listing.objects.filter(pk=listing.pk).update(allocated=2)
    response = client.post(reverse("orders:checkout_review"), follow=True)
    body = response.content.decode()
    assert "cannot be bought as they are" in body
    flagged = response.context["summary"].problems
    assert [item.listing.pk for item in flagged] == [listing.pk]
    assert "Only 1 left: lower the quantity" in body
    assert not Order.objects.exists()
    other.refresh_from_db()
    assert other.allocated == 0  # the line allocated before the failing one was rolled back
    listing.refresh_from_db()
    assert listing.allocated == 2


def test_allocation_failing_on_a_later_line_rolls_back_the_earlier_ones(listing):
    other = ListingFactory(price=Decimal("120.00"), quantity=2)
    assert other.pk > listing.pk  # lines are allocated in listing order: `listing` first
    cart = make_cart(lines=[(listing, 2), (other, 2)])
    Listing.objects.filter(pk=other.pk).update(allocated=1)  # taken after the cart check
    with pytest.raises(services.CheckoutError) as raised:
        services.order_place(cart=cart, email="a@example.test", address=ADDRESS)
    assert str(other.product) in raised.value.message and "Only 1 left" in raised.value.message
    assert raised.value.line_id == cart.lines.get(listing=other).pk
    listing.refresh_from_db()
    assert listing.allocated == 0
    assert not Order.objects.exists() and not SellerOrder.objects.exists()


def test_order_splits_per_seller_with_commission_shipping_and_snapshots(listing):
    second = ListingFactory(price=Decimal("80.00"), seller__shipping_fee=Decimal("3.00"),
                            seller__commission_rate=Decimal("0.0800"))
    cart = make_cart(lines=[(listing, 2), (second, 1)])
    order = services.order_place(cart=cart, email="a@example.test", address=ADDRESS,
                                 shipping_method=Order.ShippingMethod.EXPRESS)
    first_so = order.seller_orders.get(seller=listing.seller)
    second_so = order.seller_orders.get(seller=second.seller)
    assert first_so.subtotal == Decimal("798.00")
    assert first_so.shipping_fee == Decimal("4.90") + Decimal("9.90")
    assert first_so.commission_rate == Decimal("0.1200")
    assert first_so.commission_amount == Decimal("95.76")
    assert second_so.commission_amount == Decimal("6.40")
    assert order.total == Decimal("798.00") + Decimal("80.00") + Decimal("14.80") + Decimal("12.90")
    line = OrderLine.objects.get(listing=listing)
    assert (line.unit_price, line.quantity, line.sku, line.product_name) == (
        Decimal("399.00"), 2, listing.sku, str(listing.product))
    listing.price = Decimal("1.00")
    listing.save()
    line.refresh_from_db()
    assert line.unit_price == Decimal("399.00")


def test_placing_the_same_cart_again_returns_the_same_unpaid_order(listing):
    cart = make_cart(lines=[(listing, 2)])
    first = services.order_place(cart=cart, email="a@example.test", address=ADDRESS)
    second = services.order_place(cart=cart, email="a@example.test", address=ADDRESS)
    listing.refresh_from_db()
    assert second.pk == first.pk and Order.objects.count() == 1
    assert listing.allocated == 2


def test_placing_a_changed_cart_releases_the_earlier_unpaid_order(listing):
    cart = make_cart(lines=[(listing, 2)])
    first = services.order_place(cart=cart, email="a@example.test", address=ADDRESS)
    services.cart_update(line=cart.lines.get(), quantity=1)
    second = services.order_place(cart=cart, email="a@example.test", address=ADDRESS)
    first.refresh_from_db()
    listing.refresh_from_db()
    assert first.status == Order.Status.CANCELLED and second.status == Order.Status.AWAITING_PAYMENT
    assert listing.allocated == 1


def test_empty_cart_cannot_be_placed(db):
    cart = make_cart()
    with pytest.raises(services.CheckoutError, match="empty"):
        services.order_place(cart=cart, email="a@example.test", address=ADDRESS)


def test_logged_in_shopper_uses_a_saved_address_and_can_save_a_new_one(client_user, user, listing):
    Address.objects.create(user=user, full_name="Home", line1="1 rue A", postal_code="75001",
                           city="Paris", country="FR", is_default=True)
    add(client_user, listing)
    saved = Address.objects.get()
    response = client_user.post(reverse("orders:checkout"),
                                {"saved_address": str(saved.pk), "shipping_method": "standard"})
    assert response.status_code == 302
    client_user.post(reverse("orders:checkout_review"))
    order = Order.objects.get()
    assert (order.user, order.email, order.ship_line1) == (user, user.email, "1 rue A")

    response = client_user.post(reverse("orders:checkout"), {
        "saved_address": "new", "full_name": "Work", "line1": "9 av B", "postal_code": "13001",
        "city": "Marseille", "country": "FR", "save_address": "on", "shipping_method": "express"})
    assert response.status_code == 302
    assert Address.objects.filter(user=user, line1="9 av B").exists()


def test_delivery_form_requires_an_address_and_a_valid_email(client, listing):
    add(client, listing)
    response = client.post(reverse("orders:checkout"), {"email": "nope", "shipping_method": "standard"})
    assert response.status_code == 200
    form = response.context["form"]
    assert {"email", "full_name", "line1", "postal_code", "city", "country"} <= set(form.errors)


def test_checkout_with_a_flagged_line_goes_back_to_the_cart(client, listing):
    add(client, listing, 3)
    Listing.objects.filter(pk=listing.pk).update(allocated=1)
    response = client.get(reverse("orders:checkout"))
    assert response.status_code == 302 and response["Location"] == reverse("orders:cart")


def test_another_visitors_order_is_a_404(client, listing, user):
    cart = make_cart(user=user, lines=[(listing, 1)])
    order = services.order_place(cart=cart, email=user.email, address=ADDRESS, user=user)
    assert client.get(reverse("orders:order_detail", args=[order.number])).status_code == 404
    assert client.post(reverse("orders:order_cancel", args=[order.number])).status_code == 404
    guest_cart = make_cart(lines=[(ListingFactory(), 1)])
    guest_order = services.order_place(cart=guest_cart, email="g@example.test", address=ADDRESS)
    assert client.get(reverse("orders:order_detail", args=[guest_order.number])).status_code == 404


def test_shopper_cancels_an_unpaid_order_and_the_stock_comes_back(client, listing):
    add(client, listing, 2)
    place_and_open_payment(client)
    order = Order.objects.get()
    client.post(reverse("orders:order_cancel", args=[order.number]))
    order.refresh_from_db()
    listing.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and listing.allocated == 0
    assert order.payments.get().status == Payment.Status.CANCELLED
    assert CartLine.objects.get().quantity == 2  # the cart is kept for another try


def test_account_order_list_query_count_is_flat(client_user, user, django_assert_max_num_queries):
    def place(n):
        for _ in range(n):
            cart = make_cart(user=user, lines=[(ListingFactory(), 1)])
            services.order_place(cart=cart, email=user.email, address=ADDRESS, user=user)
            cart.lines.all().delete()
    place(1)
    with django_assert_max_num_queries(8):
        client_user.get(reverse("orders:order_list"))
    place(10)
    with django_assert_max_num_queries(8):
        response = client_user.get(reverse("orders:order_list"))
    assert response.content.decode().count("/orders/R") == 11
