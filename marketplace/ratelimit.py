"""A small fixed-window rate limiter on the shared cache (Redis in production)."""
import re
import time

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import gettext as _

UNITS = {"s": 1, "m": 60, "h": 3600}


def parse_rate(rule: str) -> tuple[int, int]:
    """'10/5m' -> (10, 300); '30/m' -> (30, 60)."""
    match = re.fullmatch(r"(\d+)/(\d*)([smh])", rule.strip())
    if not match:
        raise ValueError(f"bad rate {rule!r}")
    count, amount, unit = match.groups()
    return int(count), int(amount or 1) * UNITS[unit]


def consume(key: str, *, limit: int, window: int) -> int:
    """Counts one hit; returns 0 when allowed, else the seconds to wait."""
    now = int(time.time())
    bucket = now // window
    cache_key = f"rl:{key}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 5)
        hits = 1
    return 0 if hits <= limit else (bucket + 1) * window - now or 1


def too_many_requests(request, retry_after: int) -> HttpResponse:
    response = HttpResponse(
        _("Too many attempts. Please wait %(seconds)s seconds and try again.") % {"seconds": retry_after},
        status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response
