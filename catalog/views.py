"""Shopper browsing pages: home, category, search (and suggestions), device model; thin views."""
import json
from functools import partial
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from marketplace import layout
from orders import delivery
from tradein.templatetags import trade_in

from . import cache, cards, selectors
from .forms import SORT_CHOICES, CategoryFilterForm, SearchFilterForm
from .grades import GRADE_DETAILS
from .models import Grade

PAGE_SIZE = 24


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    tree = selectors.category_tree()
    categories = [(category, tree.children(category)) for category in tree.children(None)]
    page = cards.home_page()
    return render(request, "catalog/home.html", {
        "categories": categories, "deals": page.deals, "popular": page.popular, "cards_key": page.key,
    })


def _page_param(request: HttpRequest) -> str:
    return request.GET.get("page", "")[:10]


@require_GET
def category(request: HttpRequest, slug: str) -> HttpResponse:
    category, tree = selectors.category_by_slug(slug)
    category_ids = tree.descendant_ids(category)
    versions = cache.category_versions(category_ids)
    facets = cache.get_or_build(cache.versioned_key("facets", category_ids, versions[0]),
                                lambda: selectors.category_facets(category_ids=category_ids))
    form = CategoryFilterForm(request.GET, facets=facets)
    filters = form.filters()
    page_param = _page_param(request)

    def build():
        rows = cards.category_models(category_ids=category_ids, filters=filters)
        page = Paginator(rows, PAGE_SIZE).get_page(page_param)
        return len(rows), page.number, cards.category_cards(page.object_list)

    cards_key = cache.versioned_key("category", category_ids, filters, page_param, versions)
    count, number, models = cache.get_or_build(cards_key, build)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "category": category,
        "ancestors": tree.ancestors(category),
        "subcategories": tree.children(category),
        "form": form,
        "filters": filters,
        "sort_choices": SORT_CHOICES,
        "page_obj": Paginator(range(count), PAGE_SIZE).get_page(number),
        "models": models,
        "cards_key": cards_key,
        # The filter form shows the raw input (and its errors): keyed by it and the facets.
        "filters_key": cache.versioned_key("filters", category_ids, sorted(request.GET.lists()), versions[0]),
        "querystring": query.urlencode(),
    }
    template = "catalog/_category_results.html" if request.htmx else "catalog/category.html"
    return render(request, template, context)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    page_param = _page_param(request)
    search_filter = SearchFilterForm(request.GET)
    battery = search_filter.chosen_battery()

    def build():
        models = selectors.models_with_battery(selectors.search_models(query=query), battery)
        page = Paginator(models, PAGE_SIZE).get_page(page_param)
        return page.paginator.count, page.number, cards.priced_cards(
            page.object_list, offer_filter=selectors.OfferFilter(battery=battery))

    cards_key = cache.versioned_key("search", query.lower(), page_param, battery, cache.generations())
    count, number, models = cache.get_or_build(cards_key, build)
    return render(request, "catalog/search.html", {
        "query": query,
        "page_obj": Paginator(range(count), PAGE_SIZE).get_page(number),
        "models": models,
        "cards_key": cards_key,
        "search_filter": search_filter,
        "battery": battery,
        "querystring": urlencode({key: value for key, value in (("q", query), ("battery", battery))
                                  if value}),
    })


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    key = cache.versioned_key("suggest", query.lower(), cache.catalog_generation())
    return render(request, "catalog/_suggestions.html", {
        "query": query,
        "results": cache.get_or_build(key, lambda: selectors.search_suggestions(query=query)),
    })


@require_GET
def grades(request: HttpRequest) -> HttpResponse:
    """What each grade looks like, drawn (linked from every grade picker)."""
    return render(request, "catalog/grades.html", {"details": GRADE_DETAILS})


def _model_url(base: str, product, grade: str) -> str:
    return f"{base}?variant={product.slug}&grade={grade}"


# Stands for the reader's CSRF token in the cached body of a product page.
CSRF_PLACEHOLDER = layout.CSRF
# Stands for the trade-in callout in a page shell: it has its own cache (tradein.templatetags).
TRADE_IN_PLACEHOLDER = "trade-in-placeholder-5d0b8c2e"


