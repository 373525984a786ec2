"""Settings, read from the environment (and an optional .env file).

With nothing set, the marketplace runs on SQLite with tasks run eagerly, e-mails printed to
the console and the built-in test payment provider. DATABASE_URL, CELERY_BROKER_URL or
REDIS_URL and STRIPE_SECRET_KEY switch to PostgreSQL, a real broker and cache, and Stripe.
DJANGO_ENV=production turns on the deployment hardening that `check --deploy` asks for.
"""
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-used-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "modeltranslation",  # before the admin: catalog text in every language (catalog/translation.py)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "django_htmx",
    "simple_history",
    "csp",
    "ninja",  # the API docs' Swagger UI from our own static files, not a CDN
    "marketplace",
    "catalog",
    "sellers",
    "orders",
    "reviews",
    "aftersales",
    "pages",
    "tradein",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id; its latency is measured whole.
    "marketplace.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "marketplace.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "marketplace.middleware.LocaleMiddleware",  # Django's, without its look at the path
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # NUL and other control characters: 404 in a path, 400 in a query string or a form.
    "marketplace.middleware.ControlCharacterMiddleware",
    "marketplace.middleware.RouteRateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "marketplace.middleware.CSPMiddleware",  # django-csp's, its header built once per process
    # Records who made each change in the audit trail (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marketplace.context_processors.site",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
    ),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
USES_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# Connection pooling in each process (psycopg 3's pool, Django 5.2): up to DATABASE_POOL_MAX_SIZE
# connections shared by the process's threads, instead of one persistent connection per thread.
# With pgbouncer in front (transaction mode), leave it off and keep CONN_MAX_AGE=0.
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=0)
if USES_POSTGRES and DATABASE_POOL_MAX_SIZE:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 1,
                                                              "max_size": DATABASE_POOL_MAX_SIZE}
# SQLite (make run) ignores the covering index's INCLUDE columns; PostgreSQL uses them.
SILENCED_SYSTEM_CHECKS = [] if USES_POSTGRES else ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery ------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
if not REDIS_URL and CELERY_BROKER_URL.startswith("redis"):
    REDIS_URL = CELERY_BROKER_URL

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "marketplace.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="mkt"),
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    # No broker: tasks run in the request. A host in the URL keeps kombu from warning about its absence.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ACKS_LATE = True
# A worker killed mid-task puts the message back, so the task runs again (tasks are idempotent).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 30 * 60
# Queues by kind (marketplace.queues): imports, emails, webhooks, default.
CELERY_QUEUE_PREFIX = env.str("CELERY_QUEUE_PREFIX", default="")
CELERY_TASK_ROUTES = ("marketplace.queues.route_task",)
CELERY_TASK_DEFAULT_QUEUE = f"{CELERY_QUEUE_PREFIX}default"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"

# --- Payments -----------------------------------------------------------------------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
PAYMENT_PROVIDER = "stripe" if STRIPE_SECRET_KEY else "test"
# Signs the built-in test provider's events the same way Stripe signs its webhooks.
TEST_PROVIDER_SECRET = env.str("TEST_PROVIDER_SECRET", default="whsec_test_provider_" + SECRET_KEY)

