"""Prices that hold their promise: every card opens on the offer it advertises, pickers show the
price their link opens, and savings are measured against each variant's own price new."""
import html
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from catalog.models import Category, Grade, ProductModel
from tests.catalog.test_cache import served_page
from tests.factories import (
    BrandFactory,
    CategoryFactory,
    ListingFactory,
    ProductFactory,
    ProductModelFactory,
    SellerFactory,
)

pytestmark = pytest.mark.django_db

CARD = re.compile(r'<a class="device-card-link" href="(?P<href>[^"]+)">.*?<h3 class="device-card-title">'
                  r'(?P<name>[^<]+)</h3>.*?<span class="price">(?P<price>[^<]+)</span>'
                  r'(?:.*?<span class="saving">save (?P<saving>\d+)%</span>)?.*?</article>', re.S)
BUY_BOX_PRICE = re.compile(r'<span class="price price-large">([^<]+)</span>')
BUY_BOX_SAVING = re.compile(r'<span class="badge badge-saving">Save [^(]+\((\d+)%\)</span>')


def cards(client, url: str) -> list[dict]:
    """The cards of a page and of every following page of it."""
    found, page = [], 1
    while True:
        response = client.get(url, {"page": page} if page > 1 else {})
        assert response.status_code == 200, url
        text = response.content.decode()
        found += [match.groupdict() for match in CARD.finditer(text)]
        if f"page={page + 1}" not in text:
            return found
        page += 1


def landing(client, href: str) -> tuple[str, str | None]:
    text = client.get(html.unescape(href)).content.decode()
    price = BUY_BOX_PRICE.search(text)
    saving = BUY_BOX_SAVING.search(text)
    return (price.group(1) if price else "no buy box"), (saving.group(1) if saving else None)


def test_every_card_of_the_demo_catalog_opens_on_the_price_it_advertises(client):
    call_command("seed_demo", "--allow-demo-users", verbosity=0)
    urls = [reverse("catalog:home")]
    urls += [category.get_absolute_url() for category in Category.objects.all()]
    urls += [reverse("catalog:search") + f"?q={word}" for word in ("apple", "samsung", "iphone 13", "pro")]
    walked = 0
    for url in urls:
        for card in cards(client, url):
            assert "variant=" in card["href"] and "grade=" in card["href"], card
            price, saving = landing(client, card["href"])
            assert price == card["price"], f"{url}: {card['name']} says {card['price']}, opens at {price}"
            assert saving == card["saving"], f"{url}: {card['name']} saves {card['saving']}%, page {saving}%"
            walked += 1
    assert walked >= ProductModel.objects.count() * 2  # home + categories + search, each model at least twice


@pytest.fixture
def iphone():
    """An iPhone 13 whose cheapest listing loses the buy box, whose storages differ in price new,
    and whose colours and grades are priced apart."""
    category = CategoryFactory(name="iPhone", slug="iphone")
    apple = BrandFactory(name="Apple", slug="apple")
    model = ProductModelFactory(name="iPhone 13", slug="iphone-13", brand=apple, category=category,
                                reference_price_new=Decimal("909.00"))
    midnight_128 = ProductFactory(model=model, slug="iphone-13-128-midnight", storage_gb=128,
                                  colour="Midnight")
    starlight_128 = ProductFactory(model=model, slug="iphone-13-128-starlight", storage_gb=128,
                                   colour="Starlight")
    midnight_256 = ProductFactory(model=model, slug="iphone-13-256-midnight", storage_gb=256,
                                  colour="Midnight", reference_price_new=Decimal("1029.00"))
    starlight_256 = ProductFactory(model=model, slug="iphone-13-256-starlight", storage_gb=256,
                                   colour="Starlight", reference_price_new=Decimal("1029.00"))
    good, poor = SellerFactory(quality_score=Decimal("100")), SellerFactory(quality_score=Decimal("0"))
    # The cheapest price on the model, but its seller's score puts its effective price at 540 × 1.2.
    ListingFactory(product=midnight_128, grade=Grade.GOOD, price=Decimal("540.00"), seller=poor)
    ListingFactory(product=midnight_128, grade=Grade.GOOD, price=Decimal("547.00"), seller=good)
    ListingFactory(product=midnight_128, grade=Grade.EXCELLENT, price=Decimal("750.00"), seller=good)
    ListingFactory(product=starlight_128, grade=Grade.EXCELLENT, price=Decimal("760.00"), seller=good)
    ListingFactory(product=midnight_256, grade=Grade.EXCELLENT, price=Decimal("659.00"), seller=good)
    ListingFactory(product=midnight_256, grade=Grade.FAIR, price=Decimal("610.00"), seller=good)
    ListingFactory(product=starlight_256, grade=Grade.EXCELLENT, price=Decimal("705.00"), seller=good)
    from catalog.services import product_models_refresh_search

    product_models_refresh_search()
    return {"model": model, "category": category, "midnight_128": midnight_128, "midnight_256": midnight_256,
            "starlight_256": starlight_256}


