"""The catalog's words in the reader's language: colours, connectivity and specification labels
that staff translate in the admin (CatalogWord), looked up when a page is rendered.

All words are read at once, at most once per request and only when the words changed: the table
is small, and a page that shows twenty colours must not run twenty queries. A version in the
shared cache says when a process's copy is stale (an admin edit gives a new one), and the cached
pages that show words are rebuilt through catalog.cache.catalog_changed.
"""
import threading
import time

from django.core.cache import cache
from django.core.signals import request_started
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import CatalogWord, Product

VERSION_KEY = "catalog:words-version"
_local = threading.local()
_loaded: dict = {"version": None, "words": {}}
_lock = threading.Lock()


# Outside requests (a worker, a command) the version is read again after this long.
RECHECK_SECONDS = 30


def _reset_request(**kwargs) -> None:
    _local.checked_at = None


request_started.connect(_reset_request, dispatch_uid="catalog-words-request")


def words_changed() -> None:
    """Every process reads the words again on its next lookup."""
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def _words() -> dict:
    checked_at = getattr(_local, "checked_at", None)
    if checked_at is not None and time.monotonic() - checked_at < RECHECK_SECONDS:
        return _loaded["words"]
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    if version != _loaded["version"]:
        words: dict[tuple[str, str], dict[str, str]] = {}
        fields = [f.name for f in CatalogWord._meta.concrete_fields if f.name.startswith("label_")]
        for row in CatalogWord.objects.values("kind", "text", *fields):
            words[(row["kind"], row["text"].casefold())] = {
                name.removeprefix("label_"): row[name] for name in fields if row[name]}
        with _lock:
            _loaded.update(version=version, words=words)
    _local.checked_at = time.monotonic()
    return _loaded["words"]


def word(kind: str, text: str, language: str | None = None) -> str:
    """`text` (a colour, connectivity or spec label as the catalog stores it) in `language` (the
    active one by default); the text itself when no translation is recorded."""
    if not text:
        return text
    language = (language or get_language() or "en").split("-")[0]
    return _words().get((kind, str(text).casefold()), {}).get(language) or text


def storage_label(gb: int | None) -> str:
    """"128 GB", "1 TB" — "128 Go" in French."""
    if not gb:
        return ""
    if gb < 1024:
        return _("%(size)s GB") % {"size": gb}
    return _("%(size)s TB") % {"size": gb // 1024}


def variant_label(product: Product, language: str | None = None) -> str:
    """Product.variant_label in the reader's language: "128 GB, Medianoche, Libre"."""
    parts = []
    if product.storage_gb:
        parts.append(storage_label(product.storage_gb))
    if product.colour:
        parts.append(word(CatalogWord.Kind.COLOUR, product.colour, language))
    if product.connectivity:
        parts.append(word(CatalogWord.Kind.CONNECTIVITY, product.connectivity, language))
    return ", ".join(parts)
