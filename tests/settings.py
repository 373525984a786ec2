"""Test settings: the real PostgreSQL and Redis of this machine unless told otherwise."""
import os

for name, default in {
    "DATABASE_URL": "postgres://root@127.0.0.1:5432/marketplace",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "CACHE_KEY_PREFIX": "mkt-test",
}.items():
    os.environ[name] = os.environ.get(name) or default

from marketplace.settings import *  # noqa: E402,F403

# Tasks run in-process unless a test starts a real worker (tests/marketplace/test_celery.py).
CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "test-private"  # noqa: F405
