from django.urls import path

from . import views

app_name = "aftersales"
urlpatterns = [
    path("orders/<str:number>/lines/<int:line_id>/warranty/", views.claim_create, name="claim_create"),
    path("seller/warranty-claims/", views.seller_claim_list, name="seller_claim_list"),
    path("seller/warranty-claims/<int:pk>/", views.seller_claim_detail, name="seller_claim_detail"),
    path("seller/warranty-claims/<int:pk>/answer/", views.seller_claim_answer, name="seller_claim_answer"),
    path("seller/warranty-claims/<int:pk>/photos/<int:photo_pk>/", views.seller_claim_photo,
         name="seller_claim_photo"),
]
