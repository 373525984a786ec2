"""The marketplace in French and Spanish: pages picked by Accept-Language, the footer's language
switcher and a French browser; prices formatted the local way; and, for every language the menu
offers, a catalog that holds every marked string, translated (none fuzzy or obsolete), keeps every
placeholder, and whose committed .mo says exactly what the .po says."""
import ast
import gettext
import os
import re
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from catalog.models import Grade
from tests.factories import BrandFactory, CategoryFactory, ListingFactory, ProductFactory, ProductModelFactory
from tests.helpers import screenshot

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


# --- Every offered catalog ------------------------------------------------------------------
# Each language the menu offers (settings.LANGUAGES, English being the source) must be complete:
# a new string left untranslated, a fuzzy guess or an obsolete entry fails here, for every language.
OFFERED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLURAL_FORMS = re.compile(r"Plural-Forms: nplurals=(\d+);")


def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # a PO string is a C string; these escapes are Python's too


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr / msgstr[N], flags, and
    whether makemessages kept it as obsolete (#~). Enough of the PO grammar for what it writes."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, key, flags, obsolete = {}, None, set(), False
        for line in block.splitlines():
            if line.startswith("#~"):
                obsolete = True
                line = line[2:].lstrip()
                if not line or line.startswith("#"):
                    continue
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                entry[key] += _unquote(line)
            else:
                key, _, value = line.partition(" ")
                entry[key] = _unquote(value)
        if entry:
            entry["flags"], entry["obsolete"] = flags, obsolete
            entries.append(entry)
    return entries


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def catalog_paths(language: str) -> tuple[Path, Path]:
    folder = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES"
    return folder / "django.po", folder / "django.mo"


def catalog_entries(language: str) -> tuple[int, list[dict]]:
    """(nplurals, entries without the header) of one language's catalog."""
    po, _mo = catalog_paths(language)
    assert po.exists(), f"{language} is offered in LANGUAGES but has no {po}: translate it or remove it"
    entries = parse_po(po)
    header = entries[0]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"], f"{language}: the header is a template"
    assert f"Language: {language}" in header["msgstr"]
    return int(PLURAL_FORMS.search(header["msgstr"]).group(1)), entries[1:]


def test_offered_languages_are_the_complete_ones():
    assert OFFERED == ["fr", "es"], "German is not offered until its catalog is complete"
    assert catalog_entries("fr")[0] == 2 and catalog_entries("es")[0] == 3  # es: 1, millions, other


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory):
    """(msgctxt, msgid) of every string marked in the code today, extracted by makemessages with the
    options of the README. It runs on a copy of the sources: makemessages writes into the locale
    folder next to the files it reads, and the committed catalogs must stay as they are."""
    copy = tmp_path_factory.mktemp("sources")
    base = Path(settings.BASE_DIR)
    skipped = {".venv", "var", "benchmarks", "tests", "locale", ".git", "node_modules"}
    for path in base.rglob("*"):
        relative = path.relative_to(base)
        if relative.parts[0] in skipped or path.suffix not in {".py", ".html", ".txt"} or not path.is_file():
            continue
        (copy / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy / relative)
    (copy / "locale").mkdir()
    cwd = os.getcwd()
    os.chdir(copy)
    try:
        with override_settings(LOCALE_PATHS=[copy / "locale"]):
            call_command("makemessages", locale=["es"], no_obsolete=True, no_wrap=True, verbosity=0)
    finally:
        os.chdir(cwd)
    entries = parse_po(copy / "locale" / "es" / "LC_MESSAGES" / "django.po")[1:]
    return {(e.get("msgctxt"), e["msgid"]) for e in entries}


