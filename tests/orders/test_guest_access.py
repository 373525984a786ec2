"""Guests reach their own orders: a signed cookie per order in the browser that placed it, a signed
and expiring link in every e-mail, a lookup page that sends a fresh link, and orders claimed by
an account once their e-mail address is verified."""
import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from orders import emails, guest_access, services
from orders.models import Order
from tests.factories import PASSWORD, ListingFactory, UserFactory

from .conftest import ADDRESS, make_cart
from .fulfil_support import paid_order, seller_setup, to_state

pytestmark = pytest.mark.django_db

GUEST = {"email": "guest@example.test", "full_name": "Guest Shopper", "line1": "12 quai de Seine",
         "postal_code": "69001", "city": "Lyon", "country": "fr", "shipping_method": "standard"}


def guest_order(email="guest@example.test") -> Order:
    return services.order_place(cart=make_cart(lines=[(ListingFactory(), 1)]), email=email, address=ADDRESS)


def link_in(message) -> str:
    """The path and query of the link to the order in an e-mail."""
    url = re.search(r"https?://\S+/orders/\S+", message.body).group(0)
    parsed = urlparse(url)
    return f"{parsed.path}?{parsed.query}" if parsed.query else parsed.path


def order_path(order: Order) -> str:
    return reverse("orders:order_detail", args=[order.number])


def test_guest_opens_the_order_they_placed_with_nothing_about_it_in_the_session(client):
    listing = ListingFactory(quantity=3)
    client.post(reverse("orders:cart_add"), {"listing": listing.pk, "quantity": 1})
    client.post(reverse("orders:checkout"), GUEST)
    assert client.post(reverse("orders:checkout_review")).status_code == 302
    order = Order.objects.get()
    assert "guest_orders" not in client.session
    # A concurrent request's stale write can replace the whole session: access does not live there.
    client.cookies.pop(settings.SESSION_COOKIE_NAME)
    assert client.get(order_path(order)).status_code == 200
    assert client.get(order.payments.get().redirect_url).status_code == 200


def test_an_orders_cookie_opens_that_order_only_and_cannot_be_forged_for_another():
    first, second = guest_order(), guest_order()
    browser = Client()
    response = browser.get(guest_access.order_link(order=first).removeprefix(settings.SITE_URL))
    assert browser.get(order_path(first)).status_code == 200
    assert browser.get(order_path(second)).status_code == 404
    # The first order's signed value put under the second order's name is refused.
    stolen = response.cookies[guest_access.COOKIE_PREFIX + first.number].value
    browser.cookies[guest_access.COOKIE_PREFIX + second.number] = stolen
    assert browser.get(order_path(second)).status_code == 404
    browser.cookies[guest_access.COOKIE_PREFIX + second.number] = second.number  # unsigned
    assert browser.get(order_path(second)).status_code == 404


def test_signed_link_opens_the_order_in_a_fresh_browser_and_leaves_the_address_bar():
    order = guest_order()
    fresh = Client()
    assert fresh.get(order_path(order)).status_code == 404
    response = fresh.get(guest_access.order_link(order=order).removeprefix(settings.SITE_URL))
    assert response.status_code == 302 and response["Location"] == order_path(order)
    cookie = response.cookies[guest_access.COOKIE_PREFIX + order.number]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    page = fresh.get(order_path(order))
    assert page.status_code == 200 and order.number in page.content.decode()


def test_a_link_for_one_order_does_not_open_another_and_a_made_up_token_is_404():
    first, second = guest_order(), guest_order()
    token = guest_access.order_token(order=first)
    assert Client().get(order_path(second), {"access": token}).status_code == 404
    assert Client().get(order_path(first), {"access": "nonsense"}).status_code == 404
    wrong_salt = signing.dumps({"order": first.number}, salt="another.purpose")
    assert Client().get(order_path(first), {"access": wrong_salt}).status_code == 404
    assert Client().get(order_path(first), {"access": signing.dumps(["x"], salt=guest_access.LINK_SALT)}
                        ).status_code == 404


