"""The marketplace in French: pages picked by Accept-Language, the footer's language switcher and a
French browser; prices formatted the French way; and a French catalog that is complete, keeps every
placeholder, and whose committed .mo says exactly what the .po says."""
import ast
import gettext
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from catalog.models import Grade
from tests.factories import BrandFactory, CategoryFactory, ListingFactory, ProductFactory, ProductModelFactory
from tests.helpers import screenshot

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
PO, MO = LC_MESSAGES / "django.po", LC_MESSAGES / "django.mo"
FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}
# Babel puts a no-break space (U+00A0) or a narrow no-break space (U+202F) before the euro sign,
# depending on the CLDR version; a plain space is not French typography.
EUR_499 = re.compile(r"499,00[\u00a0\u202f]€")
EUR_800 = re.compile(r"800,00[\u00a0\u202f]€")


@pytest.fixture
def offer(db):
    """A phone on sale for 499 € (800 € new) in Good condition, in a Smartphones category."""
    category = CategoryFactory(name="Smartphones", slug="smartphones")
    model = ProductModelFactory(name="Galaxy S23", slug="galaxy-s23", category=category,
                                brand=BrandFactory(name="Samsung", slug="samsung"),
                                reference_price_new=Decimal("800.00"))
    return ListingFactory(product=ProductFactory(model=model), grade=Grade.GOOD, price=Decimal("499.00"))


# --- Pages in French --------------------------------------------------------------------------
@pytest.mark.django_db
def test_home_page_in_french_from_accept_language(client, offer):
    html = client.get(reverse("catalog:home"), **FR).content.decode()
    assert '<html lang="fr"' in html
    for text in ("High-tech reconditionné, entièrement fonctionnel, moins cher", "Acheter par catégorie",
                 "Notre promesse", "Langue", "Panier"):
        assert text in html, text
    assert "Shop by category" not in html
    assert EUR_499.search(html), "the offer's price is written 499,00 € on the French home page"