@pytest.mark.parametrize("language", OFFERED)
def test_every_message_is_translated_and_none_is_fuzzy_or_obsolete(language, source_messages):
    nplurals, entries = catalog_entries(language)
    assert len(entries) > 800
    held = {(e.get("msgctxt"), e["msgid"]) for e in entries}
    missing, gone = source_messages - held, held - source_messages
    assert not missing and not gone, (
        f"{language}: {len(missing)} marked strings are not in the catalog ({sorted(missing)[:5]}) and "
        f"{len(gone)} entries are no longer in the code ({sorted(gone)[:5]}): run makemessages -l {language} "
        "(options in README), translate, compilemessages")
    untranslated = [e["msgid"] for e in entries if not all(s.strip() for s in translations(e))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    obsolete = [e["msgid"] for e in entries if e["obsolete"]]
    forms = {f"msgstr[{n}]" for n in range(nplurals)}
    plurals_incomplete = [e["msgid"] for e in entries if "msgid_plural" in e and forms - e.keys()]
    assert not untranslated, f"{len(untranslated)} messages without {language}: {untranslated[:10]}"
    assert not fuzzy, f"{language}: fuzzy messages to check: {fuzzy[:10]}"
    assert not obsolete, f"{language}: obsolete entries left (makemessages --no-obsolete): {obsolete[:10]}"
    assert not plurals_incomplete, plurals_incomplete


# The names makemessages extracts from Python (xgettext's own keywords and the ones Django adds).
EXTRACTED_NAMES = {"_", "gettext", "ngettext", "gettext_lazy", "ngettext_lazy", "gettext_noop", "pgettext",
                   "npgettext", "pgettext_lazy", "npgettext_lazy"}


def test_translation_functions_are_imported_under_names_makemessages_extracts():
    """`gettext_noop as N_` marks nothing: makemessages never sees the strings, the catalogs lose
    them at the next extraction and the check above cannot tell (it extracts the same way)."""
    base = Path(settings.BASE_DIR)
    skipped = {".venv", "var", "benchmarks", "tests", "locale", ".git", "node_modules"}
    hidden = []
    for path in base.rglob("*.py"):
        relative = path.relative_to(base)
        if relative.parts[0] in skipped:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                hidden += [f"{relative}: {a.name} as {a.asname}" for a in node.names
                           if a.asname and a.asname not in EXTRACTED_NAMES]
    assert not hidden, hidden


def test_a_gap_in_a_catalog_is_found(tmp_path):
    """The checks above read what makemessages writes: an empty, a fuzzy and an obsolete entry."""
    po = tmp_path / "django.po"
    po.write_text('msgid ""\nmsgstr ""\n"Language: xx\\n"\n\n#, fuzzy\nmsgid "Cart"\nmsgstr "Carro"\n\n'
                  'msgid "Sell"\nmsgstr ""\n\n#~ msgid "Old"\n#~ msgstr "Viejo"\n', encoding="utf-8")
    header, cart, sell, old = parse_po(po)
    assert "fuzzy" in cart["flags"] and not sell["msgstr"] and old["obsolete"] and not cart["obsolete"]


PLACEHOLDER = re.compile(r"%\(\w+\)[.\d]*[sdf]|%%|<[^>]+>|&\w+;|\{\w*\}")


@pytest.mark.parametrize("language", OFFERED)
def test_translations_keep_every_placeholder_and_tag(language):
    broken = []
    for entry in catalog_entries(language)[1]:
        sources = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        for index, text in enumerate(translations(entry)):
            expected = Counter(PLACEHOLDER.findall(sources[min(index, 1)]))
            if Counter(PLACEHOLDER.findall(text)) != expected:
                broken.append((entry["msgid"], text))
    assert not broken, broken


@pytest.mark.parametrize("language", OFFERED)
def test_committed_mo_says_what_the_po_says(language):
    """The .mo is what Django reads: a .po edited without compilemessages would silently not show."""
    nplurals, entries = catalog_entries(language)
    with catalog_paths(language)[1].open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for entry in entries:
        key = f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]
        if "msgid_plural" in entry:
            for n in range(nplurals):
                expected[(key, n)] = entry[f"msgstr[{n}]"]
        else:
            expected[key] = entry["msgstr"]
    compiled = {key: value for key, value in catalog.items() if key != ""}
    stale = {key: (compiled.get(key), value) for key, value in expected.items() if compiled.get(key) != value}
    assert not stale, f"run `manage.py compilemessages -l {language}`: {list(stale.items())[:5]}"
    assert compiled.keys() == expected.keys()


