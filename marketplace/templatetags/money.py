"""Money formatted for the reader's locale: {{ amount|money }} or {{ amount|money:"USD" }}."""
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from django import template
from django.conf import settings
from django.utils.translation import get_language, to_locale

register = template.Library()


@lru_cache(maxsize=64)
def _currency_pattern(language: str):
    """The Babel locale and its standard currency pattern: parsing them is most of the cost of
    `babel.numbers.format_currency`, and they never change while the process runs."""
    locale = Locale.parse(to_locale(language))
    return locale, locale.currency_formats["standard"]


def format_money(amount, currency: str | None = None) -> str:
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    language = get_language() or settings.LANGUAGE_CODE
    return _format(str(value), currency or settings.MARKETPLACE_CURRENCY, language)


@lru_cache(maxsize=8192)
def _format(value: str, currency: str, language: str) -> str:
    # Pages show the same few thousand prices again and again: each is formatted once per
    # language. What babel.numbers.format_currency does, with the pattern looked up once.
    locale, pattern = _currency_pattern(language)
    return pattern.apply(Decimal(value), locale, currency=currency)


register.filter("money", format_money)
