"""Shopper pages: the cart, checkout, payment, order confirmation and the account area."""
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.ratelimit import consume, parse_rate
from marketplace.templatetags.money import format_money

from . import delivery, fulfilment, guest_access, selectors, services, tasks
from .forms import (
    AddressForm,
    CartAddForm,
    CartLineForm,
    CartLineReplaceForm,
    CheckoutDeliveryForm,
    OrderLookupForm,
    ProfileForm,
    ReturnRequestForm,
    TestCardForm,
)
from .models import Address, CartLine, Order, Payment, SellerOrder
from .payments import get_provider
from .payments.base import InvalidEvent, ProviderUnavailable

logger = logging.getLogger(__name__)


# --- Cart ---------------------------------------------------------------------------------------
def _cart(request, *, create: bool = False):
    """The visitor's cart; an anonymous cart's id lives in the session so it survives login."""
    cart = selectors.cart_for_request(request=request)
    if cart is None and create:
        if request.user.is_authenticated:
            cart = services.cart_get_or_create(user=request.user)
        else:
            if not request.session.session_key:
                request.session.save()
            cart = services.cart_get_or_create(session_key=request.session.session_key)
            request.session["cart_id"] = cart.pk
    return cart


def _cart_line(request, pk: int) -> CartLine:
    """A line of the visitor's own cart, or 404."""
    cart = _cart(request)
    if cart is None:
        raise Http404
    return get_object_or_404(CartLine, pk=pk, cart=cart)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def cart(request):
    summary = selectors.cart_summary(cart=_cart(request))
    _add_delivery_windows(summary)
    return render(request, "orders/cart.html", {"summary": summary, "line_form": CartLineForm()})


def _add_delivery_windows(summary, *, shipping_method: str = Order.ShippingMethod.STANDARD,
                          country: str | None = None):
    """Each seller's parcel gets its delivery window (orders.delivery); returns the whole order's."""
    windows = delivery.seller_windows([group.seller for group in summary.groups],
                                      shipping_method=shipping_method, country=country)
    for group in summary.groups:
        group.delivery = windows[group.seller.pk]
    return delivery.order_window(windows.values())


@require_POST
def cart_add(request):
    form = CartAddForm(request.POST)
    ok, message = False, ""
    if not form.is_valid():
        message = _("Choose a quantity of at least 1.")
    else:
        try:
            line = services.cart_add(cart=_cart(request, create=True),
                                     listing_id=form.cleaned_data["listing"],
                                     quantity=form.cleaned_data["quantity"])
        except ValidationError as error:
            message = _error_text(error)
        else:
            ok = True
            message = _("Added to your cart: %(product)s.") % {"product": line.listing.product}
    if request.htmx:
        return render(request, "orders/_add_to_cart_result.html",
                      {"ok": ok, "message": message,
                       "cart_item_count": selectors.cart_item_count(request=request)})
    (messages.success if ok else messages.error)(request, message)
    return redirect("orders:cart")


@require_POST
def cart_line_update(request, pk):
    line = _cart_line(request, pk)
    form = CartLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a quantity of 0 or more."))
        return redirect("orders:cart")
    try:
        kept = services.cart_update(line=line, quantity=form.cleaned_data["quantity"])
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Quantity updated.") if kept else _("Removed from your cart."))
    return redirect("orders:cart")


@require_POST
def cart_line_replace(request, pk):
    """The one-click swap of a sold-out line for the next offer of the same product × grade."""
    line = _cart_line(request, pk)
    form = CartLineReplaceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the offer to take instead."))
        return redirect("orders:cart")
    wanted = line.quantity
    try:
        line = services.cart_line_replace(line=line, listing_id=form.cleaned_data["listing"],
                                          price=form.cleaned_data["price"])
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        message = _("Replaced by the offer from %(seller)s at %(price)s.") % {
            "seller": line.listing.seller.name, "price": format_money(line.listing.price)}
        if line.quantity < wanted:
            message += " " + _("Only %(n)d left there: the quantity is now %(n)d.") % {"n": line.quantity}
        messages.success(request, message)
    return redirect("orders:cart")


