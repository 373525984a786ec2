"""The seller back office's orders and payouts pages: thin views over orders.fulfilment (writes)
and orders.selectors (reads). Every object is fetched through the seller's own scope: another
seller's order is a 404."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.forms import form_add_service_errors
from sellers.access import seller_permission_check, seller_required
from sellers.permissions import Perm

from . import fulfilment, selectors
from .forms import RefuseForm, ReturnNoteForm, SellerOrderFilterForm, ShipForm
from .models import ReturnRequest, SellerOrder

ORDERS_PER_PAGE = 25




@seller_required(permission=Perm.ORDERS_READ)
def order_list(request):
    tab = request.GET.get("tab", "to_accept")
    if tab not in selectors.SELLER_ORDER_TABS:
        tab = "to_accept"
    filter_form = SellerOrderFilterForm(request.GET or None, label_suffix="")
    filters = filter_form.filters()
    orders = selectors.seller_orders(seller=request.seller, tab=tab, **filters)
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    tab_query = query.copy()
    tab_query.pop("tab", None)
    return render(request, "orders/seller/order_list.html", {
        "section": "orders", "tab": tab, "tabs": selectors.seller_order_tabs(seller=request.seller),
        "filter_form": filter_form, "page": page, "query": query.urlencode(),
        "tab_query": tab_query.urlencode(), "is_filtered": bool(filters),
        "missed": selectors.seller_orders_missed(seller=request.seller),
    })


def _detail(request, seller_order: SellerOrder, *, refuse_form=None, ship_form=None, dispute_forms=None,
            status: int = 200):
    lines = list(seller_order.lines.all())
    returns = [line.return_request for line in lines if hasattr(line, "return_request")]
    dispute_forms = dispute_forms or {}
    return render(request, "orders/seller/order_detail.html", {
        "section": "orders", "seller_order": seller_order, "order": seller_order.order, "lines": lines,
        "returns": [(ret, dispute_forms.get(ret.pk) or ReturnNoteForm(prefix=f"r{ret.pk}", label_suffix=""))
                    for ret in returns],
        "refuse_form": refuse_form or RefuseForm(label_suffix=""),
        "ship_form": ship_form or (ShipForm(seller_order=seller_order)
                                   if seller_order.state == SellerOrder.State.ACCEPTED else None),
        "can_refuse": seller_order.state in fulfilment.REFUSABLE,
        "tracking_url": fulfilment.tracking_url(carrier=seller_order.carrier,
                                                tracking_number=seller_order.tracking_number),
    }, status=status)


@seller_required
def order_detail(request, pk):
    seller_order = selectors.seller_order_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.ORDERS_READ)
    return _detail(request, seller_order)


def _done(request, seller_order, message):
    messages.success(request, message)
    return redirect("sellers:order_detail", pk=seller_order.pk)


def _refused(request, seller_order, error):
    messages.error(request, error.message)
    return redirect("sellers:order_detail", pk=seller_order.pk)


@seller_required
@require_POST
def order_accept(request, pk):
    seller_order = selectors.seller_order_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.ORDERS_WRITE)
    try:
        fulfilment.seller_order_accept(seller_order=seller_order, actor=request.user)
    except fulfilment.TransitionError as error:
        return _refused(request, seller_order, error)
    return _done(request, seller_order, _("Order accepted. Ship it with a tracking number next."))


@seller_required
@require_POST
def order_refuse(request, pk):
    seller_order = selectors.seller_order_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.ORDERS_WRITE)
    form = RefuseForm(request.POST, label_suffix="")
    if form.is_valid():
        try:
            fulfilment.seller_order_refuse(seller_order=seller_order, reason=form.cleaned_data["reason"],
                                           actor=request.user)
        except fulfilment.TransitionError as error:
            return _refused(request, seller_order, error)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return _done(request, seller_order, _("Order refused: the stock is released and the shopper "
                                                  "refunded."))
    return _detail(request, seller_order, refuse_form=form)


@seller_required
@require_POST
def order_ship(request, pk):
    seller_order = selectors.seller_order_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.ORDERS_WRITE)
    form = ShipForm(request.POST, seller_order=seller_order)
    if form.is_valid():
        try:
            fulfilment.seller_order_ship(seller_order=seller_order, carrier=form.cleaned_data["carrier"],
                                         tracking_number=form.cleaned_data["tracking_number"],
                                         serials=form.serials(), actor=request.user)
        except fulfilment.TransitionError as error:
            return _refused(request, seller_order, error)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return _done(request, seller_order, _("Marked as shipped; the shopper has the tracking link."))
    return _detail(request, seller_order, ship_form=form)


def _seller_return(request, pk) -> ReturnRequest:
    """The seller's own return (404 for another's), for a member who may decide returns (403)."""
    ret = get_object_or_404(ReturnRequest.objects.select_related("seller_order"), pk=pk,
                            seller_order__seller=request.seller)
    seller_permission_check(request, Perm.RETURNS_WRITE)
    return ret


@seller_required
@require_POST
def return_decide(request, pk, decision):
    ret = _seller_return(request, pk)
    seller_order = ret.seller_order
    try:
        if decision == "accept":
            fulfilment.return_accept(ret=ret, actor=request.user)
            message = _("Return accepted: the shopper sends the item back to your return address.")
        elif decision == "received":
            restock = request.POST.get("restock") == "1"
            fulfilment.return_mark_received(ret=ret, actor=request.user, restock=restock)
            message = (_("Item received: the shopper is being refunded, and the unit is back in stock.")
                       if restock else _("Item received: the shopper is being refunded."))
        elif decision == "dispute":
            form = ReturnNoteForm(request.POST, prefix=f"r{ret.pk}", label_suffix="")
            if not form.is_valid():
                full = selectors.seller_order_get(seller=request.seller, pk=seller_order.pk)
                return _detail(request, full, dispute_forms={ret.pk: form})
            fulfilment.return_dispute(ret=ret, note=form.cleaned_data["note"], actor=request.user)
            message = _("Return disputed: our staff will review it and decide.")
        else:
            raise Http404
    except fulfilment.TransitionError as error:
        return _refused(request, seller_order, error)
    return _done(request, seller_order, message)


@seller_required(permission=Perm.PAYOUTS_READ)
def payouts(request):
    entries = selectors.payout_entries(seller=request.seller)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "orders/seller/payouts.html", {
        "section": "payouts", "summary": fulfilment.payout_summary(seller=request.seller), "page": page,
        "commission_rate": request.seller.commission_rate * 100,
    })
