"""The catalog's own text in the reader's language: category names (django-modeltranslation), and
colours, connectivity and specification labels (CatalogWord) that staff translate in the admin;
English where no translation is recorded; no more queries than in English."""
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import CatalogWord, Grade
from catalog.words import words_changed
from tests.factories import (
    BrandFactory,
    CategoryFactory,
    ListingFactory,
    ProductFactory,
    ProductModelFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
ES, FR = {"HTTP_ACCEPT_LANGUAGE": "es"}, {"HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.fixture
def phone(db):
    laptops = CategoryFactory(name="Laptops", slug="laptops")  # no translation: English everywhere
    phones = CategoryFactory(name="Smartphones", slug="smartphones", position=0)
    phones.name_fr, phones.name_es = "Téléphones", "Móviles"
    phones.save()
    model = ProductModelFactory(name="iPhone 13", slug="iphone-13", category=phones,
                                brand=BrandFactory(name="Apple", slug="apple"),
                                specs={"Screen": "6.1-inch OLED", "Chip": "A15 Bionic"})
    for colour in ("Midnight", "Starlight"):
        ListingFactory(product=ProductFactory(model=model, colour=colour, connectivity="Unlocked"),
                       grade=Grade.GOOD, price=Decimal("499.00"))
    CatalogWord.objects.bulk_create([
        CatalogWord(kind="colour", text="Midnight", label_fr="Minuit", label_es="Medianoche"),
        CatalogWord(kind="connectivity", text="Unlocked", label_fr="Débloqué", label_es="Libre"),
        CatalogWord(kind="spec", text="Screen", label_fr="Écran", label_es="Pantalla"),
    ])
    words_changed()
    return {"model": model, "phones": phones, "laptops": laptops}


def test_category_names_follow_the_reader(client, phone):
    for headers, name in (({}, "Smartphones"), (FR, "Téléphones"), (ES, "Móviles")):
        html = client.get(reverse("catalog:home"), **headers).content.decode()
        assert f">{name}</a>" in html, name
        html = client.get(phone["phones"].get_absolute_url(), **headers).content.decode()
        assert name in html
    spanish_home = client.get(reverse("catalog:home"), **ES).content.decode()
    assert ">Laptops</a>" in spanish_home, "no translation: the English name"


def test_product_page_in_spanish_shows_the_catalog_words(client, phone):
    url = phone["model"].get_absolute_url()
    html = client.get(url, **ES).content.decode()
    for text in ("Medianoche", "Libre", "<dt>Pantalla</dt>", "<dt>Chip</dt>", "Móviles"):
        assert text in html, text
    assert ">Midnight<" not in html and "<dt>Screen</dt>" not in html
    assert "Starlight" in html, "a colour nobody translated stays as the catalog writes it"
    english = client.get(url).content.decode()
    assert "Midnight" in english and "<dt>Screen</dt>" in english and "Medianoche" not in english


def test_category_filters_show_translated_colours_and_keep_english_values(client, phone):
    html = client.get(phone["phones"].get_absolute_url(), **FR).content.decode()
    assert 'value="Midnight"' in html and "Minuit" in html
    response = client.get(phone["phones"].get_absolute_url(), {"colour": "Midnight"}, **FR)
    assert [m.name for m in response.context["models"]] == ["iPhone 13"]


def test_cart_names_the_variant_in_the_readers_words(client, phone):
    listing = phone["model"].products.get(colour="Midnight").listings.get()
    client.post(reverse("orders:cart_add"), {"listing": listing.pk, "quantity": 1}, **ES)
    html = client.get(reverse("orders:cart"), **ES).content.decode()
    assert "iPhone 13 128 GB, Medianoche, Libre" in html
    assert "iPhone 13 128 Go, Minuit, Débloqué" in client.get(reverse("orders:cart"), **FR).content.decode()


def test_staff_translate_a_word_in_the_admin_and_the_cached_page_follows(client, phone,
                                                                        django_capture_on_commit_callbacks):
    url = phone["model"].get_absolute_url()
    assert "Starlight" in client.get(url, **ES).content.decode()  # now cached, in Spanish
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    html = client.get(reverse("admin:catalog_catalogword_changelist")).content.decode()
    assert 'name="form-0-label_fr"' in html and 'name="form-0-label_es"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:catalog_catalogword_add"), {
            "kind": "colour", "text": "Starlight", "label_en": "", "label_fr": "Lumière stellaire",
            "label_es": "Blanco estrella"})
    assert response.status_code == 302, response.content.decode()[:1500]
    client.logout()
    html = client.get(url, **ES).content.decode()
    assert "Blanco estrella" in html and "Starlight" not in html.split("<main", 1)[1].split("</h1>", 1)[0]


def test_the_category_admin_edits_every_language(client, phone):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:catalog_category_change", args=[phone["phones"].pk])).content.decode()
    for field in ("name_en", "name_fr", "name_es", "description_fr", "description_es"):
        assert f'name="{field}"' in html, field
    assert 'value="Móviles"' in html


@pytest.mark.parametrize("page", ["home", "category", "product"])
def test_a_spanish_page_runs_no_more_queries_than_the_english_one(client, phone, page):
    url = {"home": reverse("catalog:home"), "category": phone["phones"].get_absolute_url(),
           "product": phone["model"].get_absolute_url()}[page]

    def count(headers):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, **headers).status_code == 200
        return len(queries)

    assert count(ES) == count({}) == count(FR)


def test_demo_catalog_is_translated(db):
    from catalog.demo import seed_catalog

    categories = seed_catalog()["categories"]
    laptops = categories["laptops"]
    laptops.refresh_from_db()
    assert (laptops.name_fr, laptops.name_es) == ("Ordinateurs portables", "Portátiles")
    assert CatalogWord.objects.get(kind="colour", text="Midnight").label_es == "Medianoche"
    from catalog.models import ProductModel

    model = ProductModel.objects.get(slug="iphone-13")
    assert model.description_fr.startswith("iPhone 13 : un iPhone rapide")
    assert model.description_es.startswith("iPhone 13: un iPhone rápido")
