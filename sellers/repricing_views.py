"""Back-office pages for repricing and buy-box alerts: a listing's rule, the seller's default with the
log of automatic price changes, the bulk match over the list's current filter (a preview of every
change, then apply), and the notices of boxes won and lost. Thin: sellers.repricing and
sellers.notices hold the rules."""
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from marketplace.forms import form_add_service_errors

from . import notices as notice_services
from . import repricing
from .access import seller_listing_get, seller_permission_check, seller_required
from .forms import ListingFilterForm
from .listing_filters import listings_filtered
from .models import PriceChange
from .permissions import Perm
from .price_guard import is_low_price_error
from .repricing_forms import BulkMatchForm, ListingRuleForm, SellerRuleForm

PER_PAGE = 50


@seller_required(permission=Perm.LISTINGS_READ)
def repricing_page(request):
    """The seller's default rule, and every automatic price change with what caused it."""
    seller = request.seller
    form = SellerRuleForm(request.POST if request.method == "POST" else None, initial={
        "strategy": seller.reprice_strategy, "beat_by": seller.reprice_beat_by,
        "raise_when_winning": seller.reprice_raise})
    if request.method == "POST":
        seller_permission_check(request, Perm.LISTINGS_WRITE)
        if form.is_valid():
            try:
                repricing.seller_repricing_set(seller=seller, **form.cleaned_data)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Your default repricing rule is saved."))
                return redirect("sellers:repricing")
    log = (PriceChange.objects.filter(seller=seller).select_related("listing__product__model")
           .order_by("-id"))
    page = Paginator(log, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "sellers/repricing.html", {"section": "repricing", "form": form, "page": page})


@seller_required
def listing_rule(request, pk):
    """A listing's floor, ceiling and strategy."""
    listing = seller_listing_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.LISTINGS_WRITE)
    initial = {"floor_price": listing.floor_price, "ceiling_price": listing.ceiling_price,
               "reprice_strategy": listing.reprice_strategy or "", "reprice_beat_by": listing.reprice_beat_by,
               "reprice_raise": {True: "yes", False: "no"}.get(listing.reprice_raise, "")}
    form = ListingRuleForm(request.POST if request.method == "POST" else None, initial=initial)
    ask_low_price = False
    if request.method == "POST" and form.is_valid():
        rule, confirm = form.rule()
        try:
            repricing.listing_repricing_set(listing=listing, confirm_low_price=confirm, **rule)
        except ValidationError as error:
            ask_low_price = is_low_price_error(ValidationError(
                {"price": error.error_dict["floor_price"]})) if "floor_price" in error.error_dict else False
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("The repricing rule of %(sku)s is saved.") % {"sku": listing.sku})
            return redirect("sellers:listing_update", pk=listing.pk)
    return render(request, "sellers/listing_rule.html", {
        "section": "listings", "listing": listing, "form": form, "ask_low_price": ask_low_price,
        "rule": repricing.rule_of(listing, request.seller)})


def _list_filters(query: QueryDict) -> tuple[dict, str]:
    """The listing list's filters from a query string, losing ones only (only they have a price to
    win), and the list's query string to go back to."""
    filter_form = ListingFilterForm(query or None)
    filters = filter_form.filters()
    if not filters.get("losing_within_percent"):
        filters["buy_box"] = "losing"
    back = QueryDict(mutable=True)
    for name in filter_form.fields:
        if query.get(name):
            back[name] = query[name]
    return filters, back.urlencode()


def _confirmed(post: QueryDict) -> dict[int, Decimal]:
    found = {}
    for name, value in post.items():
        if name.startswith("change_") and name[7:].isdigit():
            try:
                found[int(name[7:])] = Decimal(value).quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                continue
    return found


@seller_required
def bulk_match(request):
    """"Match the price to win" for every losing listing of the list's current filter: GET previews
    each change (never below a floor; a mistaken-looking price is held), POST applies the ones shown."""
    seller_permission_check(request, Perm.LISTINGS_WRITE)
    source = request.POST if request.method == "POST" else request.GET
    filters, back_query = _list_filters(source)
    form = BulkMatchForm(source if "strategy" in source else None, initial={"strategy": "match"})
    strategy, beat_by = "match", None
    if form.is_bound and form.is_valid():
        strategy, beat_by = form.cleaned_data["strategy"], form.cleaned_data.get("beat_by") or None
    list_url = reverse("sellers:listing_list") + (f"?{back_query}" if back_query else "")
    listings = listings_filtered(seller=request.seller, filters=filters)
    if request.method == "POST" and not form.errors:
        confirmed = _confirmed(request.POST)
        applied, skipped = repricing.bulk_match_apply(
            listings=listings.filter(pk__in=list(confirmed)), confirmed=confirmed, strategy=strategy,
            beat_by=beat_by)
        messages.success(request, ngettext("%(count)s price changed.", "%(count)s prices changed.", applied)
                         % {"count": applied})
        if skipped:
            messages.warning(request, ngettext(
                "%(count)s listing was left: its buy box moved since the preview.",
                "%(count)s listings were left: their buy box moved since the preview.", skipped)
                % {"count": skipped})
        return redirect(list_url)
    candidates = list(listings[:repricing.BULK_MATCH_MAX + 1])
    plan = [] if form.errors else repricing.bulk_match_plan(listings=candidates, strategy=strategy,
                                                            beat_by=beat_by)
    return render(request, "sellers/bulk_match.html", {
        "section": "listings", "form": form, "plan": plan, "list_url": list_url, "back_query": back_query,
        "applicable": [change for change in plan if not change.held],
        "held": [change for change in plan if change.held],
        "truncated": len(candidates) > repricing.BULK_MATCH_MAX, "max": repricing.BULK_MATCH_MAX,
        "filters": filters})


@seller_required(permission=Perm.LISTINGS_READ)
@require_GET
def notices(request):
    """The boxes won and lost, newest first; opening the page marks them read."""
    page = Paginator(notice_services.seller_notices(seller=request.seller), PER_PAGE).get_page(
        request.GET.get("page"))
    rows = list(page.object_list)
    if request.seller.unread_notices:
        notice_services.notices_mark_read(seller=request.seller)
    return render(request, "sellers/notices.html", {"section": "notices", "page": page, "rows": rows,
                                                    "member": request.seller_member})


@seller_required
@require_POST
def notices_digest(request):
    """A team member turns their own daily buy-box e-mail on or off."""
    enabled = request.POST.get("buy_box_digest") == "on"
    notice_services.member_digest_set(member=request.seller_member, enabled=enabled)
    messages.success(request, _("The daily buy-box e-mail is on.") if enabled
                     else _("The daily buy-box e-mail is off."))
    return redirect("sellers:notices")
