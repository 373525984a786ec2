"""Reads about reviews: a shopper's seller order to review, a seller's public page and reviews."""
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Min
from django.shortcuts import get_object_or_404

from orders.models import SellerOrder
from sellers.models import Listing, Seller

from .models import Review


def shopper_seller_order_get(*, user, pk: int) -> SellerOrder:
    """The shopper's own seller order, or 404 (another shopper's order does not exist for them)."""
    return get_object_or_404(SellerOrder.objects.select_related("order", "seller"), pk=pk, order__user=user)


def seller_review_get(*, seller: Seller, pk: int) -> Review:
    """One of the seller's reviews, or 404 for another seller's."""
    return get_object_or_404(Review.objects.visible(), pk=pk, seller=seller)


def seller_reviews(*, seller: Seller):
    return (Review.objects.visible().filter(seller=seller).select_related("author", "seller_order__order")
            .order_by("-created_at", "-pk"))


@dataclass
class SellerPage:
    seller: Seller
    reviews: list
    offers: list
    warranty_min: int | None
    warranty_max: int | None
    return_days: int


def seller_public_page(*, slug: str, reviews: int = 10, offers: int = 24) -> SellerPage:
    """An approved seller's public page; any other seller is a 404."""
    seller = get_object_or_404(Seller, slug=slug, status=Seller.Status.APPROVED)
    listings = Listing.objects.buyable().filter(seller=seller)
    warranty = listings.aggregate(low=Min("warranty_months"), high=Max("warranty_months"))
    return SellerPage(
        seller=seller,
        reviews=list(Review.objects.visible().filter(seller=seller).select_related("author")
                     .order_by("-created_at", "-pk")[:reviews]),
        offers=list(listings.select_related("product__model")
                    .order_by("product__model__name", "grade")[:offers]),
        warranty_min=warranty["low"], warranty_max=warranty["high"],
        return_days=settings.RETURN_WINDOW_DAYS,
    )
