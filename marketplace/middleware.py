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