@require_POST
def cart_line_remove(request, pk):
    services.cart_remove(line=_cart_line(request, pk))
    messages.success(request, _("Removed from your cart."))
    return redirect("orders:cart")


# --- Checkout -----------------------------------------------------------------------------------
CHECKOUT_SESSION_KEY = "checkout"


def _shipping_choices(cart, *, country: str | None) -> list[tuple[str, str]]:
    """Each shipping method with its fee and the delivery window it gives (orders.delivery)."""
    standard = selectors.cart_summary(cart=cart, shipping_method=Order.ShippingMethod.STANDARD)
    express = selectors.cart_summary(cart=cart, shipping_method=Order.ShippingMethod.EXPRESS)
    windows = {method: (_add_delivery_windows(summary, shipping_method=method, country=country)
                        or delivery.delivery_window(shipping_method=method, country=country)).text
               for method, summary in ((Order.ShippingMethod.STANDARD, standard),
                                       (Order.ShippingMethod.EXPRESS, express))}
    return [
        (Order.ShippingMethod.STANDARD, _("Standard tracked delivery: %(window)s (%(fee)s)")
         % {"window": windows[Order.ShippingMethod.STANDARD],
            "fee": format_money(standard.shipping_total) if standard.shipping_total else _("free")}),
        (Order.ShippingMethod.EXPRESS, _("Express delivery: %(window)s (%(fee)s)")
         % {"window": windows[Order.ShippingMethod.EXPRESS], "fee": format_money(express.shipping_total)}),
    ]


def _checkout_cart_or_redirect(request):
    cart = _cart(request)
    summary = selectors.cart_summary(cart=cart)
    if summary.is_empty:
        messages.info(request, _("Your cart is empty."))
        return None, redirect("orders:cart")
    if not summary.can_checkout:
        messages.error(request, _("Some lines of your cart cannot be bought as they are: see below."))
        return None, redirect("orders:cart")
    return cart, None


def checkout(request):
    """Step 1: delivery address, e-mail for guests and the shipping choice."""
    cart, response = _checkout_cart_or_redirect(request)
    if response:
        return response
    user = request.user
    addresses = list(Address.objects.filter(user=user)) if user.is_authenticated else []
    saved = request.session.get(CHECKOUT_SESSION_KEY, {})
    initial = {"shipping_method": saved.get("shipping_method", Order.ShippingMethod.STANDARD),
               "email": saved.get("email", ""), **saved.get("address", {})}
    if addresses:
        initial["saved_address"] = str(addresses[0].pk)
    form = CheckoutDeliveryForm(request.POST or None, user=user, addresses=addresses,
                                shipping_choices=_shipping_choices(
                                    cart, country=addresses[0].country if addresses else None),
                                initial=initial)
    if request.method == "POST" and form.is_valid():
        address = form.address_data()
        new_address = form.cleaned_data.get("saved_address") in (None, "", CheckoutDeliveryForm.NEW)
        if form.cleaned_data.get("save_address") and new_address:
            services.address_save(address=Address(user=user, **address))
        request.session[CHECKOUT_SESSION_KEY] = {
            "email": user.email if user.is_authenticated else form.cleaned_data["email"],
            "address": address, "shipping_method": form.cleaned_data["shipping_method"],
            # The prices this page showed: placing the order checks none of them rose since.
            "reviewed": services.cart_price_snapshot(cart=cart),
        }
        return redirect("orders:checkout_review")
    return render(request, "orders/checkout_delivery.html",
                  {"form": form, "summary": selectors.cart_summary(cart=cart), "step": 1})


REVIEW_SALT = "orders.checkout.review"
REVIEW_MAX_AGE = 24 * 3600


def _reviewed_prices(request, details: dict) -> dict[str, str]:
    """The prices the shopper saw: those signed into the review form they submit (a second tab
    keeps its own), else those the session last showed them; none means review again."""
    token = request.POST.get("reviewed", "")
    if token:
        try:
            return signing.loads(token, salt=REVIEW_SALT, max_age=REVIEW_MAX_AGE)
        except signing.BadSignature:
            pass
    return details.get("reviewed") or {}


