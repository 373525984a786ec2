from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/lines/<int:pk>/", views.cart_line_update, name="cart_line_update"),
    path("cart/lines/<int:pk>/remove/", views.cart_line_remove, name="cart_line_remove"),
    path("cart/lines/<int:pk>/replace/", views.cart_line_replace, name="cart_line_replace"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/review/", views.checkout_review, name="checkout_review"),
    # Before orders/<number>/: "lookup" is not an order number.
    path("orders/lookup/", views.order_lookup, name="order_lookup"),
    path("orders/<str:number>/", views.order_detail, name="order_detail"),
    path("orders/<str:number>/pay/", views.order_pay, name="order_pay"),
    path("orders/<str:number>/invoice/", views.order_invoice, name="order_invoice"),
    path("orders/<str:number>/lines/<int:line_id>/return/", views.return_request, name="return_request"),
    path("orders/<str:number>/cancel/", views.order_cancel, name="order_cancel"),
    path("payments/<str:provider>/webhook/", views.payment_webhook, name="payment_webhook"),
    path("payments/test/<str:reference>/", views.test_provider_pay, name="test_provider_pay"),
    path("account/", views.account, name="account"),
    path("account/orders/", views.order_list, name="order_list"),
    path("account/profile/", views.profile, name="profile"),
    path("account/addresses/", views.address_list, name="address_list"),
    path("account/addresses/new/", views.address_create, name="address_create"),
    path("account/addresses/<int:pk>/edit/", views.address_update, name="address_update"),
    path("account/addresses/<int:pk>/delete/", views.address_delete, name="address_delete"),
]
