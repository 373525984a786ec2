"""{% trade_in_link slug %}: "Sell your <model>" on the product page of a model some seller buys.

The product page is served from its cached rendering without a query; this answer is cached too
(a few minutes stale at most when a seller switches its last offer on or off)."""
from django import template
from django.core.cache import cache
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..selectors import model_slug_has_offers

register = template.Library()
TTL = 300


KEY = "tradein:model-offers:{}"
UNREAD = object()


@register.simple_tag
def trade_in_link(slug: str, wanted=UNREAD) -> str:
    """`wanted`: the cached answer under KEY when the caller read it already (None: not cached)."""
    key = KEY.format(slug)
    if wanted is UNREAD:
        wanted = cache.get(key)
    if wanted is None:
        wanted = int(model_slug_has_offers(slug=slug))  # by product, or by model and storage
        cache.set(key, wanted, TTL)
    if not wanted:
        return ""
    return format_html('<p class="trade-in-callout container"><a href="{}">{}</a></p>',
                       reverse("tradein:sell_model", args=[slug]),
                       _("Have one to sell? Get an offer for yours"))
