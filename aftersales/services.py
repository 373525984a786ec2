"""Warranty claims: the shopper opens one on a delivered device within its warranty, the seller
answers it (accepts it, saying how the device will be repaired, replaced or refunded, or declines
it, saying why), marks it resolved; staff may close or reopen one. States move through
aftersales.states only; every rule is here, for every door (order page, back office, admin)."""
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.images import validate_and_reencode
from marketplace.controls import has_control_characters
from orders.fulfilment import warranty_end
from orders.models import OrderLine, SellerOrder
from orders.states import TransitionError
from sellers.permissions import Perm, member_user_require

from .models import WarrantyClaim, WarrantyClaimPhoto
from .states import SELLER_MOVES, claim_move

C = WarrantyClaim.State
MAX_PHOTOS = 4
MAX_DESCRIPTION = 3000
MIN_DESCRIPTION = 20
LIVE = (C.OPEN, C.ACCEPTED)


def _email_on_commit(claim: WarrantyClaim, event: str) -> None:
    from .tasks import send_claim_email

    claim_id = claim.pk
    transaction.on_commit(lambda: send_claim_email.delay(claim_id, event))


def claim_refusal(*, order_line: OrderLine, now: datetime | None = None, live_claim: bool = False) -> str:
    """Why this device cannot be claimed for now ("" when it can): its seller order must be
    delivered, today within its warranty, with no live claim for it already."""
    seller_order = order_line.seller_order
    if seller_order.state != SellerOrder.State.DELIVERED or seller_order.delivered_at is None:
        return _("A warranty claim can be opened once the order is delivered.")
    end = warranty_end(delivered_at=seller_order.delivered_at, months=order_line.warranty_months)
    if timezone.localdate(now or timezone.now()) > end:
        return _("The warranty of this device ended on %(date)s.") % {"date": end.isoformat()}
    if live_claim:
        return _("A warranty claim for this device is already open.")
    return ""


def _photos_clean(photos) -> list:
    photos = [photo for photo in photos or () if photo]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("Add at most %(max)s photos.") % {"max": MAX_PHOTOS}})
    cleaned = []
    for photo in photos:
        try:
            cleaned.append(validate_and_reencode(photo))  # Pillow decodes every pixel, drops metadata
        except ValidationError as exc:
            raise ValidationError({"photos": [f"{getattr(photo, 'name', '')}: {message}"
                                              for message in exc.messages]}) from exc
    return cleaned


def _text_clean(value: str, *, field: str, minimum: int = 1) -> str:
    text = (value or "").strip()
    if len(text) < minimum:
        raise ValidationError({field: _("Describe it in at least %(min)s characters.") % {"min": minimum}})
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError({field: _("Write at most %(max)s characters.") % {"max": MAX_DESCRIPTION}})
    if has_control_characters(text.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise ValidationError({field: _("Remove the control characters.")})
    return text


def claim_open(*, order_line: OrderLine, user, reason: str, description: str, photos=()) -> WarrantyClaim:
    """The shopper opens a warranty claim for one delivered device within its warranty."""
    if reason not in WarrantyClaim.Reason.values:
        raise ValidationError({"reason": _("Choose what is wrong.")})
    description = _text_clean(description, field="description", minimum=MIN_DESCRIPTION)
    cleaned_photos = _photos_clean(photos)
    with transaction.atomic():
        seller_order = SellerOrder.objects.select_for_update().get(pk=order_line.seller_order_id)
        order_line.seller_order = seller_order
        live = WarrantyClaim.objects.filter(order_line=order_line, state__in=LIVE).exists()
        refusal = claim_refusal(order_line=order_line, live_claim=live)
        if refusal:
            raise TransitionError(refusal)
        try:
            with transaction.atomic():
                claim = WarrantyClaim.objects.create(
                    seller_order=seller_order, order_line=order_line, reason=reason, description=description,
                    user=user if getattr(user, "is_authenticated", False) else None)
        except IntegrityError as exc:  # opened twice at once
            raise TransitionError(_("A warranty claim for this device is already open.")) from exc
        for photo in cleaned_photos:
            WarrantyClaimPhoto.objects.create(claim=claim, image=photo)
        _email_on_commit(claim, "opened")
    return claim


def _locked(claim: WarrantyClaim) -> WarrantyClaim:
    return WarrantyClaim.objects.select_for_update().select_related("seller_order").get(pk=claim.pk)


def claim_seller_answer(*, claim: WarrantyClaim, actor, to_state: str, message: str) -> WarrantyClaim:
    """The seller accepts (saying how it will repair, replace or refund), declines (saying why) or
    marks an accepted claim resolved. The seller's member needs a role that decides returns."""
    message = _text_clean(message, field="message", minimum=10)
    with transaction.atomic():
        claim = _locked(claim)
        member_user_require(user_id=actor.pk, seller_id=claim.seller_order.seller_id,
                            permission=Perm.RETURNS_WRITE)
        if (claim.state, to_state) not in SELLER_MOVES:
            raise TransitionError(_("This warranty claim cannot be answered that way now."))
        fields = {"seller_message": message} if to_state != C.RESOLVED else {}
        claim_move(claim=claim, to_state=to_state, actor=actor, reason=message, **fields)
        _email_on_commit(claim, to_state)
        return claim


def claim_staff_move(*, claim: WarrantyClaim, to_state: str, actor, reason: str) -> WarrantyClaim:
    """Staff close a claim (resolved) or reopen a declined one, with a reason."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why.")})
    with transaction.atomic():
        claim = _locked(claim)
        if to_state == C.OPEN and WarrantyClaim.objects.filter(
                order_line_id=claim.order_line_id, state__in=LIVE).exclude(pk=claim.pk).exists():
            raise TransitionError(_("Another claim for this device is open."))
        claim_move(claim=claim, to_state=to_state, actor=actor, reason=reason)
        _email_on_commit(claim, to_state)
        return claim
