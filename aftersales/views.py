"""Warranty claims: the shopper opens one from the order page; the seller answers it in the back
office. Thin views over aftersales.services and aftersales.selectors."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.storage import private_file_response
from orders.selectors import order_for_visitor
from orders.states import TransitionError
from sellers.access import seller_permission_check, seller_required
from sellers.permissions import Perm

from . import selectors, services
from .forms import SellerAnswerForm, WarrantyClaimForm
from .models import WarrantyClaim


def _add_errors(form, error: ValidationError) -> None:
    for name, errors in error.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def claim_create(request, number, line_id):
    """The shopper opens a warranty claim for one delivered device of their order."""
    order = order_for_visitor(request=request, number=number)
    line = next((item for part in order.seller_orders.all() for item in part.lines.all()
                 if item.pk == line_id), None)
    if line is None:
        raise Http404
    form = WarrantyClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_open(order_line=line, user=request.user, reason=form.cleaned_data["reason"],
                                description=form.cleaned_data["description"],
                                photos=request.FILES.getlist("photos"))
        except TransitionError as error:
            messages.error(request, error.message)
            return redirect("orders:order_detail", number=order.number)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your warranty claim is sent to %(seller)s. Their answer will "
                                        "show on this page.") % {"seller": line.seller_order.seller.name})
            return redirect("orders:order_detail", number=order.number)
    refusal = services.claim_refusal(order_line=line, live_claim=WarrantyClaim.objects.filter(
        order_line=line, state__in=services.LIVE).exists())
    return render(request, "aftersales/claim_form.html", {
        "order": order, "line": line, "form": form, "refusal": refusal}, status=400 if form.errors else 200)


@seller_required
def seller_claim_list(request):
    state = request.GET.get("state", "")
    state = state if state in WarrantyClaim.State.values else ""
    page = Paginator(selectors.seller_claims(seller=request.seller, state=state or None), 25).get_page(
        request.GET.get("page"))
    return render(request, "aftersales/seller/claim_list.html", {
        "section": "warranty_claims", "page_obj": page, "state": state,
        "states": WarrantyClaim.State.choices})


@seller_required
def seller_claim_detail(request, pk):
    claim = selectors.seller_claim_get(seller=request.seller, pk=pk)
    return render(request, "aftersales/seller/claim_detail.html", {
        "section": "warranty_claims", "claim": claim, "form": SellerAnswerForm(claim=claim)})


@seller_required
@require_POST
def seller_claim_answer(request, pk):
    claim = selectors.seller_claim_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.RETURNS_WRITE)
    form = SellerAnswerForm(request.POST, claim=claim)
    if form.is_valid():
        try:
            services.claim_seller_answer(claim=claim, actor=request.user,
                                         to_state=form.cleaned_data["decision"],
                                         message=form.cleaned_data["message"])
        except TransitionError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your answer is saved; the shopper sees it on their order."))
            return redirect("aftersales:seller_claim_detail", pk=claim.pk)
    return render(request, "aftersales/seller/claim_detail.html", {
        "section": "warranty_claims", "claim": claim, "form": form}, status=400)


@seller_required
def seller_claim_photo(request, pk, photo_pk):
    """A photo of the seller's own claim (another seller's claim: a 404 before any file)."""
    claim = selectors.seller_claim_get(seller=request.seller, pk=pk)
    photo = next((photo for photo in claim.photos.all() if photo.pk == photo_pk), None)
    if photo is None:
        raise Http404
    return private_file_response(photo.image, filename=f"claim-{claim.pk}-{photo.pk}.webp",
                                 content_type="image/webp", as_attachment=False)
