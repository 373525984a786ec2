"""The README's table of environment variables is true: each variable it documents changes its
setting when set (observed in a clean subprocess), and every variable the settings read is in it."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"DJANGO_ENV": "production"}
S3 = {"AWS_STORAGE_BUCKET_NAME": "shop-media"}  # object storage on: its other settings apply

# variable -> (a value to set, the setting it must change, the environment it applies in)
SAMPLES: dict[str, tuple[str, str, dict]] = {
    "DJANGO_ENV": ("production", "PRODUCTION", {}),
    "SECRET_KEY": ("another-secret-key-for-this-test", "SECRET_KEY", {}),
    "DEBUG": ("off", "DEBUG", {}),
    "ALLOWED_HOSTS": ("shop.example,www.shop.example", "ALLOWED_HOSTS", {}),
    "CSRF_TRUSTED_ORIGINS": ("https://shop.example", "CSRF_TRUSTED_ORIGINS", {}),
    "DATABASE_URL": ("postgres://u:p@db.example:5432/shop", "DATABASES", {}),
    "CONN_MAX_AGE": ("17", "DATABASES", {}),
    "DATABASE_POOL_MAX_SIZE": ("8", "DATABASES", {"DATABASE_URL": "postgres://u:p@db.example:5432/shop"}),
    "REDIS_URL": ("redis://cache.example:6379/3", "CACHES", {}),
    "CACHE_KEY_PREFIX": ("other-prefix", "CACHES", {"REDIS_URL": "redis://cache.example:6379/3"}),
    "CELERY_BROKER_URL": ("redis://broker.example:6379/0", "CELERY_BROKER_URL", {}),
    "CELERY_QUEUE_PREFIX": ("eu-", "CELERY_QUEUE_PREFIX", {}),
    "LOG_FORMAT": ("json", "LOGGING", {}),
    "SENTRY_DSN": ("https://public@sentry.example.invalid/1", "SENTRY_DSN", {}),
    "SENTRY_TRACES_SAMPLE_RATE": ("0.1", "SENTRY_TRACES_SAMPLE_RATE", {}),
    "METRICS_TOKEN": ("scrape-me", "METRICS_TOKEN", {}),
    "PROMETHEUS_MULTIPROC_DIR": ("/srv/prometheus", "PROMETHEUS_MULTIPROC_DIR", {}),
    "CELERY_RESULT_BACKEND": ("redis://results.example:6379/2", "CELERY_RESULT_BACKEND", {}),
    "CELERY_TASK_ALWAYS_EAGER": ("false", "CELERY_TASK_ALWAYS_EAGER", {}),
    "STRIPE_SECRET_KEY": ("sk_test_settings", "STRIPE_SECRET_KEY", {}),
    "STRIPE_WEBHOOK_SECRET": ("whsec_settings", "STRIPE_WEBHOOK_SECRET", {}),
    "WEBHOOK_SECRET_GRACE_HOURS": ("6", "WEBHOOK_SECRET_GRACE_HOURS", {}),
    "STRIPE_PUBLISHABLE_KEY": ("pk_test_settings", "STRIPE_PUBLISHABLE_KEY", {}),
    "TEST_PROVIDER_SECRET": ("whsec_test_other", "TEST_PROVIDER_SECRET", {}),
    "EMAIL_URL": ("smtp+tls://u:p@smtp.example:587", "EMAIL_HOST", {}),
    "DEFAULT_FROM_EMAIL": ("Shop <shop@example.test>", "DEFAULT_FROM_EMAIL", {}),
    "SECURE_PROXY_SSL_HEADER": ("off", "SECURE_PROXY_SSL_HEADER", PRODUCTION),
    "SECURE_SSL_REDIRECT": ("off", "SECURE_SSL_REDIRECT", PRODUCTION),
    "SECURE_HSTS_SECONDS": ("60", "SECURE_HSTS_SECONDS", PRODUCTION),
    "SITE_URL": ("https://shop.example", "SITE_URL", {}),
    "MEDIA_ROOT": ("/srv/shop/media", "MEDIA_ROOT", {}),
    "PRIVATE_MEDIA_ROOT": ("/srv/shop/private", "PRIVATE_MEDIA_ROOT", {}),
    "PRIVATE_FILE_URL_SECONDS": ("120", "PRIVATE_FILE_URL_SECONDS", {}),
    "AWS_STORAGE_BUCKET_NAME": ("shop-media", "STORAGES", {}),
    "AWS_PRIVATE_STORAGE_BUCKET_NAME": ("shop-private", "STORAGES", S3),
    "AWS_S3_ENDPOINT_URL": ("http://minio.example:9000", "STORAGES", S3),
    "AWS_S3_PUBLIC_ENDPOINT_URL": ("https://files.shop.example", "STORAGES", S3),
    "AWS_S3_REGION_NAME": ("eu-west-3", "STORAGES", S3),
    "AWS_S3_CUSTOM_DOMAIN": ("cdn.shop.example", "STORAGES", S3),
    "AWS_ACCESS_KEY_ID": ("AKIASAMPLEKEY", "STORAGES", S3),
    "AWS_SECRET_ACCESS_KEY": ("sample-secret-key", "STORAGES", S3),
    "ORDER_PAYMENT_TIMEOUT_MINUTES": ("45", "ORDER_PAYMENT_TIMEOUT_MINUTES", {}),
    "SELLER_ACCEPT_HOURS": ("24", "SELLER_ACCEPT_HOURS", {}),
    "AUTO_DELIVER_DAYS": ("9", "AUTO_DELIVER_DAYS", {}),
    "RETURN_WINDOW_DAYS": ("14", "RETURN_WINDOW_DAYS", {}),
    "SELLER_QUALITY_REVIEW_THRESHOLD": ("50", "SELLER_QUALITY_REVIEW_THRESHOLD", {}),
    "MARKETPLACE_CURRENCY": ("USD", "MARKETPLACE_CURRENCY", {}),
    "MARKETPLACE_COUNTRY": ("DE", "MARKETPLACE_COUNTRY", {}),
    "DEFAULT_COMMISSION_RATE": ("0.15", "DEFAULT_COMMISSION_RATE", {}),
    "LOW_STOCK_THRESHOLD": ("7", "LOW_STOCK_THRESHOLD", {}),
    "TRADE_IN_COMMISSION_RATE": ("0.08", "TRADE_IN_COMMISSION_RATE", {}),
    "PRICE_GUARD_MEDIAN_SHARE": ("0.30", "PRICE_GUARD_MEDIAN_SHARE", {}),
    "PRICE_GUARD_NEW_SHARE": ("0.20", "PRICE_GUARD_NEW_SHARE", {}),
    "REPRICING_DEBOUNCE_SECONDS": ("30", "REPRICING_DEBOUNCE_SECONDS", {}),
    "STOCK_IMPORT_THREADS": ("3", "STOCK_IMPORT_THREADS", {}),
    "STOCK_IMPORT_STALL_MINUTES": ("9", "STOCK_IMPORT_STALL_MINUTES", {}),
    "LISTING_EXPORT_STREAM_MAX_ROWS": ("500", "LISTING_EXPORT_STREAM_MAX_ROWS", {}),
    "LISTING_EXPORT_KEEP_HOURS": ("6", "LISTING_EXPORT_KEEP_HOURS", {}),
    "LISTING_EXPORT_REUSE_SECONDS": ("15", "LISTING_EXPORT_REUSE_SECONDS", {}),
    "REFUND_RETRY_HOURS": ("24", "REFUND_RETRY_HOURS", {}),
    "REFUND_RETRY_MAX_DELAY_MINUTES": ("90", "REFUND_RETRY_MAX_DELAY_MINUTES", {}),
    "RETENTION_EVENTS_DAYS": ("120", "RETENTION_EVENTS_DAYS", {}),
    "RETENTION_WEBHOOK_ATTEMPTS_DAYS": ("14", "RETENTION_WEBHOOK_ATTEMPTS_DAYS", {}),
    "RETENTION_EXPORTS_DAYS": ("3", "RETENTION_EXPORTS_DAYS", {}),
    "RETENTION_STOCK_FILES_DAYS": ("45", "RETENTION_STOCK_FILES_DAYS", {}),
    "ALLOW_DEMO_USERS": ("off", "ALLOW_DEMO_USERS", {}),
    "ACCOUNT_EMAIL_VERIFICATION": ("optional", "ACCOUNT_EMAIL_VERIFICATION", {}),
    "ADMIN_LOGIN_RATE_LIMIT": ("3/m", "ROUTE_RATE_LIMITS", {}),
    "CHECKOUT_RATE_LIMIT": ("4/m", "ROUTE_RATE_LIMITS", {}),
    "ORDER_LOOKUP_RATE_LIMIT": ("5/m", "ROUTE_RATE_LIMITS", {}),
    "TRADE_IN_QUOTE_RATE_LIMIT": ("6/m", "ROUTE_RATE_LIMITS", {}),
    "SELLER_API_RATE_LIMIT": ("30", "SELLER_API_RATE_LIMIT", {}),
    "SELLER_API_RATE_WINDOW": ("10", "SELLER_API_RATE_WINDOW", {}),
    "LOG_LEVEL": ("DEBUG", "LOGGING", {}),
}

# Imports marketplace.settings afresh for each environment and prints the settings asked for.
PROBE = r"""
import importlib, json, os, sys
runs = json.loads(sys.stdin.read())
clean = dict(os.environ)
out = []
for env, names in runs:
    os.environ.clear()
    os.environ.update(clean)
    os.environ.update(env)
    sys.modules.pop("marketplace.settings", None)  # a fresh module: reload() keeps old names
    settings = importlib.import_module("marketplace.settings")
    out.append({name: repr(getattr(settings, name, None)) for name in names})
