"""Fetch-and-authorize helpers: a seller only ever reaches its own objects."""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect

from .models import Listing, Seller, SellerMember


def seller_for_user(user) -> Seller | None:
    """The seller the user works for, or None."""
    if not user.is_authenticated:
        return None
    membership = (SellerMember.objects.select_related("seller").filter(user=user).first())
    return membership.seller if membership else None


def seller_required(view=None, *, approved: bool = True):
    """Runs the view with `request.seller` set to the user's seller.

    Anonymous users go to log in; users without a seller go to the application form; a seller
    that is not approved sees its status page when `approved` is asked for.
    """
    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            seller = seller_for_user(request.user)
            if seller is None:
                return redirect("sellers:apply")
            if approved and seller.status != Seller.Status.APPROVED:
                return redirect("sellers:status")
            request.seller = seller
            return view_func(request, *args, **kwargs)
        return wrapper

    return decorator(view) if view is not None else decorator


def seller_listing_get(*, seller: Seller, pk: int, for_update: bool = False) -> Listing:
    """The seller's own listing, or 404: another seller's listing does not exist for them."""
    queryset = Listing.objects.select_related("product__model")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return get_object_or_404(queryset, pk=pk, seller=seller)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
