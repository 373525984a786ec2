"""The seller API's catalog: every product a seller can list, by keyset (cursor) paging, with the
best price and offer count per grade (sellers.catalog_download: one aggregate query per page)."""
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from .api import ERRORS
from .api_auth import ApiKeyAuth
from .api_paging import START, IdCursor, keyset_page
from .api_types import QueryInteger, Text, forbid_unknown_query_parameters
from .catalog_download import catalog_products, ean_of, grade_offers

PAGE_MAX = 500
router = Router(tags=["catalog"], auth=ApiKeyAuth())


class GradeOffersOut(Schema):
    grade: str = Field(examples=["excellent"])
    best_price: Decimal | None = Field(description="The lowest price of an offer shoppers can buy in this "
                                       "grade; null without one.", examples=["419.00"])
    offers: int = Field(description="Offers shoppers can buy in this grade.", examples=[4])


class ProductOut(Schema):
    id: int = Field(examples=[812])
    reference: str = Field(description="The product reference to use in listings (EAN or MPN).",
                           examples=["0194252707272"])
    ean: str | None = Field(description="The reference when it is an EAN-13.", examples=["0194252707272"])
    brand: str = Field(examples=["Apple"])
    model: str = Field(examples=["iPhone 13"])
    category: str = Field(examples=["iPhone"])
    storage_gb: int | None = Field(examples=[128])
    colour: str = Field(examples=["Midnight"])
    connectivity: str = Field(examples=["Unlocked"])
    grades: list[GradeOffersOut] = Field(description="Every grade, best first.")


class ProductPage(Schema):
    count: int = Field(description="Products matching the filters.", examples=[1480])
    limit: int = Field(examples=[100])
    items: list[ProductOut]
    next_cursor: str = Field(description="Send it as `cursor` for the next page (the same cursor when "
                             "nothing follows).", examples=["812"])
    has_more: bool = Field(description="More products follow this page.")


class ProductFilters(Schema):
    cursor: IdCursor = START  # products have no change time: walked by id only
    limit: QueryInteger(100, ge=1, le=PAGE_MAX)
    reference: Text(40, description="Exact product reference (EAN or MPN).") | None = None


@router.get("/products", response={200: ProductPage, **ERRORS}, summary="The catalog: products you can list")
def products_list(request, filters: Query[ProductFilters]):
    """Each product's reference, model and variant, and per grade the best price and the number of
    offers shoppers can buy — the file to map your SKUs to. Walk it with `cursor=start`, then each
    answer's `next_cursor` until `has_more` is false."""
    products = catalog_products()
    if filters.reference is not None:
        products = products.filter(reference=filters.reference)
    page, next_cursor, more = keyset_page(products, cursor=filters.cursor, limit=filters.limit,
                                          by_update=False)
    figures = grade_offers(product.pk for product in page)
    return {"count": products.count(), "limit": filters.limit, "next_cursor": next_cursor, "has_more": more,
            "items": [_product_out(product, figures[product.pk]) for product in page]}


def _product_out(product, grades) -> dict:
    return {"id": product.pk, "reference": product.reference, "ean": ean_of(product.reference) or None,
            "brand": product.model.brand.name, "model": product.model.name,
            "category": product.model.category.name, "storage_gb": product.storage_gb,
            "colour": product.colour, "connectivity": product.connectivity,
            "grades": [{"grade": g.grade, "best_price": g.best_price, "offers": g.offers} for g in grades]}


forbid_unknown_query_parameters(router)