# --- Marketplace rules ----------------------------------------------------------------------
MARKETPLACE_CURRENCY = env.str("MARKETPLACE_CURRENCY", default="EUR")
MARKETPLACE_COUNTRY = env.str("MARKETPLACE_COUNTRY", default="FR")
ORDER_PAYMENT_TIMEOUT_MINUTES = env.int("ORDER_PAYMENT_TIMEOUT_MINUTES", default=30)
SELLER_ACCEPT_HOURS = env.int("SELLER_ACCEPT_HOURS", default=48)
AUTO_DELIVER_DAYS = env.int("AUTO_DELIVER_DAYS", default=7)
RETURN_WINDOW_DAYS = env.int("RETURN_WINDOW_DAYS", default=30)
# A seller whose quality score (0–100) falls below this is flagged for staff review in the admin.
SELLER_QUALITY_REVIEW_THRESHOLD = env.int("SELLER_QUALITY_REVIEW_THRESHOLD", default=60)
# A refund the provider did not take is sent again with back-off (1, 2, 4 … minutes, at most this
# far apart) for this long, then left to staff in the admin.
REFUND_RETRY_HOURS = env.int("REFUND_RETRY_HOURS", default=72)
# After a seller rotates a webhook endpoint's secret, the previous one also signs for this long.
WEBHOOK_SECRET_GRACE_HOURS = env.int("WEBHOOK_SECRET_GRACE_HOURS", default=24)
REFUND_RETRY_MAX_DELAY_MINUTES = env.int("REFUND_RETRY_MAX_DELAY_MINUTES", default=360)
# A stock import with no progress for this long is taken over by the timed job (a worker died).
STOCK_IMPORT_STALL_MINUTES = env.int("STOCK_IMPORT_STALL_MINUTES", default=3)
DEFAULT_COMMISSION_RATE = env.str("DEFAULT_COMMISSION_RATE", default="0.10")
LOW_STOCK_THRESHOLD = env.int("LOW_STOCK_THRESHOLD", default=3)
# A price under this share of the product's median offer in its grade, or under this share of its
# price new, looks mistaken: it is held until the seller confirms it (sellers.price_guard).
PRICE_GUARD_MEDIAN_SHARE = env.str("PRICE_GUARD_MEDIAN_SHARE", default="0.40")
PRICE_GUARD_NEW_SHARE = env.str("PRICE_GUARD_NEW_SHARE", default="0.25")
# Repricing waits this long after a competing offer changes before it acts (a burst is one run).
REPRICING_DEBOUNCE_SECONDS = env.int("REPRICING_DEBOUNCE_SECONDS", default=10)
# Trade-in: the platform's commission on a device a seller buys from a shopper, as a share of its
# price; the seller's payout balance is debited by the price plus this.
TRADE_IN_COMMISSION_RATE = env.str("TRADE_IN_COMMISSION_RATE", default="0.05")
# Database connections one CSV stock import applies its batches with, side by side (PostgreSQL).
STOCK_IMPORT_THREADS = env.int("STOCK_IMPORT_THREADS", default=2)
# The stock export (sellers.listing_exports): at most this many rows stream in the answer; more are
# built into a file by a worker, kept this many hours, and a request of the same filter within this
# many seconds of one finishing gets that file again.
LISTING_EXPORT_STREAM_MAX_ROWS = env.int("LISTING_EXPORT_STREAM_MAX_ROWS", default=2000)
LISTING_EXPORT_KEEP_HOURS = env.int("LISTING_EXPORT_KEEP_HOURS", default=24)
LISTING_EXPORT_REUSE_SECONDS = env.int("LISTING_EXPORT_REUSE_SECONDS", default=60)
# What the nightly purge forgets (sellers.retention), in days: seller events (with their webhook
# deliveries), webhook attempts, stock exports after they expired, stock-import files once finished.
RETENTION_EVENTS_DAYS = env.int("RETENTION_EVENTS_DAYS", default=90)
RETENTION_WEBHOOK_ATTEMPTS_DAYS = env.int("RETENTION_WEBHOOK_ATTEMPTS_DAYS", default=30)
RETENTION_EXPORTS_DAYS = env.int("RETENTION_EXPORTS_DAYS", default=7)
RETENTION_STOCK_FILES_DAYS = env.int("RETENTION_STOCK_FILES_DAYS", default=90)
# Demo accounts with published passwords are only ever created when this is true.
ALLOW_DEMO_USERS = env.bool("ALLOW_DEMO_USERS", default=DEBUG)

# --- Accounts (django-allauth) --------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
# POSTs per client IP to views that allauth does not guard (marketplace.middleware).
ROUTE_RATE_LIMITS = {
    "admin:login": env.str("ADMIN_LOGIN_RATE_LIMIT", default="10/5m"),
    "orders:checkout_review": env.str("CHECKOUT_RATE_LIMIT", default="10/m"),
    "orders:order_pay": env.str("CHECKOUT_RATE_LIMIT", default="10/m"),
    "orders:order_lookup": env.str("ORDER_LOOKUP_RATE_LIMIT", default="10/h"),
    # Each trade-in quote asked for is a stored row (tradein.services.trade_in_quote_give).
    "tradein:sell_model": env.str("TRADE_IN_QUOTE_RATE_LIMIT", default="30/m"),
}
# The seller API, per key: this many requests per window of this many seconds (sellers.api_auth).
SELLER_API_RATE_LIMIT = env.int("SELLER_API_RATE_LIMIT", default=600)
SELLER_API_RATE_WINDOW = env.int("SELLER_API_RATE_WINDOW", default=60)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Refurb] "
# Account e-mails (confirmation, password reset) are rendered in the request and sent by a worker
# on the `emails` queue, so the page never waits for the mail server.
ACCOUNT_ADAPTER = "marketplace.accounts.QueuedMailAccountAdapter"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if not env.str("EMAIL_URL", default=""):
    # Nothing configured (make run): one console line per e-mail, not the whole message.
    EMAIL_BACKEND = "marketplace.mail_backends.OneLineConsoleBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Refurb Marketplace <no-reply@refurb.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Only complete catalogs are offered (tests/marketplace/test_i18n.py fails on a gap); German went
