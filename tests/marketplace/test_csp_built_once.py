"""The CSP header built once per process (marketplace.middleware.CSPMiddleware) is the header
django-csp builds per request, and a view's own policy or a used nonce still get django-csp's."""
from csp.constants import NONCE
from csp.decorators import csp_update
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from marketplace.middleware import CSPMiddleware


def _plain(request):
    return HttpResponse("ok")


@csp_update({"img-src": ["https://img.example"]})
def _decorated(request):
    return HttpResponse("ok")


def _nonce_user(request):
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


def _header(middleware_class, view):
    request = RequestFactory().get("/somewhere/")
    return middleware_class(view)(request)["Content-Security-Policy"]


def test_the_header_built_once_is_django_csps():
    assert _header(CSPMiddleware, _plain) == _header(DjangoCSPMiddleware, _plain)
    assert _header(CSPMiddleware, _plain) == _header(CSPMiddleware, _plain)


def test_a_views_own_policy_and_a_used_nonce_are_still_honoured():
    assert "https://img.example" in _header(CSPMiddleware, _decorated)
    assert "https://img.example" not in _header(CSPMiddleware, _plain)
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": ["'self'", NONCE]}}):
        request = RequestFactory().get("/")
        response = CSPMiddleware(_nonce_user)(request)
        assert f"'nonce-{request._csp_nonce}'" in response["Content-Security-Policy"]
        assert "'nonce-" not in _header(CSPMiddleware, _plain)


def test_a_changed_setting_is_built_again():
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        assert _header(CSPMiddleware, _plain) == "default-src 'none'"
    assert "default-src 'self'" in _header(CSPMiddleware, _plain)
