"""What the templates render, for the HTML a few hot lists write in Python (the product page's
offers and pickers, catalog/templatetags; the seller's listing rows, sellers/templatetags): the same
text, escaped the same way."""
from django.utils.html import escape, format_html

from marketplace.templatetags.money import format_money


def money(amount) -> str:
    """{{ amount|money }}: the amount in the reader's locale, escaped."""
    return escape(format_money(amount))


def csrf_field(context) -> str:
    """{% csrf_token %} in this context: the hidden field, or nothing without a token."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 - Django's marker of a token not provided
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
