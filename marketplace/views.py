"""Site-wide views: the health check, and the not-found page (JSON under the seller API)."""
from django.conf import settings
from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health


@never_cache
@require_GET
def healthz(request):
    """200 when every configured part answers; 503 naming the part that does not."""
    checks = {"database": health.check_database()}
    if settings.REDIS_URL:
        checks["redis"] = health.check_redis()
    body = {name: ("ok" if error is None else error) for name, error in checks.items()}
    healthy = all(error is None for error in checks.values())
    body["status"] = "ok" if healthy else "down"
    return JsonResponse(body, status=200 if healthy else 503)


def not_found(request, exception=None):
    """An API client gets the API's JSON error shape even for a URL no endpoint matches."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not Found", "errors": {}}, status=404)
    return defaults.page_not_found(request, exception)
