"""File storages: public media (product images, served under MEDIA_URL) and private files (stock
imports, trade-in and proposal photos), kept under PRIVATE_MEDIA_ROOT, a root nothing serves — or, when
AWS_STORAGE_BUCKET_NAME is set, in S3-compatible buckets (settings.STORAGES): a public one whose
objects carry long cache headers, and a private one read only through short-lived signed URLs."""
import os
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.db.models.fields.files import FieldFile
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.functional import LazyObject, cached_property, empty
from django.utils.http import content_disposition_header


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
                    saved = target.save(name, handle)
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
