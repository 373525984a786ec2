"""The shopper's pages: "Sell your device" (model, variant, plain questions), the quote (the best
offer for the answers, stored and held 14 days, on a page of its own to come back to), accepting
it, the status page, the printable shipping slip and the shopper's answers to each step."""
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import ProductModel
from marketplace.admin_actions import refusal_text
from marketplace.templatetags.money import format_money

from . import services
from .access import shopper_quote_get, shopper_trade_in_get
from .forms import IbanForm, TrackingForm
from .iban import iban_masked
from .photos import trade_in_photo_response
from .quotes import Answers, AnswersForm
from .selectors import models_with_offers, products_with_offers, shopper_quotes_held, shopper_trade_ins
from .states import TransitionError

MODELS_ON_PAGE = 60
HELD_QUOTES = "tradein_quotes"  # the session's quote tokens, before its shopper logs in
HELD_QUOTES_MAX = 20


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


def _held(request) -> list[str]:
    """The quote tokens given to this browser before its shopper logged in (newest last)."""
    held = request.session.get(HELD_QUOTES, [])
    return [token for token in held if isinstance(token, str)] if isinstance(held, list) else []


def _hold(request, quote) -> None:
    held = [token for token in _held(request) if token != quote.token]
    request.session[HELD_QUOTES] = [*held, quote.token][-HELD_QUOTES_MAX:]


def _sell_page(request, model, *, form=None, product=None, notice="", status=200):
    """The model's variants and the plain questions. GET may name the variant and the answers
    (to change them after a quote); a POST that gives no quote shows the page again, a 200."""
    products = list(products_with_offers(model=model))
    if form is None:
        names = set(AnswersForm.base_fields)
        form = AnswersForm(initial={k: v for k, v in request.GET.items() if k in names})
        product = _chosen_product(products, request.GET.get("product"))
    return render(request, "tradein/sell_model.html", {
        "model": model, "products": products, "product": product, "form": form, "notice": notice,
    }, status=status)


@require_http_methods(["GET", "POST"])
def sell_model(request, slug):
    """GET: the questions. POST: the answers; the best offer for them is stored as a quote, held 14
    days, and the shopper is sent to its page (to come back to after logging in)."""
    model = _model(slug)
    if request.method == "GET":
        return _sell_page(request, model)
    form = AnswersForm(request.POST)
    product = _chosen_product(list(products_with_offers(model=model)), request.POST.get("product"))
    if product is None:
        form.add_error(None, _("Choose the variant of your device."))
    if not form.is_valid():
        return _sell_page(request, model, form=form, product=product)
    quote = services.trade_in_quote_give(product=product, answers=Answers.of(form.cleaned_data),
                                         shopper=request.user, held=_held(request))
    if quote is None:
        return _sell_page(request, model, form=form, product=product,
                          notice=_("No seller buys this device in this condition at the moment."))
    _hold(request, quote)
    return redirect("tradein:quote", token=quote.token)


def _quote(request, token):
    """The quote, or a redirect to log in for a visitor whose browser was not given it."""
    if not request.user.is_authenticated and token not in _held(request):
        return None
    quote = shopper_quote_get(user=request.user, held=_held(request), token=token)
    if quote.shopper_id is None and request.user.is_authenticated:
        quote = services.trade_in_quote_claim(quote=quote, shopper=request.user)
    return quote


def _quote_page(request, quote, *, iban_form=None, notice="", status=200):
    trade_in = getattr(quote, "trade_in", None) if quote.pk else None
    change_answers = {"product": quote.product_id,
                      **{name: ("yes" if value else "no") if isinstance(value, bool) else value
                         for name, value in quote.answers.items() if value is not None}}
    return render(request, "tradein/quote.html", {
        "quote": quote, "model": quote.product.model, "trade_in": trade_in,
        "expired": quote.valid_until <= timezone.now(), "iban_form": iban_form or IbanForm(),
        "refusal": services.shopper_can_accept(request.user), "notice": notice,
        "answers": _answer_rows(change_answers), "change_query": urlencode(change_answers),
    }, status=status)


def _answer_rows(answers: dict) -> list[tuple[str, str]]:
    """The shopper's answers in the words of the questions, for the quote page."""
    rows = []
    for name, field in AnswersForm.base_fields.items():
        value = answers.get(name)
        if name == "battery_health":
            shown = f"{value} %" if value is not None else _("Not known")
        else:
            shown = dict(field.choices).get(value, "")
        rows.append((field.label, shown))
    return rows


@require_GET
def quote(request, token):
    """The stored quote: the same offer whenever the shopper comes back to it within 14 days."""
    quote = _quote(request, token)
    if quote is None:
        return redirect_to_login(request.get_full_path())
    return _quote_page(request, quote)


def _renewed(request, quote, refusal: str):
    """After a quote that can no longer be accepted: today's best offer, with why."""
    fresh = services.trade_in_quote_renew(quote=quote, shopper=request.user, held=_held(request))
    if fresh is None:
        messages.error(request, " ".join([refusal, _("No seller buys this device in this condition at the "
                                                     "moment.")]).strip())
        return redirect("tradein:sell_model", slug=quote.product.model.slug)
    _hold(request, fresh)
    if fresh.pk != quote.pk:
        messages.warning(request, " ".join([refusal, _("Here is today's best offer for the same answers: "
                                                       "%(price)s from %(seller)s, valid until %(date)s.") % {
            "price": format_money(fresh.price), "seller": fresh.seller.name,
            "date": date_format(timezone.localtime(fresh.valid_until), "DATE_FORMAT")}]).strip())
    return redirect("tradein:quote", token=fresh.token)


@require_POST
def quote_accept(request, token):
    """Accepts the quote at its stored price (nothing posted is read but the IBAN)."""
    quote = _quote(request, token)
    if quote is None or not request.user.is_authenticated:
        return redirect_to_login(reverse("tradein:quote", args=[token]))
    iban_form = IbanForm(request.POST)
    if not iban_form.is_valid():
        return _quote_page(request, quote, iban_form=iban_form)
    try:
        trade_in = services.trade_in_accept(quote=quote, shopper=request.user,
                                            iban=iban_form.cleaned_data["iban"])
    except services.QuoteUsed as exc:
        messages.info(request, refusal_text(exc))
        return redirect("tradein:status", number=exc.trade_in.number)
    except services.QuoteRefused as exc:
        return _renewed(request, quote, refusal_text(exc))
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "iban" in exc.error_dict:
            iban_form.add_error("iban", exc.error_dict["iban"])
            return _quote_page(request, quote, iban_form=iban_form)
        return _quote_page(request, quote, iban_form=iban_form, notice=refusal_text(exc))
    messages.success(request, _("Deal! Print the shipping slip and send your device within 14 days."))
    return redirect("tradein:status", number=trade_in.number)


@require_POST
def quote_renew(request, token):
    """An expired quote: today's best offer for the same answers."""
    quote = _quote(request, token)
    if quote is None:
        return redirect_to_login(reverse("tradein:quote", args=[token]))
    if quote.valid_until > timezone.now():
        return redirect("tradein:quote", token=quote.token)
    return _renewed(request, quote, "")


@login_required
@require_GET
def my_trade_ins(request):
    return render(request, "tradein/my_trade_ins.html",
                  {"trade_ins": shopper_trade_ins(user=request.user)[:100],
                   "quotes": shopper_quotes_held(user=request.user)[:20]})


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
