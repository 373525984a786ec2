"""The site's URLs plus the baselines: a trivial view, and a bare view rendering the layout with no
queries of its own."""
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path


def trivial(request):
    """The baselines: no template, no query (served with Django's middleware only, or with none at
    all, by benchmarks.wsgi)."""
    return HttpResponse("ok", content_type="text/plain")


def bare(request):
    """The baseline: base.html and the middleware stack, nothing else."""
    return render(request, "base.html", {})


urlpatterns = [
    path("__bench__/trivial/", trivial, name="bench-trivial"),
    path("__bench__/trivial-django/", trivial, name="bench-trivial-django"),
    path("__bench__/bare/", bare, name="bench-bare"),
    path("", include("marketplace.urls")),
]
