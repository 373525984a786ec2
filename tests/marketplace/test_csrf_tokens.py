"""The CSRF secrets and tokens made in C (marketplace.csrf) are Django's scheme: uniform characters of
its alphabet, tokens Django unmasks to their secret, and forms posted with them pass its middleware."""
import collections
import re

import pytest
from django.middleware import csrf as django_csrf
from django.test import Client

from marketplace import csrf

pytestmark = pytest.mark.django_db


def _django_mask(secret: str, mask: str) -> str:
    """Django's own `_mask_cipher_secret`, for a given mask (as written in django/middleware/csrf.py)."""
    chars = csrf.ALPHABET
    pairs = zip((chars.index(x) for x in secret), (chars.index(x) for x in mask), strict=True)
    return mask + "".join(chars[(x + y) % len(chars)] for x, y in pairs)


def test_django_makes_its_csrf_secrets_and_tokens_with_ours():
    assert django_csrf.get_random_string is csrf.random_string
    assert django_csrf._mask_cipher_secret is csrf.mask_cipher_secret


def test_a_random_string_has_the_length_asked_and_only_letters_and_digits():
    for length in (1, 7, 32, 64, 300):
        text = csrf.random_string(length)
        assert len(text) == length
        assert re.fullmatch(r"[A-Za-z0-9]+", text)


def test_every_character_is_drawn_about_equally_often():
    counts = collections.Counter("".join(csrf.random_string(32) for _ in range(6200)))
    expected = 6200 * 32 / 62  # 3,200 each
    assert set(counts) == set(csrf.ALPHABET)
    # Chi-square with 61 degrees of freedom: above 110 happens about once in 10,000 runs.
    chi_square = sum((n - expected) ** 2 / expected for n in counts.values())
    assert chi_square < 110, chi_square


def test_two_draws_differ():
    assert len({csrf.random_string(32) for _ in range(1000)}) == 1000


def test_another_alphabet_is_drawn_by_djangos_function():
    text = csrf.random_string(40, "ab")
    assert len(text) == 40 and set(text) <= {"a", "b"}


def test_a_token_is_the_one_djangos_scheme_makes_and_unmasks_to_its_secret():
    for _ in range(2000):
        secret, mask = csrf.random_string(32), csrf.random_string(32)
        assert csrf.mask_cipher_secret(secret, mask) == _django_mask(secret, mask)
        token = csrf.mask_cipher_secret(secret)
        assert len(token) == 64
        assert django_csrf._unmask_cipher_token(token) == secret
    # The edges of the alphabet: every sum wraps where it should.
    last = csrf.ALPHABET[-1] * 32
    assert csrf.mask_cipher_secret(last, last) == _django_mask(last, last)
    first = csrf.ALPHABET[0] * 32
    assert csrf.mask_cipher_secret(first, last) == last + last


def test_the_token_of_a_page_lets_its_form_post_and_a_made_up_one_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.get("/")  # a first visit: a new secret in the cookie
    secret = client.cookies["csrftoken"].value
    assert len(secret) == 32 and re.fullmatch(r"[A-Za-z0-9]+", secret)
    token = csrf.mask_cipher_secret(secret)
    answered = client.post("/i18n/setlang/", {"language": "fr", "next": "/", "csrfmiddlewaretoken": token})
    assert answered.status_code == 302
    made_up = csrf.mask_cipher_secret(csrf.random_string(32))
    refused = client.post("/i18n/setlang/", {"language": "fr", "next": "/", "csrfmiddlewaretoken": made_up})
    assert refused.status_code == 403
