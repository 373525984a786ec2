from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import views
from .sitemaps import SITEMAPS

app_name = "catalog"
urlpatterns = [
    path("p/<slug:slug>/", views.model_detail, name="model"),  # first: the page most requested
    path("p/<slug:slug>/offers/", views.model_offers, name="model_offers"),
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("grades/", views.grades, name="grades"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]
