"""The catalog from the seller's side: download it (CSV), propose a missing product, follow the
proposals. Thin views over sellers.catalog_download (reads) and catalog.proposals (the rules)."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from catalog.proposals import (
    product_proposal_submit,
    proposal_photo_response,
    seller_proposal_get,
    seller_proposals,
)
from marketplace.forms import form_add_service_errors

from .access import seller_required
from .catalog_download import catalog_csv_lines
from .catalog_forms import ProductProposalForm
from .permissions import Perm
from .stock_views import _csv_response

PROPOSALS_PER_PAGE = 25


@seller_required(permission=Perm.LISTINGS_READ)
@require_GET
def catalog_page(request):
    """The catalog download, and the seller's own proposals with their status."""
    proposals = seller_proposals(seller=request.seller)
    page = Paginator(proposals, PROPOSALS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "sellers/catalog/catalog.html", {"section": "catalog", "page": page})


@seller_required(permission=Perm.LISTINGS_READ)
@require_GET
def catalog_export(request):
    """Every product a seller can list, with the best price and offer count per grade, streamed."""
    return _csv_response(catalog_csv_lines(), "catalog.csv")


@seller_required(permission=Perm.LISTINGS_WRITE)
@require_http_methods(["GET", "POST"])
def proposal_create(request):
    initial = {"reference": request.GET.get("reference", "")[:40]}
    form = ProductProposalForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = product_proposal_submit(
                seller=request.seller, user=request.user, reference=data["reference"], model=data["model"],
                brand_name=data["brand_name"], model_name=data["model_name"], storage_gb=data["storage_gb"],
                colour=data["colour"], connectivity=data["connectivity"], note=data["note"],
                photos=data["photos"])
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you: we review your proposal of %(ref)s and e-mail you our "
                                        "answer.") % {"ref": proposal.reference})
            return redirect("sellers:proposal_detail", pk=proposal.pk)
    return render(request, "sellers/catalog/proposal_create.html", {"section": "catalog", "form": form})


@seller_required(permission=Perm.LISTINGS_READ)
@require_GET
def proposal_photo(request, pk, photo_pk):
    """A photo of the seller's own proposal (another seller's: a 404 before any file)."""
    proposal = seller_proposal_get(seller=request.seller, pk=pk)
    return proposal_photo_response(proposal=proposal, pk=photo_pk)


@seller_required(permission=Perm.LISTINGS_READ)
@require_GET
def proposal_detail(request, pk):
    proposal = seller_proposal_get(seller=request.seller, pk=pk)
    return render(request, "sellers/catalog/proposal_detail.html",
                  {"section": "catalog", "proposal": proposal})