@pytest.mark.django_db
def test_english_stays_the_default(client, offer):
    html = client.get(reverse("catalog:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Shop by category" in html and "Acheter par catégorie" not in html
    assert "€499.00" in html


@pytest.mark.django_db
def test_product_page_in_french(client, offer):
    html = client.get(offer.product.model.get_absolute_url(), **FR).content.decode()
    for text in ("Meilleure offre", "Ajouter au panier", "Fil d’Ariane",
                 "30 jours pour le retourner, gratuitement", "Garantie 12 mois", "Très bon"):
        assert text in html, text
    assert "Add to cart" not in html and ">Good<" not in html
    assert EUR_499.search(html)
    assert EUR_800.search(html), "the price new is formatted the French way too"


@pytest.mark.django_db
def test_cart_in_french(client, offer):
    client.post(reverse("orders:cart_add"), {"listing": offer.pk, "quantity": 1}, **FR)
    html = client.get(reverse("orders:cart"), **FR).content.decode()
    for text in ("Votre panier", f"Vendu par {offer.seller.name}", "Passer commande", "Résumé",
                 # used once without plural in the cart: still found in the French catalog
                 "Garantie 12 mois"):
        assert text in html, text
    assert "Your cart" not in html
    assert EUR_499.search(html)


@pytest.mark.django_db
def test_login_page_in_french(client):
    html = client.get(reverse("account_login"), **FR).content.decode()
    assert "Mot de passe" in html  # django-allauth's own French catalog
    assert "S’inscrire" in html and "Aller au contenu" in html  # ours, from the layout
    assert "Skip to content" not in html


@pytest.mark.django_db
def test_language_switcher_sets_a_cookie_that_wins_over_the_browser(client, offer):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    # The cookie wins over an English browser, on every following page.
    html = client.get(offer.product.model.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Ajouter au panier" in html and EUR_499.search(html)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(offer.product.model.get_absolute_url(), **FR).content.decode()
    assert "Add to cart" in html and "€499.00" in html


@pytest.mark.django_db
def test_validation_messages_in_french(client, offer):
    client.post(reverse("orders:cart_add"), {"listing": offer.pk, "quantity": 0}, **FR)
    html = client.get(reverse("orders:cart"), **FR).content.decode()
    assert "Choisissez une quantité d’au moins 1." in html


# --- The French catalog itself ----------------------------------------------------------------
def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # a PO string is a C string; these escapes are Python's too


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr / msgstr[N], flags. Enough of the PO
    grammar for what makemessages writes (no msgctxt, no obsolete entries are expected)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, key, flags = {}, None, set()
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#~"):
                raise AssertionError(f"obsolete entry left in {path.name}: {line}")
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                entry[key] += _unquote(line)
            else:
                key, _, value = line.partition(" ")
                entry[key] = _unquote(value)
        if entry:
            entry["flags"] = flags
            entries.append(entry)
    return entries


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


@pytest.fixture(scope="module")
def po_entries():
    entries = parse_po(PO)
    assert entries[0]["msgid"] == "" and "Plural-Forms: nplurals=2; plural=(n > 1);" in entries[0]["msgstr"]
    return entries[1:]


def test_every_message_is_translated_and_none_is_fuzzy(po_entries):
    assert len(po_entries) > 800
    untranslated = [e["msgid"] for e in po_entries if not all(s.strip() for s in translations(e))]
    fuzzy = [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]]
    plurals_incomplete = [e["msgid"] for e in po_entries
                          if "msgid_plural" in e and {"msgstr[0]", "msgstr[1]"} - e.keys()]
    assert not untranslated, f"{len(untranslated)} messages without French: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy messages to check: {fuzzy[:10]}"
    assert not plurals_incomplete, plurals_incomplete


PLACEHOLDER = re.compile(r"%\(\w+\)[.\d]*[sdf]|%%|<[^>]+>|&\w+;")


def test_translations_keep_every_placeholder_and_tag(po_entries):
    broken = []
    for entry in po_entries:
        sources = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        for index, text in enumerate(translations(entry)):
            expected = Counter(PLACEHOLDER.findall(sources[min(index, 1)]))
            if Counter(PLACEHOLDER.findall(text)) != expected:
                broken.append((entry["msgid"], text))
    assert not broken, broken


def test_committed_mo_says_what_the_po_says(po_entries):
    """The .mo is what Django reads: a .po edited without compilemessages would silently not show."""
    with MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for entry in po_entries:
        if "msgid_plural" in entry:
            expected[(entry["msgid"], 0)] = entry["msgstr[0]"]
            expected[(entry["msgid"], 1)] = entry["msgstr[1]"]
        else:
            expected[entry["msgid"]] = entry["msgstr"]
    compiled = {key: value for key, value in catalog.items() if key != ""}
    stale = {key: (compiled.get(key), value) for key, value in expected.items() if compiled.get(key) != value}
    assert not stale, f"run `manage.py compilemessages -l fr`: {list(stale.items())[:5]}"
    assert compiled.keys() == expected.keys()


def test_grade_names_follow_the_glossary():
    from django.utils import translation

    with translation.override("fr"):
        assert [str(label) for label in Grade.labels] == ["Premium", "Excellent", "Très bon", "Correct"]


# --- In a French browser ----------------------------------------------------------------------
@pytest.fixture
def french_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, f"console errors: {errors}"


def _assert_fits(page):
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_french_browser_sees_french_home_and_product_pages(french_page, live_server, offer):
    page = french_page
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("heading", name="Acheter par catégorie").wait_for()
    _assert_fits(page)
    screenshot(page, "i18n-fr-home-desktop")

    page.goto(f"{live_server.url}{offer.product.model.get_absolute_url()}")
    page.get_by_role("button", name="Ajouter au panier").wait_for()
    assert EUR_499.search(page.locator("main").inner_text())
    _assert_fits(page)
    screenshot(page, "i18n-fr-product-desktop")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_footer_language_switcher_turns_the_site_french(page, live_server, offer):
    page.goto(f"{live_server.url}{offer.product.model.get_absolute_url()}")
    page.get_by_role("button", name="Add to cart").wait_for()
    with page.expect_navigation():
        page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Ajouter au panier").wait_for()
    assert page.url.endswith(offer.product.model.get_absolute_url())
    assert page.get_by_label("Langue").input_value() == "fr"
