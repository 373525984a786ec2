"""{% trade_in_link slug %}: "Sell your <model>" on the product page of a model some seller buys.

The product page is served from its cached rendering without a query; this answer is cached too
(a few minutes stale at most when a seller switches its last offer on or off). A missing answer is
looked up for every published model at once, in one query, and all of them are stored: after the
cache is emptied the product pages ask one query between them, not one each."""
from django import template
from django.core.cache import cache
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..selectors import published_model_slugs_with_offers

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
        # By product, or by model and storage; a model not published is sold to no one.
        answers = {KEY.format(name): int(bought)
                   for name, bought in published_model_slugs_with_offers().items()}
        answers.setdefault(key, 0)
        cache.set_many(answers, TTL)
        wanted = answers[key]
    if not wanted:
        return ""
    return format_html('<p class="trade-in-callout container"><a href="{}">{}</a></p>',
                       reverse("tradein:sell_model", args=[slug]),
                       _("Have one to sell? Get an offer for yours"))