# away until someone translates all of it.
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Catalog text staff translate in the admin (category names, descriptions, the catalog's words):
# one column per language; an empty translation shows the English text.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# Category(name="Laptops") also fills name_en, whatever language is active.
MODELTRANSLATION_AUTO_POPULATE = "default"
# English dates written the European way ("1 Dec 2026"): marketplace/formats/en/formats.py.
FORMAT_MODULE_PATH = ["marketplace.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Sellers' uploaded stock files: a separate root, never served (only through an owner's view).
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")
STORAGES = {
    "default": {"BACKEND": "marketplace.storage.PublicFileSystemStorage"},  # content-hashed names
    "private": {"BACKEND": "marketplace.storage.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Object storage (S3, MinIO …), on when a bucket is named: product images in that bucket (public
# URLs, a year's Cache-Control), private files in their own bucket (or under `private/` in the
# same one) behind signed URLs that expire after PRIVATE_FILE_URL_SECONDS. Unset: the filesystem.
PRIVATE_FILE_URL_SECONDS = env.int("PRIVATE_FILE_URL_SECONDS", default=300)
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
_file_origins: list[str] = []  # where pages' images come from besides our own origin (CSP)
if AWS_STORAGE_BUCKET_NAME:
    _s3 = {
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
        "public_endpoint_url": env.str("AWS_S3_PUBLIC_ENDPOINT_URL", default="") or None,
        "region_name": env.str("AWS_S3_REGION_NAME", default="us-east-1"),
        "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
        "signature_version": "s3v4",
        "addressing_style": "path" if env.str("AWS_S3_ENDPOINT_URL", default="") else None,
        "file_overwrite": False,
    }
    _private_bucket = env.str("AWS_PRIVATE_STORAGE_BUCKET_NAME", default="")
    STORAGES["default"] = {"BACKEND": "marketplace.storage_s3.PublicS3Storage", "OPTIONS": {
        **_s3, "bucket_name": AWS_STORAGE_BUCKET_NAME, "querystring_auth": False,
        "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }}
    STORAGES["private"] = {"BACKEND": "marketplace.storage_s3.PrivateS3Storage", "OPTIONS": {
        **_s3, "bucket_name": _private_bucket or AWS_STORAGE_BUCKET_NAME,
        "location": "" if _private_bucket else "private", "default_acl": "private",
        "querystring_auth": True, "querystring_expire": PRIVATE_FILE_URL_SECONDS,
        "object_parameters": {"CacheControl": "private, no-store"},
    }}
    if STORAGES["default"]["OPTIONS"]["custom_domain"]:
        _file_origins.append("https://" + STORAGES["default"]["OPTIONS"]["custom_domain"].split("/")[0])
    if _s3["public_endpoint_url"] or _s3["endpoint_url"]:
        _browsers_endpoint = urlsplit(_s3["public_endpoint_url"] or _s3["endpoint_url"])
        _file_origins.append(f"{_browsers_endpoint.scheme}://{_browsers_endpoint.netloc}")
    else:  # AWS itself: each bucket's own host
        _file_origins += [f"https://{bucket}.s3{host}.amazonaws.com" for bucket in
                          sorted({AWS_STORAGE_BUCKET_NAME, _private_bucket or AWS_STORAGE_BUCKET_NAME})
                          for host in ("", "." + _s3["region_name"])]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Features no page uses are switched off for every frame (see marketplace.middleware).
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
                      "microphone=(), payment=(), usb=(), interest-cohort=()")

# Content Security Policy (django-csp 4): our own files, and scripts carrying the per-request
# nonce (`{{ request.csp_nonce }}`). Style attributes stay allowed (`style-src-attr`): progress
# bars and the admin set widths inline, and an attribute cannot run code; <style> elements and
# stylesheets must come from us. htmx's own indicator <style> is switched off in base.html.
STRIPE_ORIGINS = ["https://js.stripe.com", "https://checkout.stripe.com"]
_stripe = STRIPE_ORIGINS if PAYMENT_PROVIDER == "stripe" else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE, *_stripe],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", *_file_origins],
        "font-src": [SELF],
        "connect-src": [SELF, *(["https://api.stripe.com", *_stripe] if _stripe else [])],
        "frame-src": [*_stripe] or [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *_stripe],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
if PRODUCTION:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (see README).
    if env.bool("SECURE_PROXY_SSL_HEADER", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Logs: one JSON object per line in production (LOG_FORMAT=json; plain text in development), each
# with the request's or task's id (marketplace.observability).
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "marketplace.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                # Tasks run in the request when there is no broker: no "Task … succeeded" line each.
                "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"}},
}


# --- Observability (marketplace.observability) -----------------------------------------------------
# Error reporting: on when SENTRY_DSN is set (no personal data is sent).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
# /metrics (Prometheus): for staff, or a scraper sending `Authorization: Bearer <METRICS_TOKEN>`.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Under several gunicorn processes, prometheus_client's shared directory (its own variable name).
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
if SENTRY_DSN:
    from marketplace.observability import sentry_init

    sentry_init(SENTRY_DSN, environment=DJANGO_ENV, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)