def _price_change_notice(changes: list[dict]) -> str:
    parts = []
    for change in changes:
        if change["was"] is None:
            parts.append(_("%(product)s from %(seller)s: %(now)s") % {
                "product": change["product"], "seller": change["seller"], "now": format_money(change["now"])})
        else:
            parts.append(_("%(product)s from %(seller)s: was %(was)s, now %(now)s") % {
                "product": change["product"], "seller": change["seller"],
                "was": format_money(change["was"]), "now": format_money(change["now"])})
    return "; ".join(parts)


def checkout_review(request):
    """Step 2: everything at a glance; placing the order allocates the stock and goes to payment."""
    cart, response = _checkout_cart_or_redirect(request)
    if response:
        return response
    details = request.session.get(CHECKOUT_SESSION_KEY)
    if not details:
        return redirect("orders:checkout")
    if request.method == "POST":
        # Only the cart and the delivery details count: any price or total posted is ignored.
        try:
            order = services.order_place(cart=cart, email=details["email"],
                                         address=services.ShippingAddress(**details["address"]),
                                         user=request.user if request.user.is_authenticated else None,
                                         shipping_method=details["shipping_method"],
                                         reviewed_prices=_reviewed_prices(request, details))
        except services.PricesChanged as error:
            messages.warning(request, f"{error.message} {_price_change_notice(error.changes)}")
            return redirect("orders:checkout_review")
        except services.CheckoutError as error:
            messages.error(request, error.message)
            return redirect("orders:cart")
        response = _pay(request, order)
        if order.user_id is None:
            guest_access.access_grant(response=response, order=order)
        return response
    summary = selectors.cart_summary(cart=cart, shipping_method=details["shipping_method"])
    snapshot = services.cart_price_snapshot(cart=cart)
    if details.get("reviewed") != snapshot:
        request.session[CHECKOUT_SESSION_KEY] = {**details, "reviewed": snapshot}
    return render(request, "orders/checkout_review.html",
                  {"summary": summary, "details": details, "step": 2,
                   "reviewed": signing.dumps(snapshot, salt=REVIEW_SALT),
                   "shipping_label": Order.ShippingMethod(details["shipping_method"]).label,
                   "delivery": _add_delivery_windows(summary, shipping_method=details["shipping_method"],
                                                     country=details["address"].get("country"))})


def _pay(request, order: Order):
    order_url = request.build_absolute_uri(reverse("orders:order_detail", args=[order.number]))
    try:
        payment = services.payment_start(order=order, success_url=order_url, cancel_url=order_url)
    except services.PaymentError as error:
        messages.error(request, error.message)
        return redirect("orders:order_detail", number=order.number)
    return redirect(payment.redirect_url)


# --- Orders -------------------------------------------------------------------------------------
def order_detail(request, number):
    """The confirmation page: paid only once the provider's event said so, never on return."""
    if guest_access.LINK_PARAMETER in request.GET:
        return _order_link_open(request, number, request.GET[guest_access.LINK_PARAMETER])
    order = selectors.order_for_visitor(request=request, number=number)
    payments = list(order.payments.all())
    latest = payments[0] if payments else None
    template = "orders/_order_status.html" if request.htmx else "orders/order_detail.html"
    return render(request, template, {
        "order": order, "payment": latest, "step": 4 if order.status == Order.Status.PAID else 3,
        "parts": _order_lines_info(order),
        # Once a seller has acted, the page is about the parcels, not the checkout any more.
        "after_sale": any(so.state not in ("awaiting_payment", "paid") for so in order.seller_orders.all()),
        "waiting": order.status == Order.Status.AWAITING_PAYMENT and latest is not None
        and latest.status == Payment.Status.PENDING,
    })


