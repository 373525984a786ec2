"""Our LocaleMiddleware decides the language and writes the headers exactly as Django's, without
asking whether the path's first segment is a language (no URL of ours is under i18n_patterns)."""
import pytest
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.test import RequestFactory
from django.utils import translation

from marketplace.middleware import LocaleMiddleware

REQUESTS = [
    ("/p/pixel-8/", {}, {}),
    ("/p/pixel-8/", {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.5"}, {}),
    ("/fr/p/pixel-8/", {"HTTP_ACCEPT_LANGUAGE": "es"}, {}),  # a path naming a language decides nothing
    ("/es/", {}, {"django_language": "fr"}),
    ("/search/", {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}, {"django_language": "xx"}),
    ("/", {"HTTP_ACCEPT_LANGUAGE": "es-MX"}, {}),
    ("/missing/", {"HTTP_ACCEPT_LANGUAGE": "fr"}, {}),
]


def _answer(middleware_class, path, meta, cookies, status=200):
    factory = RequestFactory()
    request = factory.get(path, **meta)
    request.COOKIES.update(cookies)
    seen = {}

    def view(request):
        seen["active"] = translation.get_language()
        return HttpResponse("ok", status=status)

    with translation.override(None):
        response = middleware_class(view)(request)
    return seen["active"], request.LANGUAGE_CODE, response.headers.get("Vary"), response.headers.get(
        "Content-Language"), response.status_code


@pytest.mark.parametrize(("path", "meta", "cookies"), REQUESTS)
@pytest.mark.parametrize("status", [200, 404])
def test_the_language_and_headers_are_djangos(path, meta, cookies, status):
    ours = _answer(LocaleMiddleware, path, meta, cookies, status)
    assert ours == _answer(DjangoLocaleMiddleware, path, meta, cookies, status)
    assert ours[2] == "Accept-Language"


def test_a_french_reader_gets_french_from_their_browser_and_from_their_cookie():
    assert _answer(LocaleMiddleware, "/p/pixel-8/", {"HTTP_ACCEPT_LANGUAGE": "fr"}, {})[:2] == ("fr", "fr")
    assert _answer(LocaleMiddleware, "/p/pixel-8/", {}, {"django_language": "es"})[:2] == ("es", "es")


def test_urls_under_i18n_patterns_get_djangos_own_handling(settings):
    settings.ROOT_URLCONF = "tests.marketplace.i18n_urls"
    active, code, vary, language, status = _answer(LocaleMiddleware, "/fr/hello/", {}, {})
    assert (active, code) == ("fr", "fr")  # the path decides, as Django's does
    assert (active, code, vary, language, status) == _answer(DjangoLocaleMiddleware, "/fr/hello/", {}, {})
