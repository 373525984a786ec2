"""The shop's own pages: seeded in every language, linked from the footer, edited by staff in the
admin, shown in the reader's language, their Markdown rendered without running any HTML."""
import pytest
from django.urls import reverse
from django.utils import translation

from pages.models import Page, PageTranslation
from pages.rendering import render_markdown
from pages.seed import PAGES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LEGAL = ["terms-of-sale", "privacy", "legal-notice", "cookies"]
HELP = ["help-shipping", "help-returns", "help-warranty", "help-grades"]


def test_the_demo_pages_are_seeded_in_english_french_and_spanish():
    assert set(Page.objects.values_list("slug", flat=True)) >= set(LEGAL + HELP)
    for slug, *_rest in PAGES:
        assert set(PageTranslation.objects.filter(page__slug=slug).values_list("language", flat=True)) == {
            "en", "fr", "es"}


def test_the_footer_links_every_legal_page_and_the_help_centre_and_each_opens(client):
    home = client.get(reverse("catalog:home")).content.decode()
    for slug in LEGAL:
        url = reverse("pages:page", args=[slug])
        assert f'href="{url}"' in home
        assert client.get(url).status_code == 200
    assert f'href="{reverse("pages:help")}"' in home
    help_page = client.get(reverse("pages:help")).content.decode()
    for slug in HELP:
        assert reverse("pages:page", args=[slug]) in help_page


def test_a_page_shows_in_the_readers_language_and_falls_back_to_english(client):
    with translation.override("fr"):
        url = reverse("pages:page", args=["terms-of-sale"])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Conditions générales de vente" in response.content.decode()
    PageTranslation.objects.filter(page__slug="cookies", language="es").delete()
    response = client.get(reverse("pages:page", args=["cookies"]), HTTP_ACCEPT_LANGUAGE="es")
    page = response.content.decode()
    assert "We use only the cookies the shop needs" in page and 'lang="en"' in page


def test_unknown_or_unpublished_pages_are_404(client):
    assert client.get(reverse("pages:page", args=["nope"])).status_code == 404
    Page.objects.filter(slug="privacy").update(is_published=False)
    assert client.get(reverse("pages:page", args=["privacy"])).status_code == 404


@pytest.mark.parametrize(("markdown", "absent", "present"), [
    ("<script>alert(1)</script>", "<script>", "&lt;script&gt;"),
    ('<img src=x onerror="alert(1)">', "<img", "&lt;img"),
    ("[click](javascript:alert(1))", 'href="javascript:', "[click](javascript:alert(1))"),
    ("![pixel](https://tracker.example/p.gif)", "<img", "pixel"),
    ("## Heading\n\n- **bold** [ok](https://example.com)", "<script", '<a href="https://example.com">ok</a>'),
])
def test_markdown_never_runs_html_or_script_links(markdown, absent, present):
    html = str(render_markdown(markdown))
    assert absent not in html and present in html


def test_staff_edit_a_page_in_the_admin_and_the_shop_shows_it(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = Page.objects.get(slug="legal-notice")
    translations = list(page.translations.order_by("pk"))
    data = {"slug": page.slug, "section": page.section, "position": page.position, "is_published": "on",
            "translations-TOTAL_FORMS": str(len(translations)),
            "translations-INITIAL_FORMS": str(len(translations)),
            "translations-MIN_NUM_FORMS": "0", "translations-MAX_NUM_FORMS": "1000"}
    for index, item in enumerate(translations):
        data.update({f"translations-{index}-id": item.pk, f"translations-{index}-page": page.pk,
                     f"translations-{index}-language": item.language,
                     f"translations-{index}-title": item.title,
                     f"translations-{index}-body": item.body})
    english = next(i for i, item in enumerate(translations) if item.language == "en")
    data[f"translations-{english}-body"] = "**Refurb SAS** — new address: <b>2 rue Neuve</b>"
    response = client.post(reverse("admin:pages_page_change", args=[page.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    shown = client.get(reverse("pages:page", args=["legal-notice"]),
                       HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<strong>Refurb SAS</strong>" in shown and "&lt;b&gt;2 rue Neuve&lt;/b&gt;" in shown


def test_a_page_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert client.get(reverse("pages:page", args=["help-warranty"])).status_code == 200
