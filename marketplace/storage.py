"""File storages: public media (product images, served under MEDIA_URL) and private files (stock
imports, trade-in and proposal photos), kept under PRIVATE_MEDIA_ROOT, a root nothing serves — or, when
AWS_STORAGE_BUCKET_NAME is set, in S3-compatible buckets (settings.STORAGES): a public one whose
objects carry long cache headers, and a private one read only through short-lived signed URLs.

Public media is stored under content-hashed names (ContentHashedNames): a name never holds other
bytes, so the proxy (deploy/Caddyfile) and the public bucket may let browsers keep it for ever."""
import hashlib
import os
import re
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.core.files.utils import validate_file_name
from django.core.signals import setting_changed
from django.db.models.fields.files import FieldFile
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.functional import LazyObject, cached_property, empty
from django.utils.http import content_disposition_header

# `catalog/12/3f…9a.<first 20 hex digits of the bytes' SHA-256>.webp`; deploy/Caddyfile matches
# the same pattern to mark a file immutable (names stored before this revalidate instead).
CONTENT_HASH_DIGITS = 20
CONTENT_HASHED_NAME = re.compile(r"\.[0-9a-f]{20}(\.[A-Za-z0-9]+)$")


def content_hashed_name(name: str, content) -> str:
    """`name` with the hash of `content`'s bytes before its extension (content is rewound)."""
    digest = hashlib.sha256()
    for chunk in content.chunks():
        digest.update(chunk)
    content.seek(0)
    root, extension = os.path.splitext(name)
    return f"{root}.{digest.hexdigest()[:CONTENT_HASH_DIGITS]}{extension}"


def name_without_hash(name: str) -> str:
    """The name a content-hashed name was made from, without its extension."""
    if CONTENT_HASHED_NAME.search(name):
        return CONTENT_HASHED_NAME.sub("", name)
    return os.path.splitext(name)[0]


class ContentHashedNames:
    """A storage mixin: every file is saved under its name with the hash of its bytes inserted
    (content_hashed_name). Saving the same bytes under the same name again stores nothing and
    gives the same name, so a task run twice writes once."""

    def save(self, name, content, max_length=None):
        if name is None:
            name = content.name
        if not hasattr(content, "chunks"):
            content = File(content, name)
        name = content_hashed_name(name, content)
        validate_file_name(name, allow_relative_path=True)
        if self.exists(name):
            return name
        return super().save(name, content, max_length=max_length)

    def save_as_named(self, name, content, max_length=None):
        """Saves under `name` unchanged (moving files between storages keeps their names)."""
        return super().save(name, content, max_length=max_length)


class PublicFileSystemStorage(ContentHashedNames, FileSystemStorage):
    """Product images and their thumbnails under MEDIA_ROOT, served by the proxy at MEDIA_URL."""


class PrivateFileSystemStorage(FileSystemStorage):
    """Files with no URL: a view that checks who asks streams them (private_file_response)."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def url(self, name):
        raise ValueError("A private file has no URL: serve it through a view that checks its owner.")


class _PrivateStorage(LazyObject):
    """settings.STORAGES["private"], looked up when first used (as default_storage is)."""

    def _setup(self):
        self._wrapped = storages["private"]


_private = _PrivateStorage()


def private_storage():
    """The storage of files only their owner may download (a callable, so a migration names it)."""
    return _private


@receiver(setting_changed)
def _private_storage_follows_the_setting(*, setting, **kwargs):
    if setting == "STORAGES":  # as Django resets default_storage (tests' override_settings)
        _private._wrapped = empty


def storage_move_folder(source, target, folder: str) -> None:
    """Moves every file under `folder` from one filesystem storage to the same name in another
    (a migration's step; files already on object storage are copied with `mc mirror`)."""
    try:
        root = source.path(folder)
    except NotImplementedError:  # object storage: nothing on a local disk to move
        return
    if not os.path.isdir(root):
        return
    for directory, _dirs, files in os.walk(root):
        for filename in files:
            name = os.path.relpath(os.path.join(directory, filename), source.path("")).replace(os.sep, "/")
            if not target.exists(name):
                with source.open(name, "rb") as handle:
                    saved = getattr(target, "save_as_named", target.save)(name, handle)
                assert saved == name, (saved, name)
            source.delete(name)


def private_file_response(file: FieldFile, *, filename: str, content_type: str,
                          as_attachment: bool = True) -> HttpResponseBase:
    """The answer to a download of a private file, for a view to return AFTER its ownership check:
    the file itself from the filesystem, or a redirect to a signed URL that expires within
    PRIVATE_FILE_URL_SECONDS on object storage. A file never stored, or gone, is a 404."""
    if not file or not file.name:
        raise Http404
    storage = file.storage
    if getattr(storage, "signs_urls", False):
        if not storage.exists(file.name):
            raise Http404
        url = storage.url(file.name, parameters={
            "ResponseContentType": content_type,
            "ResponseContentDisposition": content_disposition_header(as_attachment, filename),
        })
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"  # the URL is for this reader, now
        return response
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError):  # removed from the storage
        raise Http404 from None
    response = FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@register(Tags.security)
def private_root_is_not_served(app_configs, **kwargs) -> list[Error]:
    """PRIVATE_MEDIA_ROOT inside (or equal to) a served root would serve the private files."""
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    errors = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        served = Path(getattr(settings, name) or "/nonexistent-root").resolve()
        if private == served or served in private.parents:
            errors.append(Error(f"PRIVATE_MEDIA_ROOT ({private}) is inside {name} ({served}), which is "
                                "served publicly.", hint="Give PRIVATE_MEDIA_ROOT a root of its own.",
                                id="marketplace.E010"))
    return errors
