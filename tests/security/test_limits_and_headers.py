"""Rate limits on every door an attacker knocks on, the security headers of every page, and no
secret in the repository."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


# --- Rate limits --------------------------------------------------------------------------------
def _statuses(client, url, data, times):
    return [client.post(url, data).status_code for _ in range(times)]


def test_repeated_failed_logins_for_one_account_are_refused(client):
    user = UserFactory()
    url, data = reverse("account_login"), {"login": user.email, "password": "wrong"}
    pages = [client.post(url, data).content.decode() for _ in range(6)]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]


def test_the_right_password_is_refused_too_once_the_account_is_rate_limited(client, password):
    user = UserFactory()
    _statuses(client, reverse("account_login"), {"login": user.email, "password": "wrong"}, 6)
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_bursts_from_one_address_are_refused_with_429(client):
    statuses = [client.post(reverse("account_login"), {"login": f"u{n}@example.test", "password": "x"})
                .status_code for n in range(32)]
    assert statuses[0] == 200 and statuses[-1] == 429


def test_sign_up_bursts_from_one_address_are_refused_with_429(client):
    statuses = _statuses(client, reverse("account_signup"), {"email": "not-an-email"}, 22)
    assert statuses[0] == 200 and statuses[-1] == 429


def test_password_reset_requests_for_one_address_are_limited(client):
    user = UserFactory()
    statuses = _statuses(client, reverse("account_reset_password"), {"email": user.email}, 7)
    assert statuses[0] == 302 and statuses[-1] == 429


def test_the_admin_login_is_limited_per_client(client):
    staff = UserFactory(is_staff=True)
    statuses = _statuses(client, "/admin/login/", {"username": staff.email, "password": "wrong"}, 12)
    assert statuses[0] == 200 and statuses[-1] == 429
    response = client.post("/admin/login/", {"username": staff.email, "password": "wrong"})
    assert int(response["Retry-After"]) > 0


def test_checkout_attempts_are_limited_per_client(client):
    statuses = _statuses(client, reverse("orders:checkout_review"), {}, 12)
    assert statuses[0] != 429 and statuses[-1] == 429


def test_the_seller_api_is_limited_per_key(client, settings):
    from tests.factories import SellerFactory
    from tests.sellers.factories_stock import api_key_for

    settings.SELLER_API_RATE_LIMIT = 3
    seller = SellerFactory()
    first, second = api_key_for(seller, "A"), api_key_for(seller, "B")
    codes = [client.get("/api/v1/listings", HTTP_AUTHORIZATION=f"Bearer {first}").status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/v1/listings", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200


# --- Headers ---------------------------------------------------------------------------------
def _csp(response) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in
            response["Content-Security-Policy"].split(";") if part.strip()}


def test_pages_send_a_strict_content_security_policy_and_the_other_security_headers(client):
    response = client.get(reverse("catalog:home"))
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert "'unsafe-inline'" not in csp["style-src"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert '"includeIndicatorStyles": false' in response.content.decode()


def test_pages_have_no_inline_script_without_a_nonce(client):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0, allow_demo_users=True)
    for url in ["/", "/search/?q=iphone", "/accounts/login/", "/accounts/signup/", "/cart/",
                "/seller/apply/"]:
        html = client.get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or "application/ld+json" in tag or "nonce=" in tag, (url, tag)
        assert not re.search(r"\son[a-z]+=\"", html), url


def _settings_in(environ: dict) -> dict:
    code = ("import django, json; django.setup(); from django.conf import settings as s; "
            "print(json.dumps({'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES'], "
            "'hsts': getattr(s, 'SECURE_HSTS_SECONDS', 0), "
            "'secure_cookies': [getattr(s, 'SESSION_COOKIE_SECURE', False), "
            "getattr(s, 'CSRF_COOKIE_SECURE', False)], "
            "'proxy': getattr(s, 'SECURE_PROXY_SSL_HEADER', None)}, default=str))")
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ENV", "STRIPE_SECRET_KEY")}
    env.update(DJANGO_SETTINGS_MODULE="marketplace.settings", **environ)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_stripe_is_allowed_by_the_policy_only_when_it_is_the_payment_provider():
    with_stripe = _settings_in({"STRIPE_SECRET_KEY": "sk_test_placeholder"})["csp"]
    for directive in ("script-src", "frame-src", "connect-src", "form-action"):
        assert "https://js.stripe.com" in with_stripe[directive] or \
            "https://checkout.stripe.com" in with_stripe[directive], directive
    without = _settings_in({})["csp"]
    assert not any("stripe" in value for values in without.values() for value in values)


def test_production_turns_on_hsts_secure_cookies_and_trusts_the_proxy_header():
    found = _settings_in({"DJANGO_ENV": "production", "SECRET_KEY": "p" * 60,
                          "ALLOWED_HOSTS": "shop.example.com"})
    assert found["hsts"] >= 31536000
    assert found["secure_cookies"] == [True, True]
    assert found["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    no_proxy = _settings_in({"DJANGO_ENV": "production", "SECRET_KEY": "p" * 60,
                             "ALLOWED_HOSTS": "shop.example.com", "SECURE_PROXY_SSL_HEADER": "off"})
    assert no_proxy["proxy"] is None


# --- Secrets ---------------------------------------------------------------------------------
SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "Stripe live key": re.compile(r"\b(?:sk|rk|pk)_live_[0-9A-Za-z]{8,}"),
    "Stripe test secret": re.compile(r"\bsk_test_[0-9A-Za-z]{20,}"),
    "webhook secret": re.compile(r"\bwhsec_[0-9A-Za-z]{20,}"),
    "AWS key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[0-9A-Za-z]{30,}"),
    "Slack token": re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}"),
    "password in a URL": re.compile(r"\b[a-z+]+://[^/\s:@'\"]+:(?!pass@|password@)[^@\s/'\"{}$]{6,}@"),
    "hard-coded SECRET_KEY": re.compile(r"SECRET_KEY\s*=\s*['\"](?!dev-only-insecure-key)[^'\"]{16,}"),
}
# Documented demo credentials and test-only values that look like secrets on purpose.
ALLOWED = {"refurb-demo-2026", "correct-horse-battery-staple"}
BINARY = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".ico", ".woff", ".woff2", ".gz", ".zip")


def test_no_secret_or_private_key_is_committed():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    assert len(files) > 50
    found = []
    for name in files:
        if name.endswith(BINARY) or name == "tests/security/test_limits_and_headers.py":
            continue
        path = ROOT / name
        if not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        for label, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                if not any(allowed in match.group(0) for allowed in ALLOWED):
                    found.append(f"{name}: {label}: {match.group(0)[:40]}")
    assert not found, found


def test_the_secret_scanner_does_find_a_planted_key():
    planted = "-----BEGIN " + "PRIVATE KEY-----\nMIIE..." + "\nsk_" + "live_" + "abcdefgh12345678"
    hits = [label for label, pattern in SECRET_PATTERNS.items() if pattern.search(planted)]
    assert hits == ["private key", "Stripe live key"]


def test_api_keys_are_stored_only_as_hashes():
    from sellers.models import ApiKey
    from tests.factories import SellerFactory
    from tests.sellers.factories_stock import api_key_for

    raw = api_key_for(SellerFactory())
    stored = ApiKey.objects.get()
    assert raw not in {stored.hashed_key, stored.prefix, stored.name}
    assert len(stored.hashed_key) == 64
