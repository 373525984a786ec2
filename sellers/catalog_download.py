"""The catalog as a seller downloads it to map its SKUs (the back office's CSV, the API's
/products): each product's reference, model and variant, and per grade the best (lowest) price
and the number of offers shoppers can buy. Per page of products, one GROUP BY query gives every
grade's figures: never a query per product."""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, QuerySet

from catalog.models import Grade, Product
from catalog.references import ean13_valid

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


def catalog_products() -> QuerySet:
    """The products a seller can list (active, of a published model), with what a row shows."""
    return (Product.objects.filter(is_active=True, model__is_published=True)
            .select_related("model__brand", "model__category"))


def grade_offers(product_ids: Iterable[int]) -> dict[int, list[GradeOffers]]:
    """{product id: its figures in every grade, best grade first}, in one aggregate query."""
    product_ids = list(product_ids)
    found: dict[tuple[int, str], tuple[Decimal, int]] = {}
    if product_ids:
        rows = (Listing.objects.buyable().filter(product_id__in=product_ids).order_by()
                .values("product_id", "grade").annotate(best_price=Min("price"), offers=Count("pk"))
                .values_list("product_id", "grade", "best_price", "offers"))
        found = {(product_id, grade): (price, count) for product_id, grade, price, count in rows}
    return {product_id: [GradeOffers(grade, *found.get((product_id, grade), (None, 0)))
                         for grade in Grade.values]
            for product_id in product_ids}


def ean_of(reference: str) -> str:
    """The reference when it is an EAN-13 (its check digit right); the catalog holds one reference,
    an EAN or an MPN."""
    return reference if ean13_valid(reference) else ""


def _row(product: Product, grades: list[GradeOffers]) -> tuple:
    figures = []
    for offer in grades:
        figures += [offer.best_price if offer.best_price is not None else "", offer.offers]
    return (product.reference, ean_of(product.reference), product.model.brand.name, product.model.name,
            product.storage_gb or "", product.colour, product.connectivity, product.model.category.name,
            *figures)


def _chunks(products: QuerySet, size: int) -> Iterator[list[Product]]:
    """The products by id, `size` at a time (keyset: a product added meanwhile does not shift rows)."""
    last_id = 0
    while True:
        chunk = list(products.filter(id__gt=last_id).order_by("id")[:size])
        if not chunk:
            return
        yield chunk
        last_id = chunk[-1].pk


def catalog_rows(*, chunk: int = CHUNK) -> Iterator[tuple]:
    """The header, then one row per product: two queries per `chunk` products."""
    yield CATALOG_COLUMNS
    for products in _chunks(catalog_products(), chunk):
        figures = grade_offers(product.pk for product in products)
        for product in products:
            yield _row(product, figures[product.pk])


def catalog_csv_lines(*, chunk: int = CHUNK) -> Iterator[str]:
    """The catalog as CSV, streamed line by line, formula-safe like every export (sellers.exports)."""
    return _csv_lines(catalog_rows(chunk=chunk))