def _order_link_open(request, number: str, token: str):
    """A signed link from an e-mail: this browser gets the order's cookie and the plain URL, so
    the token leaves the address bar. An expired link leads to the page that sends a fresh one."""
    try:
        signed_number = guest_access.order_token_number(token=token)
    except signing.SignatureExpired:
        messages.info(request, _("This link to your order has expired. Enter your order number and "
                                 "e-mail address to receive a fresh one."))
        return redirect("orders:order_lookup")
    except signing.BadSignature:
        raise Http404 from None
    order = Order.objects.filter(number=number).only("pk", "number", "user_id").first()
    if order is None or signed_number != order.number:
        raise Http404
    order_url = reverse("orders:order_detail", args=[order.number])
    if order.user_id is not None and request.user.pk != order.user_id:
        # The order joined an account after this e-mail left: its owner logs in to see it.
        return redirect_to_login(order_url)
    response = redirect(order_url)
    if order.user_id is None:
        guest_access.access_grant(response=response, order=order)
    return response


@require_http_methods(["GET", "POST"])
def order_lookup(request):
    """A guest asks for a fresh link to an order by its number and e-mail address. The answer is
    the same whether or not such an order exists; the link goes only to the order's address."""
    form = OrderLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number, email = form.cleaned_data["number"], form.cleaned_data["email"]
        # Per address and order, on top of the per-IP limit: nobody floods a mailbox from here.
        limit, window = parse_rate(guest_access.LOOKUP_RATE_PER_ADDRESS)
        if not consume(f"order-lookup:{email.lower()}:{number}", limit=limit, window=window):
            tasks.send_order_link.delay(number, email)
        messages.success(request, _("If an order %(number)s was placed with %(email)s, a link to it "
                                    "is on its way to that address. It opens the order for %(days)s "
                                    "days.") % {"number": number, "email": email,
                                                "days": guest_access.LINK_MAX_AGE.days})
        return redirect("orders:order_lookup")
    return render(request, "orders/order_lookup.html", {"form": form})


@require_POST
def order_pay(request, number):
    order = selectors.order_for_visitor(request=request, number=number)
    return _pay(request, order)


@require_POST
def order_cancel(request, number):
    order = selectors.order_for_visitor(request=request, number=number)
    if services.order_release(order=order, reason="cancelled by the shopper",
                              status=Order.Status.CANCELLED):
        messages.success(request, _("Order %(number)s is cancelled; your cart is as you left it.")
                         % {"number": order.number})
    return redirect("orders:cart")


@login_required
def order_list(request):
    orders = selectors.orders_for_user(user=request.user)[:50]
    return render(request, "orders/account/order_list.html", {"orders": orders, "section": "orders"})


# --- Payments -----------------------------------------------------------------------------------
@csrf_exempt
@require_POST
def payment_webhook(request, provider):
    """Stripe (and the test provider) post events here; the signature is checked on the raw body."""
    if provider not in ("stripe", "test"):
        return HttpResponse(status=404)
    try:
        outcome = services.payment_event_process(
            provider_name=provider, payload=request.body,
            signature=request.headers.get("Stripe-Signature", ""))
    except InvalidEvent:
        return HttpResponseBadRequest("invalid event")
    except ProviderUnavailable as error:
        # Nothing was stored: the provider delivers the event again, and it is applied then.
        logger.warning("%s webhook deferred, provider unavailable: %s", provider, error)
        return HttpResponse("provider unavailable, retry later", status=503)
    return HttpResponse(outcome)


def test_provider_pay(request, reference):
    """The built-in test provider's payment page (only when it is the provider in use)."""
    payment = get_object_or_404(Payment.objects.select_related("order"), provider="test",
                                provider_reference=reference)
    order = selectors.order_for_visitor(request=request, number=payment.order.number)
    if payment.status != Payment.Status.PENDING or order.status != Order.Status.AWAITING_PAYMENT:
        return redirect("orders:order_detail", number=order.number)
    form = TestCardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        provider = get_provider("test")
        payload, signature = provider.charge(payment=payment, card_number=form.cleaned_data["card_number"])
        # The same code path as a Stripe webhook: verify the signature, store the event, apply it.
        services.payment_event_process(provider_name="test", payload=payload, signature=signature)
        return redirect("orders:order_detail", number=order.number)
    return render(request, "orders/test_provider_pay.html", {"form": form, "payment": payment,
                                                             "order": order, "step": 3})


