"""Finding the exact catalog product (a variant) a seller sells, for the "new listing" picker.

Every word of the query must match, each in any of the product's fields: the brand, the model
name, the colour, the connectivity, the storage ("128", "128gb", "1tb") or the whole reference
(EAN/MPN). So "iphone 13 128" finds the 128 GB iPhone 13 variants (and the 13 mini's, 13 Pro's),
never a 256 GB one.
"""
import re
from functools import reduce
from operator import and_

from django.db.models import Q, QuerySet

from .models import Product

MIN_QUERY = 2
MAX_WORDS = 8  # more words than any product name: the rest are ignored, the query stays cheap
_STORAGE = re.compile(r"^(\d{1,5})\s*(gb|go|tb|to)?$", re.IGNORECASE)
_UNITS = {"gb", "go", "tb", "to"}  # a unit typed apart ("128 GB") adds nothing to its number


def query_words(query: str) -> list[str]:
    words = [word for word in re.split(r"[\s,;]+", (query or "").strip()) if word]
    return [word for word in words if word.lower() not in _UNITS][:MAX_WORDS]


def _word_q(word: str) -> Q:
    text = word[:100]
    q = (Q(model__name__icontains=text) | Q(model__brand__name__icontains=text)
         | Q(colour__icontains=text) | Q(connectivity__icontains=text) | Q(reference__iexact=text))
    storage = _STORAGE.match(word)
    if storage:
        number = int(storage.group(1))
        q |= Q(storage_gb=number * 1024 if (storage.group(2) or "").lower() in ("tb", "to") else number)
    return q


def listable_products() -> QuerySet:
    """Products a seller may list: active, of a published model."""
    return Product.objects.filter(is_active=True, model__is_published=True)


def products_matching(query: str) -> QuerySet:
    """The listable products matching every word of `query` (none for a query under 2 characters),
    with their model and brand, by model name then storage and colour."""
    words = query_words(query)
    if len((query or "").strip()) < MIN_QUERY or not words:
        return Product.objects.none()
    return (listable_products().filter(reduce(and_, map(_word_q, words)))
            .select_related("model__brand").order_by("model__name", "storage_gb", "colour", "pk"))
