"""The site's URLs plus two baselines: a trivial view, and a bare view rendering the layout with no
queries of its own."""
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path


def trivial(request):
    """The floor: no template, no query (served without our middleware by benchmarks.wsgi)."""
    return HttpResponse("ok", content_type="text/plain")


def bare(request):
    """The baseline: base.html and the middleware stack, nothing else."""
    return render(request, "base.html", {})


urlpatterns = [
    path("__bench__/trivial/", trivial, name="bench-trivial"),
    path("__bench__/bare/", bare, name="bench-bare"),
    path("", include("marketplace.urls")),
]
