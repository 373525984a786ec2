"""The device itself on the shopper's pages: each offer shows its battery, what is in the box and,
for phones, unlocked and eSIM; a new battery stands out; category and search pages filter on the
battery (90 % or more, new) through the catalog selectors."""
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Grade
from catalog.services import product_models_refresh_search
from sellers.services import listing_update
from tests.factories import (
    BrandFactory,
    CategoryFactory,
    ListingFactory,
    ProductFactory,
    ProductModelFactory,
    SellerFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def phones():
    smartphones = CategoryFactory(name="Smartphones", slug="smartphones")
    brand = BrandFactory(name="Apple", slug="apple")
    worn = ProductModelFactory(name="iPhone 11", slug="iphone-11", brand=brand, category=smartphones)
    fresh = ProductModelFactory(name="iPhone 13", slug="iphone-13", brand=brand, category=smartphones)
    unknown = ProductModelFactory(name="iPhone 12", slug="iphone-12", brand=brand, category=smartphones)
    p11, p13, p12 = (ProductFactory(model=m) for m in (worn, fresh, unknown))
    offers = {
        "worn": ListingFactory(product=p11, grade=Grade.GOOD, price=Decimal("300.00"), battery_health=84),
        "worn_good": ListingFactory(product=p11, grade=Grade.GOOD, price=Decimal("340.00"), battery_health=93,
                                    includes_charger=True, is_unlocked=True),
        "new": ListingFactory(product=p13, grade=Grade.GOOD, price=Decimal("520.00"), battery_health=100,
                              battery_new=True, includes_cable=True, includes_box=True, is_unlocked=True,
                              has_esim=True, seller=SellerFactory(name="Fresh Cells")),
        "cheaper": ListingFactory(product=p13, grade=Grade.GOOD, price=Decimal("480.00"), battery_health=91),
        "unknown": ListingFactory(product=p12, grade=Grade.GOOD, price=Decimal("400.00")),
    }
    product_models_refresh_search()
    return {"category": smartphones, "offers": offers, "models": (worn, fresh, unknown)}


def _titles(response) -> list[str]:
    return sorted(model.name for model in response.context["models"])


def test_each_offer_shows_its_device_and_a_new_battery_stands_out(client, phones):
    page = client.get(reverse("catalog:model", args=["iphone-13"]) + "?grade=good").content.decode()
    # The buy box (the cheaper offer) and the other offer, each with its own facts.
    assert "Battery health 91 %" in page
    assert 'class="badge badge-new-battery">New battery' in page
    assert "In the box:" in page and "original box" in page and "Unlocked for every network" in page
    assert "eSIM" in page
    assert "In the box: the device only" in page  # the cheaper offer states nothing in the box


def test_a_device_change_shows_on_the_next_request(client, phones, django_capture_on_commit_callbacks):
    url = reverse("catalog:model", args=["iphone-12"]) + "?grade=good"
    assert "Battery health" not in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        listing_update(listing=phones["offers"]["unknown"], battery_health=88, includes_charger=True)
    page = client.get(url).content.decode()
    assert "Battery health 88 %" in page and "charger" in page


def test_the_category_page_filters_on_battery_health_and_new_batteries(client, phones):
    url = phones["category"].get_absolute_url()
    assert _titles(client.get(url)) == ["iPhone 11", "iPhone 12", "iPhone 13"]
    at_least_90 = client.get(url, {"battery": "90"})
    assert _titles(at_least_90) == ["iPhone 11", "iPhone 13"]
    prices = {model.name: model.from_price for model in at_least_90.context["models"]}
    # The 84 % offer is left out of the iPhone 11's price.
    assert prices == {"iPhone 11": Decimal("340.00"), "iPhone 13": Decimal("480.00")}
    new = client.get(url, {"battery": "new"})
    assert _titles(new) == ["iPhone 13"]
    assert new.context["models"][0].from_price == Decimal("520.00")
    page = new.content.decode()
    assert 'name="battery"' in page and "New battery" in page and "Clear all" in page
    # A value the filter does not know is ignored.
    assert _titles(client.get(url, {"battery": "lots"})) == ["iPhone 11", "iPhone 12", "iPhone 13"]


def test_the_search_page_filters_on_the_battery(client, phones):
    url = reverse("catalog:search")
    assert _titles(client.get(url, {"q": "iphone"})) == ["iPhone 11", "iPhone 12", "iPhone 13"]
    response = client.get(url, {"q": "iphone", "battery": "new"})
    assert _titles(response) == ["iPhone 13"]
    assert response.context["models"][0].from_price == Decimal("520.00")
    assert _titles(client.get(url, {"q": "iphone", "battery": "90"})) == ["iPhone 11", "iPhone 13"]


def test_the_battery_filter_keeps_a_fixed_number_of_queries(client, phones, django_assert_max_num_queries):
    url = phones["category"].get_absolute_url()
    client.get(url, {"battery": "90"})
    for i in range(6):
        model = ProductModelFactory(category=phones["category"], slug=f"more-{i}")
        ListingFactory(product=ProductFactory(model=model), battery_health=95, price=Decimal("390.00"))
    with django_assert_max_num_queries(12):
        assert client.get(url, {"battery": "90", "sort": "price"}).status_code == 200
