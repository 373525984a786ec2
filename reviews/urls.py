from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("reviews/seller-orders/<int:seller_order_id>/", views.review_write, name="review_write"),
    path("sellers/<slug:slug>/", views.seller_page, name="seller_page"),
    path("seller/reviews/", views.seller_review_list, name="seller_review_list"),
    path("seller/reviews/<int:pk>/reply/", views.seller_review_reply, name="seller_review_reply"),
]
