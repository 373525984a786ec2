"""Offers in HTML, for the product page and the page of every offer of a variant × grade:
{% offer_list offers more_url more_count %} the list of offers, one row each; {% buy_box_offer page %}
the product page's buy box when it has an offer; {% add_to_cart offer %} an offer's form;
{% seller_rating seller %} and {% offer_device offer %} the seller's rating and the device's facts.

Written in Python rather than as included templates: a row through the template engine was about
1.1 ms of a product page built after the cache was emptied (three includes, a URL, translations:
half of rendering the page's body). The words are translated once per list, values escaped as the
templates did, and the markup is the former catalog/_offer_list.html, orders/_add_to_cart.html and
the buy box of catalog/_model_detail_content.html byte for byte (the tests and the browser tests
read it). The rating and the device's facts stay templates (reviews/_rating.html,
catalog/_offer_device.html), each rendered once per process for each set of its values
(`language_part`); here they are rendered without an include's context. Words are looked up
outside the f-strings: makemessages does not read calls inside them.
"""
from django import template
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from marketplace.html import csrf_field, money

register = template.Library()

_SLUG_PLACEHOLDER = "slug-placeholder-7f3a"
# The most a shopper may put in the cart at once from an offer (the form's max).
MOST_AT_ONCE = 10


class _Forms:
    """What every add-to-cart form of a page shares: the CSRF field, the URL and the words."""

    def __init__(self, context):
        self.csrf = csrf_field(context)
        self.action = reverse("orders:cart_add")
        self.quantity = escape(gettext("Quantity"))
        self.add = escape(gettext("Add to cart"))

    def form(self, listing) -> str:
        pk, available = listing.pk, listing.available
        most = available if available and available < MOST_AT_ONCE else MOST_AT_ONCE
        return (
            f'\n<form method="post" action="{self.action}" class="add-to-cart" '
            f'style="display:flex;flex-wrap:wrap;gap:.5rem;align-items:center"\n'
            f'      hx-post="{self.action}" hx-target="#add-to-cart-status-{pk}" hx-swap="innerHTML">\n'
            f'  {self.csrf}\n'
            f'  <input type="hidden" name="listing" value="{pk}">\n'
            f'  <label class="add-to-cart-quantity" for="add-quantity-{pk}">\n'
            f'    <span class="visually-hidden">{self.quantity}</span>\n'
            f'    <input id="add-quantity-{pk}" type="number" name="quantity" value="1" min="1"\n'
            f'           max="{most}" inputmode="numeric" style="width:4.5rem">\n'
            f'  </label>\n'
            f'  <button type="submit" class="btn btn-primary">{self.add}</button>\n'
            f'  <div id="add-to-cart-status-{pk}" class="add-to-cart-status" style="flex-basis:100%" '
            f'role="status" aria-live="polite"></div>\n'
            f'</form>\n'
        )


def _rating(seller) -> str:
    return get_template("reviews/_rating.html").render({"seller": seller})


def _device(offer) -> str:
    return get_template("catalog/_offer_device.html").render({"offer": offer})


def _warranty(months: int) -> str:
    return ngettext("%(months)s-month warranty", "%(months)s-month warranty", months) % {"months": months}


@register.simple_tag(takes_context=True)
def add_to_cart(context, listing) -> str:
    """The form that puts one of this offer in the cart (with htmx the header's #cart-count updates
    in place; without JavaScript the form posts and the cart page opens)."""
    return mark_safe(_Forms(context).form(listing))  # noqa: S308 - escaped above


@register.simple_tag
def seller_rating(seller) -> str:
    return mark_safe(_rating(seller))  # noqa: S308 - rendered by the template engine


@register.simple_tag
def offer_device(offer) -> str:
    return mark_safe(_device(offer))  # noqa: S308 - rendered by the template engine


