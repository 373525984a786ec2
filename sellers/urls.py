from django.urls import include, path

from . import views

app_name = "sellers"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("apply/", views.apply, name="apply"),
    path("status/", views.status, name="status"),
    path("", include("sellers.stock_urls")),
]
