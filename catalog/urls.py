from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("p/<slug:slug>/", views.model_detail, name="model"),
]
