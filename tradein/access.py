"""Fetch-and-authorize: a trade-in is seen only by its shopper and by its seller, a quote only by
its shopper (or, before logging in, the browser it was given to); to anyone else they do not
exist (404)."""
from django.http import Http404

from .models import TradeIn, TradeInQuote

_RELATED = ("product__model__brand", "seller", "shopper", "offer", "listing")


def shopper_trade_in_get(*, user, number: str) -> TradeIn:
    trade_in = (TradeIn.objects.select_related(*_RELATED).filter(number=number, shopper_id=user.pk).first()
                if user.is_authenticated else None)
    if trade_in is None:
        raise Http404
    return trade_in


def seller_trade_in_get(*, seller, number: str) -> TradeIn:
    trade_in = TradeIn.objects.select_related(*_RELATED).filter(number=number, seller=seller).first()
    if trade_in is None:
        raise Http404
    return trade_in


def shopper_quote_get(*, user, held, token: str) -> TradeInQuote:
    """`held`: the quote tokens the browser's session was given. A quote with no shopper yet is the
    session's that holds it; one with a shopper is that shopper's only."""
    quote = (TradeInQuote.objects.select_related("product__model__brand", "seller", "offer", "trade_in")
             .filter(token=token).first())
    if quote is not None:
        if quote.shopper_id is None and token in held:
            return quote
        if quote.shopper_id is not None and user.is_authenticated and quote.shopper_id == user.pk:
            return quote
    raise Http404
