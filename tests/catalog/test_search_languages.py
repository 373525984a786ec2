"""Search in French and Spanish words, and with typos on SQLite (`make run`) as with trigrams on
PostgreSQL: "ordinateur portable", "portátil", "téléphone", "iphnoe 13"."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from catalog.search_words import correct_typos, translate_query
from catalog.selectors import model_cards, search_models, search_models_portable, search_tokens
from catalog.services import product_models_refresh_search
from tests.factories import BrandFactory, CategoryFactory, ListingFactory, ProductFactory, ProductModelFactory


@pytest.fixture
def catalog(db):
    phones = CategoryFactory(name="Smartphones", slug="smartphones")
    phones.name_fr, phones.name_es = "Smartphones", "Móviles"
    phones.save()
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    laptops.name_fr, laptops.name_es = "Ordinateurs portables", "Portátiles"
    laptops.save()
    apple = BrandFactory(name="Apple", slug="apple")
    for name, category in (("iPhone 13", phones), ("iPhone 12", phones), ("MacBook Air M1", laptops)):
        model = ProductModelFactory(name=name, brand=apple, category=category,
                                    slug=name.lower().replace(" ", "-"))
        ListingFactory(product=ProductFactory(model=model, colour="Black"))
    product_models_refresh_search()


def names(query):
    return sorted(m.name for m in search_models(query=query))


def portable(query):
    tokens = translate_query(search_tokens(query))
    return sorted(m.name for m in search_models_portable(model_cards(), tokens))


def test_words_become_the_catalogs_own():
    assert translate_query(["ordinateur", "portable"]) == ["laptops"]
    assert translate_query(["Portátil"]) == ["laptops"]
    assert translate_query(["téléphone", "apple"]) == ["smartphones", "apple"]
    assert translate_query(["iphone", "13", "reconditionné", "noir"]) == ["iphone", "13", "black"]
    assert translate_query(["móvil", "128", "go"]) == ["smartphones", "128", "gb"]


def test_typos_are_corrected_against_the_catalogs_words():
    vocabulary = {"apple", "iphone", "macbook", "air", "smartphones", "laptops"}
    assert correct_typos(["iphnoe", "13"], vocabulary) == ["iphone", "13"]
    assert correct_typos(["macbok", "air"], vocabulary) == ["macbook", "air"]
    assert correct_typos(["zzzz"], vocabulary) == ["zzzz"], "nothing close: kept, and finds nothing"


@pytest.mark.parametrize("search", [names, portable])
def test_french_and_spanish_words_find_the_category(catalog, search):
    assert search("ordinateur portable") == ["MacBook Air M1"]
    assert search("portátil") == ["MacBook Air M1"]
    assert search("téléphone") == ["iPhone 12", "iPhone 13"]
    assert search("móviles") == ["iPhone 12", "iPhone 13"]


def test_a_spanish_word_with_a_brand_ranks_that_brands_laptop_first(catalog):
    assert [m.name for m in search_models(query="portatil apple")][0] == "MacBook Air M1"
    assert portable("portatil apple") == ["MacBook Air M1"]


def test_the_portable_search_tolerates_typos(catalog):
    assert portable("iphnoe 13") == ["iPhone 13"]
    assert portable("macbok") == ["MacBook Air M1"]
    assert portable("samsung") == []


def test_the_portable_search_puts_the_named_model_first(catalog):
    from catalog.models import ProductModel

    ProductModel.objects.filter(name="iPhone 12").update(specs={"Chip": "A13 Bionic"})
    product_models_refresh_search()
    ranked = [m.name for m in search_models_portable(model_cards(), ["iphone", "13"])]
    assert ranked == ["iPhone 13", "iPhone 12"], "the model named so first, then the one whose A13 says 13"


def test_on_sqlite_make_runs_search_finds_iphnoe_13(tmp_path):
    """The real thing: the settings `make run` uses (SQLite, nothing configured), migrated from
    scratch in a scratch folder, searched through the selector."""
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from django.db import connection\n"
        "assert connection.vendor == 'sqlite', connection.vendor\n"
        "from decimal import Decimal\n"
        "from catalog.models import Brand, Category, ProductModel, Product\n"
        "from catalog.services import product_models_refresh_search\n"
        "from catalog.selectors import search_models\n"
        "c = Category.objects.create(name='Smartphones', slug='smartphones', name_es='Móviles')\n"
        "b = Brand.objects.create(name='Apple', slug='apple')\n"
        "for n in ('iPhone 13', 'iPhone 12'):\n"
        "    m = ProductModel.objects.create(name=n, slug=n.replace(' ', '-').lower(), brand=b, category=c,\n"
        "                                    reference_price_new=Decimal('900'))\n"
        "    Product.objects.create(model=m, slug=m.slug + '-128', reference='EAN' + m.slug)\n"
        "product_models_refresh_search()\n"
        "found = [[m.name for m in search_models(query=q)] for q in ('iphnoe 13', 'movil')]\n"
        "print(*found)\n"
    )
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_KEY_PREFIX"}}
    env.update(DJANGO_SETTINGS_MODULE="marketplace.settings",
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", MEDIA_ROOT=str(tmp_path / "media"),
               PRIVATE_MEDIA_ROOT=str(tmp_path / "private"))
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(settings.BASE_DIR), env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "['iPhone 13'] ['iPhone 12', 'iPhone 13']"
