"""Money formatted for the reader's locale: {{ amount|money }} or {{ amount|money:"USD" }}."""
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency
from django import template
from django.conf import settings
from django.utils.translation import get_language, to_locale

register = template.Library()


def format_money(amount, currency: str | None = None) -> str:
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)
    return format_currency(value, currency or settings.MARKETPLACE_CURRENCY, locale=locale)


register.filter("money", format_money)
