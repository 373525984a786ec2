"""The seller back office: thin views over sellers.services (writes) and sellers.backoffice (reads)."""
from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.variant_search import products_matching
from marketplace.forms import form_add_service_errors
from marketplace.templatetags.money import format_money

from . import backoffice, services
from . import team as team_services
from .access import seller_for_user, seller_listing_get, seller_permission_check, seller_required
from .forms import (
    ListingCreateForm,
    ListingEditForm,
    ListingFilterForm,
    ListingInlineForm,
    SellerApplicationForm,
)
from .ledger import Reason, StockCause, stock_cause
from .models import SellerInvitation
from .permissions import Perm
from .price_guard import is_low_price_error
from .selectors import buy_box_positions

LISTINGS_PER_PAGE = 50
PRODUCT_RESULTS_PER_PAGE = 20




def _back_to_list(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("sellers:listing_list")


# --- Onboarding -------------------------------------------------------------------------------

@login_required
def apply(request):
    seller = seller_for_user(request.user)
    if seller is not None:
        return redirect("sellers:dashboard" if seller.is_approved else "sellers:status")
    form = SellerApplicationForm(request.POST if request.method == "POST" else None,
                                 initial={"contact_email": request.user.email,
                                          "contact_name": request.user.get_full_name()})
    if request.method == "POST" and form.is_valid():
        try:
            services.seller_apply(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you: your application is sent. We review it within "
                                        "two working days."))
            return redirect("sellers:status")
    return render(request, "sellers/apply.html", {"form": form})


@seller_required(approved=False)
def status(request):
    return render(request, "sellers/status.html", {"seller": request.seller, "section": "status"})


@login_required
def invitation_accept(request, token):
    invitation = get_object_or_404(SellerInvitation.objects.select_related("seller"), token=token)
    if request.method == "POST":
        try:
            team_services.invitation_accept(token=token, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Welcome to the team of %(seller)s.") % {"seller": invitation.seller})
            return redirect("sellers:dashboard")
    return render(request, "sellers/invitation_accept.html",
                  {"invitation": invitation, "is_open": team_services.invitation_is_open(invitation)})


# --- Dashboard --------------------------------------------------------------------------------

@seller_required
def dashboard(request):
    figures = backoffice.seller_dashboard(seller=request.seller)
    return render(request, "sellers/dashboard.html", {
        "section": "dashboard", "figures": figures, "chart": backoffice.revenue_chart(figures.days),
    })


# --- Listings ---------------------------------------------------------------------------------

@seller_required(permission=Perm.LISTINGS_READ)
def listing_list(request):
    filter_form = ListingFilterForm(request.GET or None, label_suffix="")
    filters = filter_form.filters()
    listings = backoffice.seller_listings(seller=request.seller, **filters)
    is_filtered = bool(filters.keys() - {"sort"})
    page = backoffice.listings_page(listings, number=request.GET.get("page"), per_page=LISTINGS_PER_PAGE,
                                    filtered=is_filtered)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "sellers/listing_list.html", {
        "section": "listings", "filter_form": filter_form, "page": page,
        "rows": _with_urls(backoffice.listing_rows(page.object_list)), "query": query.urlencode(),
        "is_filtered": is_filtered,
    })


def _product_results(request) -> dict:
    """One page of the catalog products matching every word of `q` (catalog.variant_search)."""
    q = request.GET.get("q", "")[:200]
    page = Paginator(products_matching(q), PRODUCT_RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return {"q": q, "results": page.object_list, "results_page": page,
            "results_query": urlencode({"q": q})}


@seller_required(permission=Perm.LISTINGS_WRITE)
def product_search(request):
    """Search-as-you-type for the create form: catalog products to choose from, a page at a time."""
    return render(request, "sellers/_product_results.html", {**_product_results(request), "selected": None})


def _low_price_confirmed(request) -> bool:
    """The seller ticked "this price is right" for a price the guard asked about."""
    return request.POST.get("confirm_low_price") == "on"


def _stock_cause(request) -> StockCause:
    """Stock moved from the back office: the ledger names the team member."""
    return stock_cause(Reason.BACK_OFFICE, user=request.user)


@seller_required(permission=Perm.LISTINGS_WRITE)
def listing_create(request):
    form = ListingCreateForm(request.POST if request.method == "POST" else None)
    selected = None
    ask_low_price = False
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                listing = services.listing_create(seller=request.seller, **data, cause=_stock_cause(request),
                                                  confirm_low_price=_low_price_confirmed(request))
            except ValidationError as error:
                ask_low_price = is_low_price_error(error)
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Listing %(sku)s is created.") % {"sku": listing.sku})
                return redirect("sellers:listing_list")
        selected = form.cleaned_data.get("product") if hasattr(form, "cleaned_data") else None
    return render(request, "sellers/listing_create.html", {
        "section": "listing_create", "form": form, **_product_results(request), "selected": selected,
        "ask_low_price": ask_low_price,
    })


@seller_required
def listing_update(request, pk):
    listing = seller_listing_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.LISTINGS_WRITE)
    form = ListingEditForm(request.POST if request.method == "POST" else None, initial={
        "price": listing.price, "quantity": listing.quantity,
        "warranty_months": listing.warranty_months, "is_active": listing.is_active,
        **ListingEditForm.initial_of(listing)})
    if listing.product_id not in services.phone_product_ids([listing.product_id]):
        for name in services.PHONE_FIELDS:  # meaningful for phones only
            del form.fields[name]
    ask_low_price = False
    if request.method == "POST" and form.is_valid():
        try:
            services.listing_update(listing=listing, **form.cleaned_data, cause=_stock_cause(request),
                                    confirm_low_price=_low_price_confirmed(request))
        except ValidationError as error:
            ask_low_price = is_low_price_error(error)
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Listing %(sku)s is saved.") % {"sku": listing.sku})
            return _back_to_list(request)
    position = buy_box_positions([listing])[listing.pk]
    return render(request, "sellers/listing_update.html",
                  {"section": "listings", "listing": listing, "form": form, "position": position,
                   "ask_low_price": ask_low_price})


