from django.urls import path

from . import views

app_name = "pages"
urlpatterns = [
    path("help/", views.help_centre, name="help"),
    path("pages/<slug:slug>/", views.page, name="page"),
]
