"""A catalog of any size for the page tests, made quickly with bulk inserts."""
from decimal import Decimal

import pytest

from catalog.models import Grade, Product, ProductImage, ProductModel
from catalog.services import product_models_refresh_search
from sellers.models import Listing
from sellers.selectors import buy_box_standings_refresh
from tests.factories import BrandFactory, CategoryFactory, SellerFactory


def build_catalog(*, models: int, variants: int = 3, sellers: int = 3, category=None) -> dict:
    """`models` device models, each with `variants` products and an offer per seller and grade."""
    parent = category or CategoryFactory(name="Smartphones", slug="smartphones")
    child = CategoryFactory(name="iPhone", slug=f"{parent.slug}-iphone", parent=parent)
    brands = [BrandFactory(), BrandFactory()]
    sellers = [SellerFactory(rating=Decimal("4.0") + Decimal(i) / 10) for i in range(sellers)]
    created = ProductModel.objects.bulk_create([
        ProductModel(brand=brands[i % 2], category=child if i % 2 else parent, name=f"Model {i}",
                     slug=f"model-{parent.slug}-{i}", reference_price_new=Decimal("900.00"),
                     release_year=2020 + i % 4)
        for i in range(models)
    ])
    ProductImage.objects.bulk_create([ProductImage(model=m, image=f"catalog/{m.pk}.webp") for m in created])
    products = Product.objects.bulk_create([
        Product(model=m, slug=f"{m.slug}-v{v}", reference=f"R{m.pk:06d}{v:02d}", storage_gb=128 * (v + 1),
                colour=["Black", "White", "Blue"][v % 3])
        for m in created for v in range(variants)
    ])
    Listing.objects.bulk_create([
        Listing(seller=s, product=p, grade=g, sku=f"{s.pk}-{p.pk}-{g}", quantity=3,
                price=Decimal("300.00") + p.pk % 50 + i * 7 + Grade.rank(g) * -20)
        for p in products for i, s in enumerate(sellers) for g in Grade.values
    ])
    buy_box_standings_refresh(product_ids=[p.pk for p in products])  # as every writer of offers does
    product_models_refresh_search(model_ids=[m.pk for m in created])
    return {"category": parent, "subcategory": child, "models": created, "products": products,
            "brands": brands}


@pytest.fixture
def catalog_factory(db):
    return build_catalog
