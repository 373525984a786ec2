from django.urls import path

from . import views

app_name = "sellers"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("apply/", views.apply, name="apply"),
]
