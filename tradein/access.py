"""Fetch-and-authorize: a trade-in is seen only by its shopper and by its seller; to anyone else
it does not exist (404)."""
from django.http import Http404

from .models import TradeIn

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
