"""The benchmark's WSGI entry point for gunicorn: the site, and beside it two trivial Django views,
the throughput baselines of benchmarks/throughput.py.

`/__bench__/trivial-django/` goes to a Django handler with Django's stock middleware and none of
ours (issue 20's baseline, "no middleware of ours"): the list `django-admin startproject` writes,
in its order. `/__bench__/trivial/` goes to a handler with no middleware at all (the floor): URL
resolution, the request and response objects and gunicorn. Every other path is the site exactly
as `marketplace.wsgi` serves it, with `benchmarks.settings`.
"""
import os

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

TRIVIAL_URL = "/__bench__/trivial/"
STOCK_TRIVIAL_URL = "/__bench__/trivial-django/"
STOCK_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


class NoMiddlewareHandler(WSGIHandler):
    """Django's WSGI handler without any middleware (not even Django's own)."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)


class StockMiddlewareHandler(WSGIHandler):
    """Django's WSGI handler with Django's stock middleware: the site's settings otherwise (they
    must name allauth's middleware for the apps to load, so the list is swapped while it loads)."""

    def load_middleware(self, is_async=False):
        ours = settings.MIDDLEWARE
        settings.MIDDLEWARE = STOCK_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = ours


site = get_wsgi_application()
handlers = {TRIVIAL_URL: NoMiddlewareHandler(), STOCK_TRIVIAL_URL: StockMiddlewareHandler()}


def application(environ, start_response):
    return handlers.get(environ.get("PATH_INFO"), site)(environ, start_response)