def test_grade_names_follow_the_glossary():
    from django.utils import translation

    with translation.override("fr"):
        assert [str(label) for label in Grade.labels] == ["Premium", "Excellent", "Très bon", "Correct"]
    with translation.override("es"):
        assert [str(label) for label in Grade.labels] == ["Premium", "Excelente", "Muy bueno", "Correcto"]


# --- Pages in Spanish -------------------------------------------------------------------------
ES = {"HTTP_ACCEPT_LANGUAGE": "es"}
EUR_499_ES = re.compile(r"499,00[\u00a0\u202f]€")


@pytest.mark.django_db
def test_home_and_product_pages_in_spanish(client, offer):
    html = client.get(reverse("catalog:home"), **ES).content.decode()
    assert '<html lang="es"' in html
    for text in ("Tecnología reacondicionada, totalmente funcional, por menos", "Comprar por categoría",
                 "Nuestra promesa", "Idioma", "Carrito"):
        assert text in html, text
    assert "Shop by category" not in html and "Acheter par catégorie" not in html
    assert EUR_499_ES.search(html), "the offer's price is written 499,00 € on the Spanish home page"
    html = client.get(offer.product.model.get_absolute_url(), **ES).content.decode()
    for text in ("Mejor oferta", "Añadir al carrito", "30 días para devolverlo, gratis", "Muy bueno"):
        assert text in html, text
    assert "Add to cart" not in html


@pytest.mark.django_db
def test_cart_in_spanish_with_its_validation_message(client, offer):
    client.post(reverse("orders:cart_add"), {"listing": offer.pk, "quantity": 1}, **ES)
    client.post(reverse("orders:cart_add"), {"listing": offer.pk, "quantity": 0}, **ES)
    html = client.get(reverse("orders:cart"), **ES).content.decode()
    for text in ("Tu carrito", f"Vendido por {offer.seller.name}", "Finalizar compra",
                 "Elige una cantidad de al menos 1."):
        assert text in html, text
    assert EUR_499_ES.search(html)


@pytest.mark.django_db
def test_the_menu_offers_spanish_and_not_german(client, offer):
    html = client.get(reverse("catalog:home"), **ES).content.decode()
    assert '<option value="es" selected>Español</option>' in html
    assert 'value="de"' not in html
    # An old "de" cookie (or a hand-made request) no longer gives German: the page falls back.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    html = client.get(reverse("catalog:home"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="en"' in html and "Shop by category" in html


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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("width", "name"), [(1280, "desktop"), (390, "phone")])
def test_spanish_browser_sees_spanish_pages_with_spanish_words(browser, live_server, offer, width, name):
    from catalog.models import CatalogWord
    from tests.helpers import assert_accessible

    category = offer.product.model.category
    category.name_es = "Móviles"
    category.save()
    CatalogWord.objects.create(kind="colour", text="Black", label_es="Negro")
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="es-ES")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "es", page.content()[:3000]
    page.get_by_role("heading", name="Comprar por categoría").wait_for()
    assert page.get_by_role("link", name="Móviles").first.is_visible() or width < 800
    page.goto(f"{live_server.url}{offer.product.model.get_absolute_url()}")
    page.get_by_role("button", name="Añadir al carrito").wait_for()
    main = page.locator("main").inner_text()
    assert EUR_499_ES.search(main) and "Negro" in main and "Muy bueno" in main
    _assert_fits(page)
    assert_accessible(page)
    screenshot(page, f"i18n-es-product-{name}")
    context.close()
    assert not errors, f"console errors: {errors}"