def test_card_advertises_the_cheapest_buy_box_not_a_cheaper_offer_that_does_not_win(client, iphone):
    card = client.get(iphone["category"].get_absolute_url()).context["models"][0]
    assert card.from_price == Decimal("547.00")
    assert card.card_url == "/p/iphone-13/?variant=iphone-13-128-midnight&grade=good"
    assert card.saving_percent == 39  # (909 − 547) / 909


def test_card_saving_is_measured_against_the_advertised_variant_price_new(client, iphone):
    iphone["midnight_128"].listings.update(is_active=False)
    card = client.get(reverse("catalog:search"), {"q": "iphone 13"}).context["models"][0]
    assert card.from_price == Decimal("610.00")
    assert card.card_url.endswith("variant=iphone-13-256-midnight&grade=fair")
    assert card.new_price == Decimal("1029.00") and card.saving_percent == 40  # (1029 − 610) / 1029
    page = served_page(client.get(card.card_url))
    assert page.buy_box.price == Decimal("610.00") and page.new_price == Decimal("1029.00")
    assert page.saving_percent == 40


def test_each_picker_shows_the_price_of_the_offer_its_link_opens(client, iphone):
    url = iphone["model"].get_absolute_url()
    page = served_page(client.get(url, {"variant": "iphone-13-256-midnight", "grade": "excellent"}))
    assert page.buy_box.price == Decimal("659.00")
    choices = {(d.key, c.label): c for d in page.dimensions for c in d.choices}
    # 256 GB Starlight in Excellent, not the model's cheapest Starlight.
    assert choices[("colour", "Starlight")].price == Decimal("705.00")
    assert choices[("colour", "Midnight")].price == Decimal("659.00")
    # 128 GB Midnight in Excellent.
    assert choices[("storage", "128 GB")].price == Decimal("750.00")
    assert not any(c.grade_changes for c in choices.values())
    page = served_page(client.get(url, {"variant": "iphone-13-256-midnight", "grade": "fair"}))
    choices = {(d.key, c.label): c for d in page.dimensions for c in d.choices}
    # 128 GB Midnight has no Fair offer: the link opens its cheapest grade, and says so.
    storage = choices[("storage", "128 GB")]
    assert (storage.price, storage.grade, storage.grade_changes) == (Decimal("547.00"), "good", True)
    for choice in choices.values():
        landed = served_page(client.get(choice.url))
        assert landed.buy_box.price == choice.price, choice.label
    for choice in page.grades:
        landed = served_page(client.get(choice.url))
        assert (landed.buy_box.price if landed.buy_box else None) == choice.price, choice.grade


def test_product_page_cache_keeps_each_variant_and_grade_apart(client, iphone):
    url = iphone["model"].get_absolute_url()
    pairs = [("iphone-13-128-midnight", "good", "€547.00"),
             ("iphone-13-128-midnight", "excellent", "€750.00"),
             ("iphone-13-256-midnight", "fair", "€610.00"),
             ("iphone-13-256-starlight", "excellent", "€705.00")]
    for _round in range(2):  # cold, then from the cache
        for variant, grade, price in pairs:
            text = client.get(url, {"variant": variant, "grade": grade}).content.decode()
            assert BUY_BOX_PRICE.search(text).group(1) == price, (variant, grade)


def test_a_picker_that_opens_another_grade_says_which_in_the_readers_language(client, iphone):
    url = iphone["model"].get_absolute_url()
    query = {"variant": "iphone-13-256-midnight", "grade": "fair"}
    html = client.get(url, query).content.decode()
    storage = html.split('id="picker-storage"')[1].split("</section>")[0]
    assert '<span class="option-price">€547.00 in Good</span>' in storage
    assert 'href="/p/iphone-13/?variant=iphone-13-128-midnight&amp;grade=good"' in storage
    assert 'class="option is-selected" href="/p/iphone-13/?variant=iphone-13-256-midnight&amp;grade=fair" ' \
           'aria-current="true"' in storage
    french = client.get(url, query, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Stockage" in french and "547,00" in french.split('id="picker-storage"')[1].split("</section>")[0]
