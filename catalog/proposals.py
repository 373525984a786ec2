"""Product proposals: a seller asks for a missing product, staff approve (the product is created
through catalog.services.product_create) or reject it with a reason, and the seller is told by
e-mail after commit and on its "My proposals" page. Every door (the back office, the admin's
actions) calls these functions."""
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from marketplace.mail import send_once
from marketplace.storage import private_file_response

from .images import validate_and_reencode
from .models import Product, ProductModel, ProductProposal, ProductProposalPhoto
from .references import validate_reference
from .services import product_create, product_image_add

MAX_PHOTOS = 3
MAX_PENDING_PER_SELLER = 200  # enough for a refurbisher's backlog, not a flood for staff


# --- Reads ---------------------------------------------------------------------------------------
def seller_proposals(*, seller) -> "ProductProposal.objects":
    """The seller's proposals, newest first, with what their rows show (no query per row)."""
    return (ProductProposal.objects.filter(seller=seller)
            .select_related("model__brand", "product__model"))


def seller_proposal_get(*, seller, pk) -> ProductProposal:
    """The seller's own proposal, or 404: another seller's proposal does not exist for them."""
    try:
        return get_object_or_404(seller_proposals(seller=seller).prefetch_related("photos"), pk=pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


def proposal_photo_response(*, proposal: ProductProposal, pk: int):
    """One photo of a proposal the caller may already see (its seller, or staff), inline; another
    proposal's photo is a 404. Photos are re-encoded to WebP when proposed."""
    photo = next((photo for photo in proposal.photos.all() if photo.pk == pk), None)
    if photo is None:
        raise Http404
    return private_file_response(photo.image, filename=f"proposal-{proposal.pk}-{photo.pk}.webp",
                                 content_type="image/webp", as_attachment=False)


def proposal_url(reference: str = "") -> str:
    """The back-office page proposing a product, the reference filled in (absolute: it is also
    read in e-mails and in downloaded error reports)."""
    query = f"?{urlencode({'reference': reference})}" if reference else ""
    return f"{settings.SITE_URL}{reverse('sellers:proposal_create')}{query}"


# --- Writes --------------------------------------------------------------------------------------
def _reference_errors(reference: str) -> list[str]:
    if Product.objects.filter(reference=reference).exists():
        return [_("%(ref)s is already in the catalog: you can list it now.") % {"ref": reference}]
    if ProductProposal.objects.filter(reference=reference, status=ProductProposal.Status.PENDING).exists():
        return [_("%(ref)s is already proposed and under review.") % {"ref": reference}]
    return []


def product_proposal_submit(*, seller, user, reference: str, model: ProductModel | None = None,
                            brand_name: str = "", model_name: str = "", storage_gb: int | None = None,
                            colour: str = "", connectivity: str = "", note: str = "",
                            photos: Sequence = ()) -> ProductProposal:
    """Checks and stores a proposal: a device model (from the catalog, or named), a reference that
    is a valid EAN-13 or MPN not yet in the catalog nor proposed, at most MAX_PHOTOS pictures that
    Pillow decodes (re-encoded as WebP)."""
    errors: dict[str, list[str]] = {}
    try:
        reference = validate_reference(reference)
    except ValidationError as exc:
        errors["reference"] = exc.messages
    else:
        if problems := _reference_errors(reference):
            errors["reference"] = problems
    brand_name, model_name = brand_name.strip(), model_name.strip()
    if model is None and not model_name:
        errors["model"] = [_("Choose the device model, or type its name if the list does not have it.")]
    if model is not None and not model.is_published:
        errors["model"] = [_("Choose a device model of the catalog.")]
    if storage_gb is None and not colour.strip() and not connectivity.strip():
        errors["storage_gb"] = [_("Give at least one detail of the variant: storage, colour or "
                                  "connectivity.")]
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("Add at most %(max)s photos.") % {"max": MAX_PHOTOS}]
    contents = []
    for photo in photos[:MAX_PHOTOS]:
        try:
            contents.append(validate_and_reencode(photo))
        except ValidationError as exc:
            name = getattr(photo, "name", "") or _("a photo")
            errors.setdefault("photos", []).extend(f"{name}: {message}" for message in exc.messages)
    if ProductProposal.objects.filter(seller=seller, status=ProductProposal.Status.PENDING).count() \
            >= MAX_PENDING_PER_SELLER:
        errors.setdefault("__all__", []).append(
            _("You have %(max)s proposals under review; wait for our answer before proposing more.")
            % {"max": MAX_PENDING_PER_SELLER})
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            proposal = ProductProposal.objects.create(
                seller=seller, proposed_by=user, model=model, brand_name=brand_name[:100],
                model_name=model_name[:150], storage_gb=storage_gb, colour=colour.strip()[:50],
                connectivity=connectivity.strip()[:50], reference=reference, note=note.strip()[:2000])
            for position, content in enumerate(contents):
                width, height = content.image_size
                photo = ProductProposalPhoto(proposal=proposal, position=position, width=width, height=height)
                photo.image.save(content.name, content, save=False)
                photo.save()
    except IntegrityError:  # another seller proposed the same reference at the same moment
        raise ValidationError({"reference": [
            _("%(ref)s is already proposed and under review.") % {"ref": reference}]}) from None
    return proposal


