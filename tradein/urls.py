"""Trade-in URLs: the shopper's "Sell your device" pages and the seller back office's pages."""
from django.urls import path

from . import seller_views, views

app_name = "tradein"
urlpatterns = [
    path("sell/", views.sell_start, name="sell"),
    path("sell/<slug:slug>/", views.sell_model, name="sell_model"),
    path("sell/quotes/<str:token>/", views.quote, name="quote"),
    path("sell/quotes/<str:token>/accept/", views.quote_accept, name="quote_accept"),
    path("sell/quotes/<str:token>/renew/", views.quote_renew, name="quote_renew"),
    path("trade-ins/", views.my_trade_ins, name="mine"),
    path("trade-ins/<str:number>/", views.status, name="status"),
    path("trade-ins/<str:number>/slip/", views.slip, name="slip"),
    path("trade-ins/<str:number>/photos/<int:pk>/", views.photo, name="photo"),
    path("trade-ins/<str:number>/shipped/", views.mark_shipped, name="shipped"),
    path("trade-ins/<str:number>/cancel/", views.cancel, name="cancel"),
    path("trade-ins/<str:number>/counter-offer/", views.counter_answer, name="counter_answer"),
    path("seller/trade-in/", seller_views.offers, name="seller_offers"),
    path("seller/trade-in/offers/<int:pk>/switch/", seller_views.offer_switch, name="seller_offer_switch"),
    path("seller/trade-in/offers/import/", seller_views.offers_import, name="seller_offers_import"),
    path("seller/trade-in/devices/", seller_views.devices, name="seller_devices"),
    path("seller/trade-in/devices/<str:number>/", seller_views.device_detail, name="seller_detail"),
    path("seller/trade-in/devices/<str:number>/photos/<int:pk>/", seller_views.device_photo,
         name="seller_photo"),
    path("seller/trade-in/devices/<str:number>/<slug:step>/", seller_views.device_step, name="seller_step"),
]
