"""The seller back office's order and payout pages, mounted under /seller/orders/ in the
`sellers` namespace (names start with order_, return_ or payouts)."""
from django.urls import path

from . import seller_views

urlpatterns = [
    path("", seller_views.order_list, name="order_list"),
    path("payouts/", seller_views.payouts, name="payouts"),
    path("<int:pk>/", seller_views.order_detail, name="order_detail"),
    path("<int:pk>/accept/", seller_views.order_accept, name="order_accept"),
    path("<int:pk>/refuse/", seller_views.order_refuse, name="order_refuse"),
    path("<int:pk>/ship/", seller_views.order_ship, name="order_ship"),
    path("returns/<int:pk>/<str:decision>/", seller_views.return_decide, name="return_decide"),
]