# The actions of a row of the listing list (sellers.templatetags.listing_rows), each taking the listing.
ROW_URL_NAMES = ("listing_update", "listing_match_price", "listing_inline", "listing_toggle")
_PK_PLACEHOLDER = 2147483647


def _with_urls(rows: list[backoffice.ListingRow]) -> list[backoffice.ListingRow]:
    """The rows with their action URLs, each URL reversed once for the whole page (reversing
    four URLs for each of fifty rows was most of the list's time)."""
    patterns = {name: reverse(f"sellers:{name}", args=[_PK_PLACEHOLDER]) for name in ROW_URL_NAMES}
    placeholder = str(_PK_PLACEHOLDER)
    return [replace(row, urls={name: url.replace(placeholder, str(row.listing.pk))
                               for name, url in patterns.items()})
            for row in rows]


def _row_response(request, listing, *, form=None, saved=False, status=200, ask_low_price=False):
    # The same row as the list's: its buy-box position and insight.
    return render(request, "sellers/_listing_row.html",
                  {"row": _with_urls(backoffice.listing_rows([listing]))[0], "form": form,
                   "saved": saved, "ask_low_price": ask_low_price},
                  status=status)


@seller_required
@require_POST
def listing_inline(request, pk):
    """Inline edit of price and quantity from the list: the row comes back, with errors inline."""
    listing = seller_listing_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.LISTINGS_WRITE)
    form = ListingInlineForm(request.POST)
    ask_low_price = False
    if form.is_valid():
        try:
            services.listing_update(listing=listing, **form.cleaned_data, cause=_stock_cause(request),
                                    confirm_low_price=_low_price_confirmed(request))
        except ValidationError as error:
            ask_low_price = is_low_price_error(error)
            form_add_service_errors(form, error)
    if form.errors:
        if request.htmx:
            # 200 so that htmx swaps the row with its errors in place.
            return _row_response(request, listing, form=form, ask_low_price=ask_low_price)
        edit = ListingEditForm(initial={"warranty_months": listing.warranty_months,
                                        "is_active": listing.is_active})
        edit.data = {**request.POST.dict(), "warranty_months": listing.warranty_months,
                     "is_active": "on" if listing.is_active else ""}
        edit.is_bound = True
        edit.full_clean()
        for name, errors in form.errors.items():
            edit.add_error(name if name in edit.fields else None, errors)
        position = buy_box_positions([listing])[listing.pk]
        return render(request, "sellers/listing_update.html",
                      {"section": "listings", "listing": listing, "form": edit, "position": position,
                       "ask_low_price": ask_low_price}, status=400)
    if request.htmx:
        return _row_response(request, listing, saved=True)
    messages.success(request, _("Listing %(sku)s is saved.") % {"sku": listing.sku})
    return _back_to_list(request)


@seller_required
@require_POST
def listing_toggle(request, pk):
    """Pause an active listing or activate a paused one."""
    listing = seller_listing_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.LISTINGS_WRITE)
    try:
        services.listing_update(listing=listing, is_active=not listing.is_active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if request.htmx:
            return _row_response(request, listing, saved=True)
        messages.success(request, (_("Listing %(sku)s is active.") if listing.is_active
                                   else _("Listing %(sku)s is paused.")) % {"sku": listing.sku})
    return _back_to_list(request)


@seller_required
def listing_archive(request, pk):
    listing = seller_listing_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.LISTINGS_WRITE)
    if request.method == "POST":
        services.listing_archive(listing=listing)
        messages.success(request, _("Listing %(sku)s is archived.") % {"sku": listing.sku})
        return _back_to_list(request)
    return render(request, "sellers/listing_archive.html", {"section": "listings", "listing": listing})


@seller_required
def listing_match_price(request, pk):
    """One-click "match price to win": GET asks for confirmation, POST applies it."""
    listing = seller_listing_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.LISTINGS_WRITE)
    error = None
    if request.method == "POST":
        try:
            services.listing_match_price_to_win(listing=listing, expected_price=request.POST.get("price"))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if request.htmx:
                return _row_response(request, listing, saved=True)
            messages.success(request, _("Listing %(sku)s now costs %(price)s and wins the buy box.")
                             % {"sku": listing.sku, "price": format_money(listing.price)})
            return _back_to_list(request)
    position = buy_box_positions([listing])[listing.pk]
    context = {"section": "listings", "listing": listing, "position": position, "error": error}
    if request.htmx:
        return render(request, "sellers/_match_confirm.html", context)
    return render(request, "sellers/listing_match.html", context, status=400 if error else 200)
