"""The catalog as a seller downloads it to map its SKUs (the back office's CSV, the API's
/products): each product's reference, model and variant, and per grade the best (lowest) price
and the number of offers shoppers can buy. Per page of products, one GROUP BY query gives every
grade's figures: never a query per product."""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, QuerySet

from catalog.models import Grade
from catalog.references import ean13_valid
from catalog.variant_search import listable_products

from .exports import _csv_lines
from .models import Listing

CHUNK = 2000  # products per aggregate query while streaming the CSV
CATALOG_COLUMNS = ("product_reference", "ean", "brand", "model", "storage_gb", "colour", "connectivity",
                   "category",
                   *(f"{grade}_{what}" for grade in Grade.values for what in ("best_price", "offers")))


@dataclass(frozen=True)
class GradeOffers:
    grade: str
    best_price: Decimal | None
    offers: int


# What a row shows, read as plain values (no model objects: the file may hold 50,000 products).
_ROW_FIELDS = ("id", "reference", "storage_gb", "colour", "connectivity", "model__brand__name", "model__name",
               "model__category__name")


def catalog_products() -> QuerySet:
    """The products a seller can list (catalog.variant_search), with their model, brand and category
    but not the long texts a row never shows."""
    return (listable_products().select_related("model__brand", "model__category")
            .defer("attributes", "model__description", "model__specs", "model__search_document",
                   "model__search_vector", "model__category__description"))


def _offer_figures(**products) -> dict[tuple[int, str], tuple[Decimal, int]]:
    """{(product id, grade): (lowest price, offers)} of the buyable offers of the products that
    `products` selects, in one GROUP BY query (served by the live listings' buy-box index)."""
    rows = (Listing.objects.buyable().filter(**products).order_by()
            .values("product_id", "grade").annotate(best_price=Min("price"), offers=Count("pk"))
            .values_list("product_id", "grade", "best_price", "offers"))
    return {(product_id, grade): (price, count) for product_id, grade, price, count in rows}


def grade_offers(product_ids: Iterable[int]) -> dict[int, list[GradeOffers]]:
    """{product id: its figures in every grade, best grade first}, in one aggregate query."""
    product_ids = list(product_ids)
    found = _offer_figures(product_id__in=product_ids) if product_ids else {}
    return {product_id: [GradeOffers(grade, *found.get((product_id, grade), (None, 0)))
                         for grade in Grade.values]
            for product_id in product_ids}


def ean_of(reference: str) -> str:
    """The reference when it is an EAN-13 (its check digit right); the catalog holds one reference,
    an EAN or an MPN."""
    return reference if ean13_valid(reference) else ""


def catalog_rows(*, chunk: int = CHUNK) -> Iterator[tuple]:
    """The header, then one row per product by id: two queries per `chunk` products (the products,
    keyset-paged so a product added meanwhile shifts nothing; the figures of their id range)."""
    yield CATALOG_COLUMNS
    products, last_id = listable_products().order_by("id").values_list(*_ROW_FIELDS), 0
    while rows := list(products.filter(id__gt=last_id)[:chunk]):
        figures = _offer_figures(product_id__gte=rows[0][0], product_id__lte=rows[-1][0])
        for product_id, reference, storage_gb, colour, connectivity, brand, model, category in rows:
            cells = []
            for grade in Grade.values:
                price, count = figures.get((product_id, grade), ("", 0))
                cells += (price, count)
            yield (reference, ean_of(reference), brand, model, storage_gb or "", colour, connectivity,
                   category, *cells)
        last_id = rows[-1][0]


def catalog_csv_lines(*, chunk: int = CHUNK) -> Iterator[str]:
    """The catalog as CSV, streamed line by line, formula-safe like every export (sellers.exports)."""
    return _csv_lines(catalog_rows(chunk=chunk))
