"""Reads of warranty claims: an order's claims by device, a seller's claims, one claim scoped."""
from django.db.models import Prefetch
from django.http import Http404

from .models import WarrantyClaim, WarrantyClaimPhoto
from .services import LIVE, claim_refusal


def order_claims(order) -> dict[int, dict]:
    """Per order line of `order` (its seller orders and lines already loaded): its claims, newest
    first, and whether a new one may be opened now. One query."""
    claims: dict[int, list[WarrantyClaim]] = {}
    for claim in (WarrantyClaim.objects.filter(seller_order__order=order)
                  .prefetch_related(None).order_by("-created_at", "-pk")):
        claims.setdefault(claim.order_line_id, []).append(claim)
    found = {}
    for seller_order in order.seller_orders.all():
        for line in seller_order.lines.all():
            line.seller_order = seller_order
            mine = claims.get(line.pk, [])
            live = any(claim.state in LIVE for claim in mine)
            found[line.pk] = {"claims": mine,
                              "can_claim": not claim_refusal(order_line=line, live_claim=live)}
    return found


def _with_details(queryset):
    return queryset.select_related("seller_order__order", "order_line", "user").prefetch_related(
        Prefetch("photos", queryset=WarrantyClaimPhoto.objects.order_by("pk")))


def seller_claims(*, seller, state: str | None = None):
    queryset = _with_details(WarrantyClaim.objects.filter(seller_order__seller=seller))
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("-created_at", "-pk")


def seller_claim_get(*, seller, pk: int) -> WarrantyClaim:
    """The seller's own claim, else 404 (another seller's claim does not exist for it)."""
    claim = _with_details(WarrantyClaim.objects.filter(pk=pk, seller_order__seller=seller)).first()
    if claim is None:
        raise Http404
    return claim
