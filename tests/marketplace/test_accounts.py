"""Accounts through the real views: sign up, verify, log in and out, password reset, account area."""
import re

import pytest
from django.core import mail
from django.urls import reverse

from orders.models import Address
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_sign_up_verify_email_log_in_and_log_out(client):
    response = client.post(reverse("account_signup"), {
        "email": "new.shopper@example.test", "password1": PASSWORD, "password2": PASSWORD,
    })
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1 and "new.shopper@example.test" in mail.outbox[0].to

    # Unverified: logging in only sends another confirmation.
    client.post(reverse("account_logout"))
    response = client.post(reverse("account_login"),
                           {"login": "new.shopper@example.test", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("orders:account")).status_code == 302

    confirm_url = link_in(mail.outbox[0])
    assert client.get(confirm_url).status_code == 200  # a page with a confirm button
    response = client.post(confirm_url)
    assert response.status_code == 302

    client.post(reverse("account_logout"))
    response = client.post(reverse("account_login"),
                           {"login": "new.shopper@example.test", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("orders:account"))
    assert page.status_code == 200 and b"new.shopper@example.test" in page.content

    client.post(reverse("account_logout"))
    assert client.get(reverse("orders:account")).status_code == 302


def test_sign_up_with_mismatched_passwords_shows_the_error_in_the_site_layout(client):
    response = client.post(reverse("account_signup"), {
        "email": "x@example.test", "password1": PASSWORD, "password2": PASSWORD + "x",
    })
    assert response.status_code == 200
    assert b"You must type the same password each time" in response.content
    assert b'class="site-header"' in response.content


def test_password_reset_sends_an_email_with_a_working_link(client):
    user = UserFactory(email="forgetful@example.test")
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    reset_url = link_in(mail.outbox[0])
    response = client.get(reset_url, follow=True)
    assert response.status_code == 200
    new_password = "an-entirely-new-passphrase-42"
    response = client.post(response.redirect_chain[-1][0] if response.redirect_chain else reset_url,
                           {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_repeated_failed_logins_are_rate_limited_even_with_the_right_password(client):
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert b"Too many failed login attempts" in response.content
    assert client.get(reverse("orders:account")).status_code == 302


def test_shopper_saves_addresses_and_the_first_becomes_default(client_user, user):
    data = {"full_name": "Alex Martin", "line1": "3 rue Oberkampf", "postal_code": "75011",
            "city": "Paris", "country": "fr"}
    response = client_user.post(reverse("orders:address_create"), data)
    assert response.status_code == 302
    address = Address.objects.get(user=user)
    assert address.is_default and address.country == "FR"

    response = client_user.post(reverse("orders:address_create"), {**data, "country": "F1"})
    assert response.status_code == 200
    assert b"two-letter country code" in response.content


def test_another_shoppers_address_is_a_404(client_user):
    other = Address.objects.create(user=UserFactory(), full_name="Other", line1="x",
                                   postal_code="1", city="y", country="FR")
    assert client_user.get(reverse("orders:address_update", args=[other.pk])).status_code == 404
    assert client_user.post(reverse("orders:address_delete", args=[other.pk])).status_code == 404
    assert Address.objects.filter(pk=other.pk).exists()
