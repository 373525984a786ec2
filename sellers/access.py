"""Fetch-and-authorize helpers: a seller only ever reaches its own objects, and a member only
what their role allows (sellers/permissions.py)."""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from .models import ApiKey, Listing, Seller, SellerInvitation, SellerMember
from .permissions import Perm, RoleForbidden, member_require, role_can, role_permissions


def member_for_user(user) -> SellerMember | None:
    """The user's membership of a seller (with the seller), or None."""
    if not user.is_authenticated:
        return None
    return SellerMember.objects.select_related("seller").filter(user=user).first()


def seller_for_user(user) -> Seller | None:
    """The seller the user works for, or None."""
    membership = member_for_user(user)
    return membership.seller if membership else None


def seller_required(view=None, *, approved: bool = True, permission: str | None = None):
    """Runs the view with `request.seller`, `request.seller_member`, `request.seller_perms` (what
    the member's role allows) and `request.seller_can` (the same, for templates) set.

    Anonymous users go to log in; users without a seller go to the application form; a seller
    that is not approved sees its status page when `approved` is asked for. A role without
    `permission` gets a 403 page, as does a view that calls `seller_permission_check` (views
    naming an object fetch it first, so another seller's object stays a 404).
    """
    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            member = member_for_user(request.user)
            if member is None:
                return redirect("sellers:apply")
            seller = member.seller
            if approved and seller.status != Seller.Status.APPROVED:
                return redirect("sellers:status")
            request.seller = seller
            request.seller_member = member
            request.seller_perms = role_permissions(member.role)
            request.seller_can = role_can(member.role)
            try:
                if permission is not None:
                    member_require(member, permission)
                return view_func(request, *args, **kwargs)
            except RoleForbidden:
                return render(request, "sellers/forbidden.html", {"member": member}, status=403)
        return wrapper

    return decorator(view) if view is not None else decorator


def seller_permission_check(request, permission: str) -> None:
    """Raises RoleForbidden (a 403 page, through seller_required) unless the member may."""
    member_require(request.seller_member, permission)


def seller_api_keys(request):
    """The API keys the member may see: every key of the seller for an owner, their own for others."""
    keys = ApiKey.objects.filter(seller=request.seller)
    if Perm.API_KEYS_ALL not in request.seller_perms:
        keys = keys.filter(created_by=request.user)
    return keys


def seller_listing_get(*, seller: Seller, pk: int, for_update: bool = False) -> Listing:
    """The seller's own listing, or 404: another seller's listing does not exist for them."""
    queryset = Listing.objects.select_related("product__model")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return get_object_or_404(queryset, pk=pk, seller=seller)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


def _by_pk(queryset, pk):
    try:
        return get_object_or_404(queryset, pk=pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


def seller_member_get(*, seller: Seller, pk: int) -> SellerMember:
    """A member of the seller's own team, or 404."""
    return _by_pk(SellerMember.objects.select_related("user", "seller").filter(seller=seller), pk)


def seller_invitation_get(*, seller: Seller, pk: int) -> SellerInvitation:
    """One of the seller's invitations not yet accepted, or 404."""
    return _by_pk(SellerInvitation.objects.filter(seller=seller, accepted_at__isnull=True), pk)
