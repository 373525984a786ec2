"""The site's URLs plus the baseline: a bare view rendering the layout with no queries of its own."""
from django.shortcuts import render
from django.urls import include, path


def bare(request):
    """The baseline: base.html and the middleware stack, nothing else."""
    return render(request, "base.html", {})


urlpatterns = [
    path("__bench__/bare/", bare, name="bench-bare"),
    path("", include("marketplace.urls")),
]