@register.simple_tag(takes_context=True)
def offer_list(context, offers, more_url="", more_count=0) -> str:
    """The offers (each with its `delivery`), one row each, and a link to `more_url`, the page of
    every offer, which htmx puts in this list's place."""
    forms = _Forms(context)
    returns = escape(gettext("30-day returns"))
    seller_url = reverse("reviews:seller_page", args=[_SLUG_PLACEHOLDER]).split(_SLUG_PLACEHOLDER)
    out = ['<ul class="offer-list" id="other-offers-list">\n  ']
    for offer in offers:
        seller = offer.seller
        out.append(
            f'\n  <li class="offer-row card">\n'
            f'    <div class="offer-seller"><a href="{escape(seller.slug).join(seller_url)}">'
            f'<strong>{escape(seller.name)}</strong></a> {_rating(seller)}</div>\n'
            f'    <div class="offer-facts small muted">{_warranty(offer.warranty_months)} · {returns} · '
            f'{conditional_escape(offer.delivery.text)}{_device(offer)}</div>\n'
            f'    <div class="offer-price price">{money(offer.price)}</div>\n'
            f'    <div class="offer-action">{forms.form(offer)}</div>\n'
            f'  </li>\n  ')
    out.append("\n  ")
    if more_url:
        url = conditional_escape(more_url)
        more = ngettext("See the other offer", "See all %(counter)s other offers", more_count) % {
            "counter": more_count}
        out.append(f'\n  <li class="offer-more"><a class="btn" href="{url}" hx-get="{url}" '
                   f'hx-target="#other-offers-list" hx-swap="outerHTML">{more}</a></li>\n  ')
    out.append("\n</ul>")
    return mark_safe("".join(out))  # noqa: S308 - escaped above


# At most this many available: the buy box says how many are left.
FEW_LEFT = 3


@register.simple_tag(takes_context=True)
def buy_box_offer(context, page) -> str:
    """The buy box of a product page with an offer (`page.buy_box`, with its `delivery`): the price
    and the saving on new, the seller, the warranty, returns, delivery and stock, the device's
    facts and the add-to-cart form."""
    offer = page.buy_box
    seller = offer.seller
    best, sold_by = gettext("Best offer"), gettext("Sold by")
    returns = gettext("30 days to return it, for free")
    price = money(offer.price)
    out = [f'\n        <h2 id="buy-box-title" class="visually-hidden">{escape(best)}</h2>\n'
           f'        <div class="buy-box-price">\n'
           f'          <span class="price price-large">{price}</span>\n          ']
    if page.saving_percent > 0:
        save = gettext("Save %(amount)s (%(percent)s%%)") % {"amount": money(page.saving),
                                                             "percent": page.saving_percent}
        new = gettext("new")
        out.append(f'\n            <span class="buy-box-new"><span class="price-old">'
                   f'{money(page.new_price)}</span> {escape(new)}</span>\n'
                   f'            <span class="badge badge-saving">{save}</span>\n          ')
    available = offer.available
    if available <= FEW_LEFT:
        left = ngettext("Only %(n)s left", "Only %(n)s left", available) % {"n": available}
        stock = f'<li class="fact-warning"><span class="stock-low">{left}</span></li>'
    else:
        in_stock = gettext("In stock")
        stock = f'<li><span class="stock-ok">{escape(in_stock)}</span></li>'
    express = gettext("or %(dates)s by express") % {"dates": conditional_escape(offer.delivery_express.dates)}
    seller_url, name = escape(reverse("reviews:seller_page", args=[seller.slug])), escape(seller.name)
    out.append(
        f'\n        </div>\n'
        f'        <ul class="buy-box-facts">\n'
        f'          <li>{escape(sold_by)} <a href="{seller_url}"><strong>{name}</strong></a>\n'
        f'            {_rating(seller)}</li>\n'
        f'          <li>{_warranty(offer.warranty_months)}</li>\n'
        f'          <li>{escape(returns)}</li>\n'
        f'          <li class="fact-delivery"><strong>{conditional_escape(offer.delivery.text)}</strong> '
        f'<span class="muted small">{express}</span></li>\n'
        f'          {stock}\n'
        f'        </ul>\n        {_device(offer)}\n        {_Forms(context).form(offer)}\n      ')
    return mark_safe("".join(out))  # noqa: S308 - escaped above
