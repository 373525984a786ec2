from django.urls import include, path

from . import performance_views, stock_history_views, team_views, views

app_name = "sellers"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("performance/", performance_views.performance, name="performance"),
    path("apply/", views.apply, name="apply"),
    path("status/", views.status, name="status"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("listings/", views.listing_list, name="listing_list"),
    path("listings/new/", views.listing_create, name="listing_create"),
    path("listings/products/", views.product_search, name="product_search"),
    path("listings/<int:pk>/", views.listing_update, name="listing_update"),
    path("listings/<int:pk>/inline/", views.listing_inline, name="listing_inline"),
    path("listings/<int:pk>/toggle/", views.listing_toggle, name="listing_toggle"),
    path("listings/<int:pk>/archive/", views.listing_archive, name="listing_archive"),
    path("listings/<int:pk>/match-price/", views.listing_match_price, name="listing_match_price"),
    path("listings/<int:pk>/stock/", stock_history_views.listing_stock_history, name="listing_stock_history"),
    path("stock/movements.csv", stock_history_views.stock_movements_export, name="stock_movements_export"),
    path("team/", team_views.team_page, name="team"),
    path("team/members/<int:pk>/role/", team_views.member_role, name="member_role"),
    path("team/members/<int:pk>/remove/", team_views.member_remove, name="member_remove"),
    path("team/invitations/<int:pk>/withdraw/", team_views.invitation_withdraw,
         name="invitation_withdraw"),
    path("settings/", team_views.settings_view, name="settings"),
    path("", include("sellers.stock_urls")),
    path("", include("sellers.repricing_urls")),
    path("", include("sellers.catalog_urls")),
    path("orders/", include("orders.seller_urls")),
]
