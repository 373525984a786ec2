"""Reads of the shop pages: a page in the reader's language (or the default one), the help list."""
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from .models import Page, PageTranslation
from .rendering import render_markdown


@dataclass(frozen=True)
class ShownPage:
    page: Page
    title: str
    body_html: SafeString
    language: str


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _best(translations: list[PageTranslation]) -> PageTranslation | None:
    by_language = {translation.language: translation for translation in translations}
    return by_language.get(_language()) or by_language.get(settings.LANGUAGE_CODE.split("-")[0]) or (
        translations[0] if translations else None)


def page_shown(*, slug: str) -> ShownPage:
    """The published page in the reader's language (two queries), else 404."""
    page = Page.objects.filter(slug=slug, is_published=True).prefetch_related("translations").first()
    translation = _best(list(page.translations.all())) if page else None
    if translation is None:
        raise Http404("No such page.")
    return ShownPage(page=page, title=translation.title, body_html=render_markdown(translation.body),
                     language=translation.language)


def help_pages() -> list[tuple[Page, str]]:
    """The help centre's pages, in order, each with its title in the reader's language."""
    pages = Page.objects.filter(section=Page.Section.HELP, is_published=True).prefetch_related("translations")
    found = []
    for page in pages:
        translation = _best(list(page.translations.all()))
        if translation is not None:
            found.append((page, translation.title))
    return found
