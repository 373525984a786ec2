from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("account/", views.account, name="account"),
    path("account/profile/", views.profile, name="profile"),
    path("account/addresses/", views.address_list, name="address_list"),
    path("account/addresses/new/", views.address_create, name="address_create"),
    path("account/addresses/<int:pk>/edit/", views.address_update, name="address_update"),
    path("account/addresses/<int:pk>/delete/", views.address_delete, name="address_delete"),
]
