"""File storages: public media (product images, served under MEDIA_URL) and private files (stock
imports), kept under PRIVATE_MEDIA_ROOT, a separate root that nothing serves."""
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.files.storage import FileSystemStorage, storages
from django.utils.functional import cached_property


class PrivateFileSystemStorage(FileSystemStorage):
    """Files with no URL: a view that checks who asks streams them (see sellers.stock_views)."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def url(self, name):
        raise ValueError("A private file has no URL: serve it through a view that checks its owner.")


def private_storage():
    """The storage of files only their owner may download (a callable, so a migration names it)."""
    return storages["private"]


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
