"""Reachability of the parts the site cannot work without."""
import redis
from django.conf import settings
from django.db import connections


def check_database() -> str | None:
    """None when the database answers, else the reason it does not."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def check_redis() -> str | None:
    """None when Redis answers (or is not configured), else the reason it does not."""
    if not settings.REDIS_URL:
        return None
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".strip()
    return None
