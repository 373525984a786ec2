"""The demo catalog is big and varied enough to show every buy-box situation, and seeding is idempotent."""
import time

import pytest
from django.core.management import call_command

from catalog.models import Brand, Category, Grade, Product, ProductImage, ProductModel
from sellers.models import Listing, Seller
from sellers.selectors import buy_box_positions, buy_boxes

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_believable_catalog_quickly_and_twice_the_same():
    started = time.monotonic()
    call_command("seed_demo", "--allow-demo-users", verbosity=0)
    assert time.monotonic() - started < 30
    tables = (Category, Brand, ProductModel, Product, ProductImage, Listing, Seller)
    counts = [m.objects.count() for m in tables]
    call_command("seed_demo", "--allow-demo-users", verbosity=0)
    assert counts == [m.objects.count() for m in tables]
    assert Category.objects.filter(parent__isnull=True).count() >= 5
    assert Category.objects.filter(parent__isnull=False).exists()
    assert Brand.objects.count() >= 10 and ProductModel.objects.count() >= 40
    assert Product.objects.count() >= 150
    assert not ProductModel.objects.filter(images__isnull=True).exists()

    statuses = set(Seller.objects.values_list("status", flat=True))
    assert {"approved", "suspended", "pending"} <= statuses
    demo = Seller.objects.get(slug="green-phone-lab")
    assert demo.members.get().user.email == "seller@refurb.test"
    listings = list(Listing.objects.filter(seller=demo))
    assert 40 <= len(listings) <= 60
    positions = buy_box_positions(listings)
    winning = sum(p.is_winning for p in positions.values())
    assert 0 < winning < len(listings)

    products = list(Product.objects.values_list("pk", flat=True))
    boxes = buy_boxes(product_ids=products)
    assert {grade for _, grade in boxes} == set(Grade.values)
    assert len(boxes) < len(products) * 4  # some grades are out of stock
    assert not any(b.seller.status != "approved" for b in boxes.values())
    # Ties on price between two approved sellers exist somewhere.
    prices = {}
    tie = False
    for listing in Listing.objects.buyable():
        key = (listing.product_id, listing.grade, listing.price)
        tie = tie or key in prices
        prices[key] = True
    assert tie
