"""The seller back office's trade-in pages: buying offers (compared with the best of the others,
edited one by one or by CSV through the stock import), and the devices heading its way, with
their steps: received, confirmed or counter-offered, sent back, into stock."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.admin_actions import refusal_text
from sellers.access import seller_permission_check, seller_required
from sellers.permissions import Perm
from sellers.stock_sync import decode_upload, stock_import_create

from . import services
from .access import seller_trade_in_get
from .forms import CounterOfferForm, OfferFileForm, OfferForm, StockForm, TrackingForm
from .models import TradeIn, TradeInOffer
from .offer_import import COLUMNS, KIND
from .offers import offer_save, offer_save_for_model, offer_toggle
from .photos import trade_in_photo_response
from .selectors import INCOMING_STATES, seller_offers_compared, seller_trade_ins
from .states import TransitionError
from .stock import trade_in_to_stock

S = TradeIn.State


@seller_required(permission=Perm.LISTINGS_READ)
@require_http_methods(["GET", "POST"])
def offers(request):
    form = OfferForm(request.POST or None)
    if request.method == "POST":
        seller_permission_check(request, Perm.LISTINGS_WRITE)
        if form.is_valid():
            data = dict(form.cleaned_data)
            model, storage_gb, product = data.pop("model"), data.pop("storage_gb"), data.pop("product")
            try:
                if product is not None:
                    _offer, status = offer_save(seller=request.seller, actor=request.user, product=product,
                                                **data)
                else:
                    _offer, status = offer_save_for_model(seller=request.seller, actor=request.user,
                                                          model_ref=model.slug, storage_gb=storage_gb, **data)
            except ValidationError as exc:
                form.add_error(None, refusal_text(exc))
            else:
                messages.success(request, {"created": _("Offer added."), "updated": _("Offer changed."),
                                           "unchanged": _("Nothing changed.")}[status])
                return redirect("tradein:seller_offers")
    return render(request, "tradein/seller/offers.html", {
        "section": "trade_in", "form": form, "file_form": OfferFileForm(), "columns": COLUMNS,
        "offers": seller_offers_compared(seller=request.seller)})


@seller_required(permission=Perm.LISTINGS_WRITE)
@require_POST
def offer_switch(request, pk):
    offer = TradeInOffer.objects.filter(seller=request.seller, pk=pk).first()
    if offer is None:
        raise Http404
    offer_toggle(offer=offer, is_active=not offer.is_active, actor=request.user)
    return redirect("tradein:seller_offers")


@seller_required(permission=Perm.LISTINGS_WRITE)
@require_POST
def offers_import(request):
    """A bulk file of offers goes through the stock import (same checks, same report)."""
    form = OfferFileForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            stock_import = stock_import_create(seller=request.seller, uploaded_by=request.user,
                                               name=upload.name, data=decode_upload(upload), kind=KIND)
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
        else:
            return redirect("sellers:stock_import", pk=stock_import.pk)
    else:
        messages.error(request, _("Choose a CSV or XLSX file of offers."))
    return redirect("tradein:seller_offers")


@seller_required(permission=Perm.ORDERS_READ)
@require_GET
def devices(request):
    show = request.GET.get("show", "incoming")
    states = INCOMING_STATES if show != "all" else S.values
    return render(request, "tradein/seller/devices.html", {
        "section": "trade_in_devices", "show": show,
        "trade_ins": seller_trade_ins(seller=request.seller, states=states)[:200]})


@seller_required(permission=Perm.ORDERS_READ)
@require_GET
def device_detail(request, number):
    trade_in = seller_trade_in_get(seller=request.seller, number=number)
    return _detail(request, trade_in)


@seller_required(permission=Perm.ORDERS_READ)
@require_GET
def device_photo(request, number, pk):
    """A photo of one of the seller's own trade-ins (another seller's: a 404)."""
    trade_in = seller_trade_in_get(seller=request.seller, number=number)
    return trade_in_photo_response(trade_in=trade_in, pk=pk)


def _detail(request, trade_in, *, counter_form=None, stock_form=None, status=200):
    return render(request, "tradein/seller/device_detail.html", {
        "section": "trade_in_devices", "trade_in": trade_in, "history": trade_in.transitions.all(),
        "photos": trade_in.photos.all(), "S": S,
        "counter_form": counter_form or CounterOfferForm(),
        "stock_form": stock_form or StockForm(initial={"price": ""}), "tracking_form": TrackingForm(),
        "can_stock": trade_in.state in (S.BOUGHT, S.PAID) and trade_in.stocked_at is None,
    }, status=status)


@seller_required(permission=Perm.ORDERS_READ)
@require_POST
def device_step(request, number, step):
    """One step on one device; a refusal (a second click, a bad price) is a message, never a 500."""
    trade_in = seller_trade_in_get(seller=request.seller, number=number)
    actor = request.user
    try:
        if step == "receive":
            seller_permission_check(request, Perm.ORDERS_WRITE)
            services.trade_in_receive(trade_in=trade_in, actor=actor)
            messages.success(request, _("Marked as received: inspect it within 3 business days."))
        elif step == "confirm":
            seller_permission_check(request, Perm.ORDERS_WRITE)
            services.trade_in_confirm(trade_in=trade_in, actor=actor)
            messages.success(request, _("Confirmed: the shopper will be paid the agreed price."))
        elif step == "counter":
            seller_permission_check(request, Perm.ORDERS_WRITE)
            form = CounterOfferForm(request.POST, request.FILES)
            if not form.is_valid():
                return _detail(request, trade_in, counter_form=form, status=200)
            try:
                services.trade_in_counter_offer(trade_in=trade_in, actor=actor,
                                                price=form.cleaned_data["price"],
                                                reason=form.cleaned_data["reason"],
                                                photos=form.cleaned_data["photos"])
            except ValidationError as exc:
                form.add_error(None, refusal_text(exc))
                return _detail(request, trade_in, counter_form=form, status=200)
            messages.success(request, _("Counter-offer sent: the shopper has 7 days to answer."))
        elif step == "return":
            seller_permission_check(request, Perm.ORDERS_WRITE)
            services.trade_in_return_sent(trade_in=trade_in, actor=actor,
                                          tracking=request.POST.get("tracking", ""))
            messages.success(request, _("Marked as sent back."))
        elif step == "stock":
            seller_permission_check(request, Perm.LISTINGS_WRITE)
            form = StockForm(request.POST)
            if not form.is_valid():
                return _detail(request, trade_in, stock_form=form, status=200)
            listing = trade_in_to_stock(trade_in=trade_in, actor=actor, **form.cleaned_data)
            messages.success(request, ngettext("In stock: listing %(sku)s now has %(quantity)s unit.",
                                               "In stock: listing %(sku)s now has %(quantity)s units.",
                                               listing.quantity)
                             % {"sku": listing.sku, "quantity": listing.quantity})
        else:
            raise Http404
    except (ValidationError, TransitionError) as exc:
        messages.error(request, refusal_text(exc))
    return redirect("tradein:seller_detail", number=trade_in.number)
