"""Back-office URLs for repricing and buy-box notices."""
from django.urls import path

from . import repricing_views

urlpatterns = [
    path("repricing/", repricing_views.repricing_page, name="repricing"),
    path("listings/bulk-match/", repricing_views.bulk_match, name="bulk_match"),
    path("listings/<int:pk>/repricing/", repricing_views.listing_rule, name="listing_rule"),
    path("notices/", repricing_views.notices, name="notices"),
    path("notices/digest/", repricing_views.notices_digest, name="notices_digest"),
]