@require_GET
def model_detail(request: HttpRequest, slug: str) -> HttpResponse:
    variant, grade = request.GET.get("variant"), request.GET.get("grade")
    # The page's parts depend on the page version, the language and the scheme and host (absolute
    # URLs of the structured data), never on the reader: one rendering serves every shopper. They
    # are read first, so a warm page costs two cache reads and no unpickling of the page's data;
    # for an anonymous reader the whole page is a shell this process may hold already (one read of
    # the versions, marketplace/layout.py).
    # The trade-in callout's answer has a cache of its own, read in the same round trip.
    wanted = {trade_in.KEY.format(slug): None}
    page_key = selectors.model_page_key(slug=slug, variant_slug=variant, grade=grade, also=wanted)
    # And on the day: the delivery windows shown move with it.
    key = cache.versioned_key("model-html", page_key, get_language(), request.scheme, request.get_host(),
                              delivery.local_today())
    shell = layout.serves_shell(request)
    if shell and (text := layout.recall(key)) is not None:
        return _shell_response(request, text, slug, *wanted.values())
    canonical = request.build_absolute_uri(reverse("catalog:model", kwargs={"slug": slug}))
    parts = cache.cache.get(key)
    data, store = None, False
    if parts is None:
        data = selectors.model_page(slug=slug, variant_slug=variant, grade=grade, key=page_key, store=False)
        parts = _model_detail_parts(request, data, canonical)
        store = True
    # Only the pages a request can name are stored (see model_page).
    storable = data is None or bool(data.cache_key)
    # The page's data, read only if something asks for it (the layout does not).
    page = data or SimpleLazyObject(partial(selectors.model_page, slug=slug, variant_slug=variant,
                                            grade=grade, key=page_key))
    context = {
        "page": page,
        "model": SimpleLazyObject(lambda: page.model),
        # Rendered (and escaped) by the template engine, or escaped by _json_ld.
        "parts": {name: mark_safe(text) for name, text in parts.items() if name != "shell"},  # noqa: S308
        "content": mark_safe(parts["content"]),  # noqa: S308
        "canonical_url": canonical,
    }
    if shell and "shell" not in parts:
        # The whole page, the same for every anonymous reader: rendered once, then filled in.
        parts["shell"] = render_to_string("catalog/model_detail.html", {
            **context, **layout.SHELL_CONTEXT, "trade_in": TRADE_IN_PLACEHOLDER}, request)
        store = True
    if store and storable:
        cache.cache.set(key, parts, cache.TTL)
    if shell:
        text = layout.Shell(parts["shell"], TRADE_IN_PLACEHOLDER)
        if storable:
            layout.remember(key, text)
        return _shell_response(request, text, slug, *wanted.values())
    if CSRF_PLACEHOLDER in parts["content"]:
        content = parts["content"].replace(CSRF_PLACEHOLDER, get_token(request))
        context["content"] = mark_safe(content)  # noqa: S308 - rendered by the template engine
    return render(request, "catalog/model_detail.html", context)


def _shell_response(request: HttpRequest, shell: layout.Shell, slug: str, trade_in_wanted) -> HttpResponse:
    callout = trade_in.trade_in_link(slug, trade_in_wanted)
    return HttpResponse(shell.fill(request, **{TRADE_IN_PLACEHOLDER: callout}))


def _model_detail_parts(request: HttpRequest, data: selectors.ModelPage, canonical: str) -> dict[str, str]:
    """The title, description, structured data and body of a product page, rendered."""
    base = reverse("catalog:model", kwargs={"slug": data.model.slug})
    for dimension in data.dimensions:
        for choice in dimension.choices:
            choice.url = _model_url(base, choice.product, choice.grade)
    for grade in data.grades:
        grade.url = _model_url(base, data.variant, grade.grade)
    _with_delivery(([data.buy_box] if data.buy_box else []) + list(data.other_offers))
    context = {"page": data, "model": data.model, "grade_label": Grade(data.grade).label,
               "grade_details": GRADE_DETAILS,
               "offers_url": _model_url(reverse("catalog:model_offers", kwargs={"slug": data.model.slug}),
                                        data.variant, data.grade) if data.more_offers else "",
               "csrf_token": CSRF_PLACEHOLDER}
    meta = get_template("catalog/_model_detail_meta.html")
    return {  # plain strings: marked safe again when shown
        "title": meta.render({**context, "part": "title"}).strip(),
        "meta_description": meta.render({**context, "part": "meta_description"}).strip(),
        "json_ld": str(_json_ld(request, data, canonical)),
        "content": render_to_string("catalog/_model_detail_content.html", context),
    }


def _with_delivery(offers: list) -> None:
    """Each offer's delivery dates, from its seller's shipping days (orders.delivery)."""
    standard = delivery.seller_windows([offer.seller for offer in offers])
    express = delivery.seller_windows([offer.seller for offer in offers], shipping_method="express")
    for offer in offers:
        offer.delivery, offer.delivery_express = standard[offer.seller_id], express[offer.seller_id]


@require_GET
def model_offers(request: HttpRequest, slug: str) -> HttpResponse:
    """Every offer of a variant × grade: the product page shows the best few and links here; htmx
    puts the other offers in the page's list, without it this is a page of its own."""
    model, variant, grade = selectors.model_variant(slug=slug, variant_slug=request.GET.get("variant"),
                                                    grade=request.GET.get("grade"))
    offers = selectors.product_offers(product=variant, grade=grade)
    if request.htmx:
        offers = offers[1:]  # the buy box is on the page already
    _with_delivery(offers)
    context = {"model": model, "variant": variant, "grade_label": Grade(grade).label, "offers": offers,
               "product_url": _model_url(reverse("catalog:model", kwargs={"slug": slug}), variant, grade)}
    template = "catalog/_offer_list.html" if request.htmx else "catalog/model_offers.html"
    return render(request, template, context)


def _json_ld(request: HttpRequest, data: selectors.ModelPage, canonical: str) -> str:
    """schema.org Product with an AggregateOffer over every variant and grade in stock."""
    from django.conf import settings

    model = data.model
    product = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": f"{model.brand.name} {model.name}",
        "brand": {"@type": "Brand", "name": model.brand.name},
        "description": model.description,
        "url": canonical,
        "sku": data.variant.reference,
        "itemCondition": "https://schema.org/RefurbishedCondition",
    }
    if data.images:
        product["image"] = [request.build_absolute_uri(image.large_url) for image in data.images]
    if data.low_price is not None:
        product["offers"] = {
            "@type": "AggregateOffer",
            "priceCurrency": settings.MARKETPLACE_CURRENCY,
            "lowPrice": data.low_price,
            "highPrice": data.high_price,
            "offerCount": data.offer_count,
            "availability": "https://schema.org/InStock",
        }
    text = json.dumps(product, cls=DjangoJSONEncoder)
    # Never let the data close the <script> element.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308 - escaped above
