from django.urls import include, path

from . import views

app_name = "sellers"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("apply/", views.apply, name="apply"),
    path("", include("sellers.stock_urls")),
]
