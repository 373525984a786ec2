"""The shopper's pages: "Sell your device" (model, variant, plain questions, the best offer),
accepting it, the status page, the printable shipping slip and the shopper's answers."""
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalog.models import ProductModel
from marketplace.admin_actions import refusal_text

from . import services
from .access import shopper_trade_in_get
from .forms import IbanForm, TrackingForm
from .iban import iban_masked
from .photos import trade_in_photo_response
from .quotes import Answers, AnswersForm, quote_for
from .selectors import models_with_offers, products_with_offers, shopper_trade_ins
from .states import TransitionError

MODELS_ON_PAGE = 60


@require_GET
def sell_start(request):
    models = models_with_offers()
    query = request.GET.get("q", "").strip()[:100]
    if query:
        models = models.filter(name__icontains=query)
    return render(request, "tradein/sell_start.html", {"models": models[:MODELS_ON_PAGE], "query": query})


def _model(slug: str) -> ProductModel:
    return get_object_or_404(ProductModel.objects.select_related("brand"), slug=slug, is_published=True)


def _chosen_product(products, raw):
    try:
        return next((product for product in products if product.pk == int(raw)), None)
    except (TypeError, ValueError):
        return None


def _quote_page(request, model, data, *, iban_form=None, status=200, notice=""):
    """The model's variants and questions; with a variant and valid answers, the best offer. A
    refused acceptance shows this page again with its message (a 200, as the site's forms do)."""
    products = list(products_with_offers(model=model))
    form = AnswersForm(data) if data.get("product") else AnswersForm()
    product = _chosen_product(products, data.get("product"))
    quote = None
    if form.is_bound and product is None:
        form.add_error(None, _("Choose the variant of your device."))
    if form.is_bound and form.is_valid() and product is not None:
        quote = quote_for(product_id=product.pk, answers=Answers.of(form.cleaned_data))
    return render(request, "tradein/sell_model.html", {
        "model": model, "products": products, "product": product, "form": form, "quote": quote,
        "iban_form": iban_form or IbanForm(), "refusal": services.shopper_can_accept(request.user),
        "answers_query": request.GET.urlencode() if request.method == "GET" else "", "notice": notice,
    }, status=status)


@require_GET
def sell_model(request, slug):
    return _quote_page(request, _model(slug), request.GET)


@login_required
@require_POST
def sell_accept(request, slug):
    """Accepts the best offer for the posted answers: the price is computed here again, and the
    shopper is told if it is no longer the one the page showed."""
    model = _model(slug)
    form, iban_form = AnswersForm(request.POST), IbanForm(request.POST)
    product = _chosen_product(list(products_with_offers(model=model)), request.POST.get("product"))
    try:
        seen_price = Decimal(request.POST.get("seen_price", ""))
    except (InvalidOperation, ValueError):
        seen_price = None
    if not (form.is_valid() and iban_form.is_valid() and product is not None and seen_price is not None):
        return _quote_page(request, model, request.POST, iban_form=iban_form, status=200)
    try:
        trade_in = services.trade_in_accept(shopper=request.user, product=product,
                                            answers=Answers.of(form.cleaned_data),
                                            iban=iban_form.cleaned_data["iban"], seen_price=seen_price)
    except services.QuoteChanged as exc:
        return _quote_page(request, model, request.POST, iban_form=iban_form, status=200,
                           notice=refusal_text(exc))
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "iban" in exc.error_dict:
            iban_form.add_error("iban", exc.error_dict["iban"])
            return _quote_page(request, model, request.POST, iban_form=iban_form, status=200)
        return _quote_page(request, model, request.POST, iban_form=iban_form, status=200,
                           notice=refusal_text(exc))
    messages.success(request, _("Deal! Print the shipping slip and send your device within 14 days."))
    return redirect("tradein:status", number=trade_in.number)


@login_required
@require_GET
def my_trade_ins(request):
    return render(request, "tradein/my_trade_ins.html",
                  {"trade_ins": shopper_trade_ins(user=request.user)[:100]})


@login_required
@require_GET
def status(request, number):
    trade_in = shopper_trade_in_get(user=request.user, number=number)
    return render(request, "tradein/status.html", {
        "trade_in": trade_in, "history": trade_in.transitions.all(), "photos": trade_in.photos.all(),
        "iban": iban_masked(trade_in.iban), "tracking_form": TrackingForm(), "S": trade_in.State})


@login_required
@require_GET
def photo(request, number, pk):
    """A photo the seller took at inspection, to the trade-in's own shopper only."""
    trade_in = shopper_trade_in_get(user=request.user, number=number)
    return trade_in_photo_response(trade_in=trade_in, pk=pk)


@login_required
@require_GET
def slip(request, number):
    trade_in = shopper_trade_in_get(user=request.user, number=number)
    if trade_in.state != trade_in.State.ACCEPTED and trade_in.state != trade_in.State.SHIPPED:
        raise Http404
    return render(request, "tradein/slip.html", {"trade_in": trade_in})


def _shopper_step(request, number, step):
    trade_in = shopper_trade_in_get(user=request.user, number=number)
    try:
        step(trade_in)
    except (ValidationError, TransitionError) as exc:
        messages.error(request, refusal_text(exc))
    return redirect(reverse("tradein:status", args=[trade_in.number]))


@login_required
@require_POST
def mark_shipped(request, number):
    return _shopper_step(request, number, lambda trade_in: services.trade_in_mark_shipped(
        trade_in=trade_in, shopper=request.user, tracking=request.POST.get("tracking", "")))


@login_required
@require_POST
def cancel(request, number):
    return _shopper_step(request, number, lambda trade_in: services.trade_in_cancel(
        trade_in=trade_in, shopper=request.user))


@login_required
@require_POST
def counter_answer(request, number):
    return _shopper_step(request, number, lambda trade_in: services.trade_in_counter_answer(
        trade_in=trade_in, shopper=request.user, answer=request.POST.get("answer", "")))
