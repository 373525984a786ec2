"""Back-office URLs of the catalog from the seller's side: the download and product proposals."""
from django.urls import path

from . import catalog_views

urlpatterns = [
    path("catalog/", catalog_views.catalog_page, name="catalog"),
    path("catalog/catalog.csv", catalog_views.catalog_export, name="catalog_export"),
    path("catalog/proposals/new/", catalog_views.proposal_create, name="proposal_create"),
    path("catalog/proposals/<int:pk>/", catalog_views.proposal_detail, name="proposal_detail"),
    path("catalog/proposals/<int:pk>/photos/<int:photo_pk>/", catalog_views.proposal_photo,
         name="proposal_photo"),
]