@login_required
def account(request):
    addresses = Address.objects.filter(user=request.user)[:3]
    return render(request, "orders/account/home.html", {"addresses": addresses, "section": "home"})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("orders:profile")
    return render(request, "orders/account/profile.html", {"form": form, "section": "profile"})


def _user_address(request, pk: int) -> Address:
    """The signed-in user's address, or 404: another shopper's address does not exist for them."""
    return get_object_or_404(Address, pk=pk, user=request.user)


@login_required
def address_list(request):
    addresses = Address.objects.filter(user=request.user)
    return render(request, "orders/account/address_list.html",
                  {"addresses": addresses, "section": "addresses"})


@login_required
def address_create(request):
    return _address_form(request, Address(user=request.user))


@login_required
def address_update(request, pk):
    return _address_form(request, _user_address(request, pk))


def _address_form(request, address: Address):
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        services.address_save(address=form.save(commit=False))
        messages.success(request, _("Address saved."))
        return redirect("orders:address_list")
    return render(request, "orders/account/address_form.html",
                  {"form": form, "address": address, "section": "addresses"})


@login_required
@require_POST
def address_delete(request, pk):
    services.address_delete(address=_user_address(request, pk))
    messages.success(request, _("Address deleted."))
    return redirect("orders:address_list")


# --- After the sale: tracking, invoice, returns ---------------------------------------------------
def _order_lines_info(order: Order) -> list:
    """Per seller order: its tracking link; per line: the warranty end and what the shopper may do."""
    from aftersales.selectors import order_claims  # after-sales builds on orders, not the reverse

    now = timezone.now()
    claims = order_claims(order)
    info = []
    for seller_order in order.seller_orders.all():
        deadline = fulfilment.return_deadline(seller_order)
        lines = []
        for line in seller_order.lines.all():
            start = seller_order.delivered_at
            ret = getattr(line, "return_request", None)
            lines.append({
                "line": line, "ret": ret,
                "warranty_end": fulfilment.warranty_end(delivered_at=start, months=line.warranty_months),
                "can_return": (seller_order.state == SellerOrder.State.DELIVERED and ret is None
                               and deadline is not None and now <= deadline),
                **claims[line.pk],  # its warranty claims and whether one may be opened
            })
        info.append({"seller_order": seller_order, "lines": lines, "return_deadline": deadline,
                     "tracking_url": fulfilment.tracking_url(carrier=seller_order.carrier,
                                                             tracking_number=seller_order.tracking_number)})
    return info


def order_invoice(request, number):
    """A printable receipt of a paid order (the seller of each part is named on it)."""
    order = selectors.order_for_visitor(request=request, number=number)
    if order.status == Order.Status.AWAITING_PAYMENT or not order.paid_at:
        raise Http404
    return render(request, "orders/invoice.html", {"order": order, "parts": _order_lines_info(order)})


def return_request(request, number, line_id):
    """The shopper asks to return one line of a delivered order, within the return window."""
    order = selectors.order_for_visitor(request=request, number=number)
    line = next((item for part in order.seller_orders.all() for item in part.lines.all()
                 if item.pk == line_id), None)
    if line is None:
        raise Http404
    form = ReturnRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fulfilment.return_request_create(order_line=line, reason=form.cleaned_data["reason"],
                                             comment=form.cleaned_data["comment"],
                                             user=request.user if request.user.is_authenticated else None)
        except fulfilment.TransitionError as error:
            messages.error(request, error.message)
            return redirect("orders:order_detail", number=order.number)
        except ValidationError as error:
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("Your return request is sent to the seller. We will e-mail you "
                                        "their answer."))
            return redirect("orders:order_detail", number=order.number)
    deadline = fulfilment.return_deadline(line.seller_order)
    return render(request, "orders/return_request.html", {"order": order, "line": line, "form": form,
                                                           "deadline": deadline})
