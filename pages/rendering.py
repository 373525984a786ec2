"""Page bodies: Markdown rendered to HTML with raw HTML switched off, so whatever staff type (or
paste) is shown as text and never runs. Links to javascript:, data: and the like are refused by
markdown-it's link check; images are off (no third-party tracking pixel in a legal page)."""
from functools import lru_cache

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable("image")


def render_markdown(text: str) -> SafeString:
    return mark_safe(_renderer().render(text or ""))  # noqa: S308 - raw HTML is off: escaped by markdown-it
