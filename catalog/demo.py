"""Demo catalog: categories, brands, device models and their variants."""
from decimal import Decimal

from .models import Brand, Category, Product, ProductModel

CATEGORIES = [("Smartphones", "smartphones"), ("Laptops", "laptops"), ("Tablets", "tablets"),
              ("Smartwatches", "smartwatches"), ("Consoles", "consoles")]


def seed_catalog() -> dict:
    categories = {
        slug: Category.objects.get_or_create(slug=slug, defaults={"name": name, "position": i})[0]
        for i, (name, slug) in enumerate(CATEGORIES)
    }
    apple = Brand.objects.get_or_create(slug="apple", defaults={"name": "Apple"})[0]
    iphone, _ = ProductModel.objects.get_or_create(
        slug="iphone-13",
        defaults={"brand": apple, "category": categories["smartphones"], "name": "iPhone 13",
                  "release_year": 2021, "reference_price_new": Decimal("909.00"),
                  "description": "6.1-inch Super Retina XDR display, A15 Bionic chip."},
    )
    products = [
        Product.objects.get_or_create(
            reference=f"019425{storage:04d}0001",
            defaults={"model": iphone, "slug": f"iphone-13-{storage}gb-midnight",
                      "storage_gb": storage, "colour": "Midnight"},
        )[0]
        for storage in (128, 256)
    ]
    return {"categories": categories, "products": products}
