"""Benchmark settings: the site's own settings, production-like where it matters for timing.

DEBUG is off (no debug bookkeeping per request), connections persist as in production, and the
URLs add one bare view (benchmarks.urls) used as the baseline; the site's own URLs are untouched.
"""
from marketplace.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "benchmarks.urls"
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = "mkt-bench"  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# The same e-mail never leaves the machine during a benchmark.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
