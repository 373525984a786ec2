"""{% load catalog_words %}: {{ product|variant_local }}, {{ colour|catalog_word:"colour" }},
{{ key|catalog_word:"spec" }}, {{ gb|storage_local }}: the catalog's words in the reader's language
(catalog.words)."""
from django import template

from catalog import words

register = template.Library()


@register.filter
def catalog_word(text, kind: str) -> str:
    return words.word(kind, text)


@register.filter
def storage_local(gb) -> str:
    return words.storage_label(gb)


@register.filter
def variant_local(product) -> str:
    return words.variant_label(product) if product else ""


@register.filter
def product_local(product) -> str:
    """str(product) in the reader's language: "iPhone 13 128 GB, Medianoche, Libre"."""
    return f"{product.model.name} {words.variant_label(product)}".strip() if product else ""