def test_an_expired_link_leads_to_the_page_that_sends_a_fresh_one(monkeypatch):
    order = guest_order()
    long_ago = time.time() - guest_access.LINK_MAX_AGE.total_seconds() - 60
    monkeypatch.setattr(signing.time, "time", lambda: long_ago)
    token = guest_access.order_token(order=order)
    monkeypatch.undo()
    browser = Client()
    response = browser.get(order_path(order), {"access": token}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("orders:order_lookup")
    assert "This link to your order has expired" in response.content.decode()
    assert browser.get(order_path(order)).status_code == 404


def test_confirmation_email_of_a_guest_carries_a_signed_link_that_opens_the_order(client, listing):
    client.post(reverse("orders:cart_add"), {"listing": listing.pk, "quantity": 1})
    client.post(reverse("orders:checkout"), GUEST)
    client.post(reverse("orders:checkout_review"))
    order = Order.objects.get()
    emails.order_confirmation_send(order=order)
    link = link_in(mail.outbox[-1])
    assert "access=" in link
    fresh = Client()
    assert fresh.get(link, follow=True).status_code == 200
    assert fresh.get(order_path(order)).status_code == 200


def test_every_email_to_a_guest_about_their_order_carries_a_signed_link_and_the_seller_never_gets_it():
    from orders import fulfilment

    seller, listing = seller_setup()
    order = paid_order(lines=[(listing, 1)])
    seller_order = to_state(order.seller_orders.get(), "delivered")
    assert emails.seller_order_update_send(seller_order=seller_order, event="delivered") == 1
    ret = fulfilment.return_request_create(order_line=seller_order.lines.get(), reason="changed_mind",
                                           comment="Too big", user=None)
    emails.return_update_send(ret=ret, event="requested")
    emails.return_update_send(ret=ret, event="accepted")
    shopper_mails = [m for m in mail.outbox if m.to == [order.email]]
    seller_mails = [m for m in mail.outbox if m.to != [order.email]]
    assert len(shopper_mails) == 2 and seller_mails
    for message in shopper_mails:
        token = parse_qs(urlparse(link_in(message)).query)["access"][0]
        assert guest_access.order_token_number(token=token) == order.number
    for message in seller_mails:
        assert "access=" not in message.body


def test_an_account_holders_email_links_to_the_order_without_a_token():
    user = UserFactory()
    order = services.order_place(cart=make_cart(user=user, lines=[(ListingFactory(), 1)]),
                                 email=user.email, address=ADDRESS, user=user)
    assert guest_access.order_link(order=order) == settings.SITE_URL + order_path(order)


# --- The lookup page ------------------------------------------------------------------------------
def lookup(client, number, email):
    return client.post(reverse("orders:order_lookup"), {"number": number, "email": email}, follow=True)


def test_lookup_sends_a_fresh_link_to_the_orders_own_address_that_opens_it():
    order = guest_order("camille@example.test")
    response = lookup(Client(), order.number.lower(), "Camille@Example.test")
    assert response.status_code == 200 and "a link to it is on its way" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["camille@example.test"]
    fresh = Client()
    assert fresh.get(link_in(mail.outbox[0]), follow=True).status_code == 200
    assert fresh.get(order_path(order)).status_code == 200


@pytest.mark.parametrize("case", ["unknown number", "wrong e-mail"])
def test_lookup_answers_the_same_whether_or_not_the_order_exists(case):
    order = guest_order("camille@example.test")
    real = lookup(Client(), order.number, "camille@example.test").content.decode()
    mail.outbox.clear()
    number, email = ((("RXXXXXXXXX", "camille@example.test")) if case == "unknown number"
                     else (order.number, "someone@example.test"))
    other = lookup(Client(), number, email)
    assert other.status_code == 200 and not mail.outbox

    def normalise(text: str) -> str:
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
        text = re.sub(r'"X-CSRFToken": "[^"]+"', "", text)
        text = re.sub(r'nonce="[^"]+"', "", text)
        return text.replace(number, "N").replace(order.number, "N").replace(email, "E").replace(
            "camille@example.test", "E")

    assert normalise(other.content.decode()) == normalise(real)


def test_lookup_is_rate_limited_per_address_without_saying_so():
    order = guest_order("camille@example.test")
    for _ in range(5):
        response = lookup(Client(REMOTE_ADDR=f"10.0.0.{_ + 1}"), order.number, "camille@example.test")
        assert response.status_code == 200
    assert len(mail.outbox) == 3  # guest_access.LOOKUP_RATE_PER_ADDRESS


def test_lookup_is_rate_limited_per_ip_with_429():
    browser = Client()
    statuses = [lookup(browser, f"R{i:09d}", "a@example.test").status_code for i in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_lookup_with_an_invalid_email_shows_the_form_again_and_sends_nothing():
    response = Client().post(reverse("orders:order_lookup"), {"number": "", "email": "not-an-email"})
    assert response.status_code == 200 and not mail.outbox
    assert "Enter a valid email address." in response.content.decode()


# --- Guest orders join the account that verifies their address -----------------------------------
def sign_up_and_confirm(client, email):
    client.post(reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD})
    confirm_path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    return confirm_path


def test_verifying_an_email_address_makes_the_guest_orders_placed_with_it_the_accounts(client):
    mine, mine_too = guest_order("camille@example.test"), guest_order("CAMILLE@example.test")
    someone_elses = guest_order("alex@example.test")
    confirm_path = sign_up_and_confirm(client, "camille@example.test")
    user = EmailAddress.objects.get(email="camille@example.test").user
    assert not Order.objects.filter(user=user).exists()  # signed up, not verified yet: nothing
    client.post(confirm_path)
    assert set(Order.objects.filter(user=user)) == {mine, mine_too}
    assert Order.objects.get(pk=someone_elses.pk).user is None
    page = client.get(reverse("orders:order_list")).content.decode()
    assert mine.number in page and mine_too.number in page and someone_elses.number not in page
    assert mine.history.first().user_id == user.pk  # recorded in the audit trail


def test_an_unverified_address_claims_nothing_even_at_login(client):
    order = guest_order("camille@example.test")
    sign_up_and_confirm(client, "camille@example.test")
    client.post(reverse("account_login"), {"login": "camille@example.test", "password": PASSWORD})
    assert Order.objects.get(pk=order.pk).user is None


def test_an_address_already_verified_at_sign_up_claims_its_orders_at_once():
    from allauth.account.signals import user_signed_up

    order = guest_order("camille@example.test")
    user = UserFactory(email="camille@example.test")
    EmailAddress.objects.update_or_create(user=user, email="camille@example.test",
                                          defaults={"verified": True, "primary": True})
    user_signed_up.send(sender=user.__class__, request=None, user=user)
    assert Order.objects.get(pk=order.pk).user == user


def test_once_an_order_is_in_an_account_its_guest_link_and_cookie_ask_for_the_login():
    order = guest_order("camille@example.test")
    link = guest_access.order_link(order=order).removeprefix(settings.SITE_URL)
    guest_browser = Client()
    guest_browser.get(link)
    assert guest_browser.get(order_path(order)).status_code == 200
    user = UserFactory(email="camille@example.test")
    assert guest_access.guest_orders_claim(user=user, email="camille@example.test") == 1
    assert guest_browser.get(order_path(order)).status_code == 404
    response = Client().get(link)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    owner = Client()
    owner.force_login(user)
    assert owner.get(link, follow=True).status_code == 200
