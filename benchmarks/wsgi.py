"""The benchmark's WSGI entry point for gunicorn: the site, and beside it one trivial Django view
served with none of the site's middleware (the throughput baseline of benchmarks/run.py).

`/__bench__/trivial/` goes to a Django handler with an empty middleware stack: URL resolution,
the request and response objects and gunicorn, nothing of ours. Every other path is the site
exactly as `marketplace.wsgi` serves it, with `benchmarks.settings`.
"""
import os

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

TRIVIAL_URL = "/__bench__/trivial/"


class NoMiddlewareHandler(WSGIHandler):
    """Django's WSGI handler without any middleware (not even Django's own)."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)


site = get_wsgi_application()
trivial = NoMiddlewareHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") == TRIVIAL_URL:
        return trivial(environ, start_response)
    return site(environ, start_response)