print(json.dumps(out))
"""


def readme_variables() -> set[str]:
    """The variables named in the first column of the README's environment-variable table."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def settings_variables() -> set[str]:
    source = (ROOT / "marketplace" / "settings.py").read_text()
    return set(re.findall(r"""env\.\w+\(\s*["']([A-Z][A-Z0-9_]+)["']""", source))


def probe(runs: list[tuple[dict, list[str]]]) -> list[dict]:
    # A clean environment: nothing of this test run's own settings (DATABASE_URL, REDIS_URL, …).
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", str(ROOT)),
           "SECRET_KEY": "settings-test-base-secret-key"}
    result = subprocess.run([sys.executable, "-c", PROBE], input=json.dumps(runs), cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_the_readme_table_is_found_and_names_the_variables_of_this_issue():
    names = readme_variables()
    assert {"DATABASE_URL", "SITE_URL", "SELLER_API_RATE_LIMIT", "SELLER_API_RATE_WINDOW",
            "PRIVATE_MEDIA_ROOT", "ORDER_LOOKUP_RATE_LIMIT"} <= names


def test_every_variable_the_readme_documents_changes_its_setting_when_set():
    documented = sorted(readme_variables())
    missing = [name for name in documented if name not in SAMPLES]
    assert not missing, f"give these README variables a sample value here: {missing}"
    runs = []
    for name in documented:
        value, setting, context = SAMPLES[name]
        runs += [(context, [setting]), ({**context, name: value}, [setting])]
    results = probe(runs)
    unread = [name for index, name in enumerate(documented)
              if results[2 * index] == results[2 * index + 1]]
    assert not unread, f"documented in the README but not read by marketplace/settings.py: {unread}"


def test_every_variable_the_settings_read_is_documented_in_the_readme():
    undocumented = sorted(settings_variables() - readme_variables())
    assert not undocumented, f"read by marketplace/settings.py, missing from the README table: {undocumented}"


def test_seller_api_rate_limit_and_window_come_from_the_environment():
    value = probe([({"SELLER_API_RATE_LIMIT": "30", "SELLER_API_RATE_WINDOW": "10"},
                    ["SELLER_API_RATE_LIMIT", "SELLER_API_RATE_WINDOW"]),
                   ({}, ["SELLER_API_RATE_LIMIT", "SELLER_API_RATE_WINDOW"])])
    assert value == [{"SELLER_API_RATE_LIMIT": "30", "SELLER_API_RATE_WINDOW": "10"},
                     {"SELLER_API_RATE_LIMIT": "600", "SELLER_API_RATE_WINDOW": "60"}]
