"""Security headers Django does not set itself (and the CSP header built once), route rate limits,
control characters refused, and Django's locale middleware without its look at the path."""
from importlib import import_module
from urllib.parse import unquote_plus

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.exceptions import BadRequest
from django.http import Http404
from django.middleware.locale import LocaleMiddleware as BaseLocaleMiddleware
from django.test.signals import setting_changed
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .controls import has_control_characters, has_control_characters_in_text


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


class LocaleMiddleware(BaseLocaleMiddleware):
    """Django's, without looking for a language in the path when no URL is under `i18n_patterns`
    (none of ours is: the language is the reader's cookie or browser's). Django looks anyway, on
    the way in and out: for `/p/<slug>/` it asked twice per request whether "p" is a language, a
    lookup that fails and so is never cached. What it decides is the same."""

    def process_request(self, request):
        if is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]:
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        if is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]:
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
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


API_PREFIX = "/api/"
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class ControlCharacterMiddleware:
    """Refuses control characters (NUL first: PostgreSQL cannot store it) at the edge, once.

    A path holding one names nothing: 404. A query string or a form holding one is a bad request:
    400 (both keep tabs and line breaks: text pasted into a search box or a textarea). A cookie
    holding one is ignored. The seller API checks its own query strings and bodies in its schemas,
    which answer 422 naming the field.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_control_characters(request.path):
            raise Http404
        if any(has_control_characters(value) for value in request.COOKIES.values()):
            # No cookie of ours holds one: forget those (a session key with NUL cannot be looked up).
            request.COOKIES = {name: value for name, value in request.COOKIES.items()
                               if not has_control_characters(value)}
            if hasattr(request, "session") and settings.SESSION_COOKIE_NAME not in request.COOKIES:
                request.session = import_module(settings.SESSION_ENGINE).SessionStore()
        if not request.path_info.startswith(API_PREFIX):
            if has_control_characters_in_text(unquote_plus(request.META.get("QUERY_STRING", ""))):
                raise BadRequest("control character in the query string")
            if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES and any(
                    has_control_characters_in_text(text) for key, values in request.POST.lists()
                    for text in (key, *values)):
                raise BadRequest("control character in a form field")
        return self.get_response(request)


# Attributes through which a view sets a policy of its own (django-csp's decorators).
_CSP_VIEW_POLICY = ("_csp_config", "_csp_update", "_csp_replace",
                    "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
_csp_built: dict[str, tuple[str, tuple[str, ...]]] = {}


def _csp_policy(setting: str) -> tuple[str, tuple[str, ...]]:
    """The header built from `setting` (the policy or its report-only twin) and its excluded path
    prefixes: once per process, as the settings hold them."""
    if setting not in _csp_built:
        from csp.utils import build_policy

        config = getattr(settings, setting, None) or {}
        report_only = setting.endswith("_REPORT_ONLY")
        _csp_built[setting] = (build_policy(report_only=report_only),
                               tuple(config.get("EXCLUDE_URL_PREFIXES", None) or ()))
    return _csp_built[setting]


def _csp_forget(**kwargs) -> None:
    _csp_built.clear()


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware with the policy built once per process instead of twice per request.

    A response needing more than the settings' policy (a view's own policy through django-csp's
    decorators, or a request that used its nonce) is handed to django-csp as it is."""

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
                getattr(response, name, None) is not None for name in _CSP_VIEW_POLICY):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (500, 404):
            return response
        for header, setting, exempt in ((HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt"),
                                        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY",
                                         "_csp_exempt_ro")):
            policy, excluded = _csp_policy(setting)
            if (policy and header not in response and getattr(response, exempt, False) is False
                    and not request.path_info.startswith(excluded)):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


setting_changed.connect(_csp_forget, dispatch_uid="csp-policy-built")
