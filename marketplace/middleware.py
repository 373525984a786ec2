"""Security headers Django does not set itself."""
from django.conf import settings


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header: browser features no page of ours needs stay off."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response


class RouteRateLimitMiddleware:
    """Cache-based limits on POSTs to the routes named in settings.ROUTE_RATE_LIMITS.

    `{"admin:login": "10/5m", ...}`: at most that many POSTs per client IP in the window; the next
    ones get 429 with Retry-After. It covers views that are not ours to decorate (the admin login)
    and keeps the limits in one place. Uses the shared cache (Redis), so every web process agrees.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.resolver_match is None:
            return None
        name = request.resolver_match.view_name
        rule = getattr(settings, "ROUTE_RATE_LIMITS", {}).get(name)
        if not rule:
            return None
        from .ratelimit import consume, parse_rate, too_many_requests

        limit, window = parse_rate(rule)
        retry_after = consume(f"route:{name}:{client_ip(request)}", limit=limit, window=window)
        return too_many_requests(request, retry_after) if retry_after else None


def client_ip(request) -> str:
    # Behind the TLS proxy REMOTE_ADDR is the proxy; it must set X-Real-IP / rewrite REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR", "") or "unknown"