def _pending_for_update(proposal: ProductProposal) -> ProductProposal:
    locked = ProductProposal.objects.select_for_update().filter(pk=proposal.pk).first()
    if locked is None:
        raise ValidationError(_("This proposal no longer exists."))
    if locked.status != ProductProposal.Status.PENDING:
        raise ValidationError(_("This proposal is already %(status)s.")
                              % {"status": locked.get_status_display().lower()})
    return locked


def product_proposal_approve(*, proposal: ProductProposal, reviewer,
                             model: ProductModel | None = None, note: str = "") -> ProductProposal:
    """Creates the catalog product under `model` (default: the one the seller chose), gives the
    model the proposal's photos when it has no picture yet, and tells the seller after commit."""
    with transaction.atomic():
        proposal = _pending_for_update(proposal)
        model = model or proposal.model
        if model is None:
            raise ValidationError(_("The seller named a device model the catalog does not have (%(name)s): "
                                    "add the model first, then choose it when approving.")
                                  % {"name": f"{proposal.brand_name} {proposal.model_name}".strip()})
        if Product.objects.filter(reference=proposal.reference).exists():
            raise ValidationError(_("%(ref)s is already in the catalog.") % {"ref": proposal.reference})
        product = product_create(model=model, reference=proposal.reference, storage_gb=proposal.storage_gb,
                                 colour=proposal.colour, connectivity=proposal.connectivity)
        if not model.images.exists():
            for photo in proposal.photos.all():
                with photo.image.open("rb") as upload:
                    product_image_add(model=model, upload=upload, alt_text=str(product)[:200])
        proposal.status = ProductProposal.Status.APPROVED
        proposal.model, proposal.product = model, product
        proposal.reason = note.strip()
        proposal.reviewed_by, proposal.reviewed_at = reviewer, timezone.now()
        proposal.save(update_fields=["status", "model", "product", "reason", "reviewed_by", "reviewed_at"])
        _notify_on_commit(proposal)
    return proposal


def product_proposal_reject(*, proposal: ProductProposal, reviewer, reason: str) -> ProductProposal:
    """Refuses the proposal with a reason the seller reads; tells the seller after commit."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the proposal is rejected: the seller reads it."))
    with transaction.atomic():
        proposal = _pending_for_update(proposal)
        proposal.status = ProductProposal.Status.REJECTED
        proposal.reason = reason
        proposal.reviewed_by, proposal.reviewed_at = reviewer, timezone.now()
        proposal.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at"])
        _notify_on_commit(proposal)
    return proposal


def _notify_on_commit(proposal: ProductProposal) -> None:
    from .tasks import notify_proposal_decision

    proposal_id = proposal.pk
    transaction.on_commit(lambda: notify_proposal_decision.delay(proposal_id))


def product_proposal_notify(*, proposal_id: int) -> int:
    """E-mails the proposer and the seller's contact the decision, once per decision."""
    proposal = (ProductProposal.objects.select_related("seller", "proposed_by", "product__model")
                .filter(pk=proposal_id).first())
    if proposal is None or proposal.status == ProductProposal.Status.PENDING:
        return 0
    recipients = [proposal.seller.contact_email, proposal.proposed_by.email if proposal.proposed_by else ""]
    with translation.override(settings.LANGUAGE_CODE):
        if proposal.status == ProductProposal.Status.APPROVED:
            subject = _("Your product is in the catalog: %(reference)s") % {"reference": proposal.reference}
        else:
            subject = _("Your product proposal was not accepted: %(reference)s") % {
                "reference": proposal.reference}
        query = urlencode({"q": proposal.reference})
        list_url = f"{settings.SITE_URL}{reverse('sellers:listing_create')}?{query}"
        proposal_url = settings.SITE_URL + reverse("sellers:proposal_detail", kwargs={"pk": proposal.pk})
        body = render_to_string(f"catalog/emails/proposal_{proposal.status}.txt", {
            "proposal": proposal, "list_url": list_url, "proposal_url": proposal_url})
    return send_once(f"proposal:{proposal.pk}:{proposal.status}", f"[Refurb] {subject}", body, recipients,
                     settings.DEFAULT_FROM_EMAIL)
