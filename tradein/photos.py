"""Counter-offer photos: each upload must be a real image (Pillow reads and verifies it), of a
format we show, not too large; anything else is refused with a clear message. They are private
files: shown only through trade_in_photo_response, after the caller's access check."""
import mimetypes
import posixpath

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from marketplace.storage import private_file_response

MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def photo_clean(upload):
    from PIL import Image, UnidentifiedImageError

    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise ValidationError({"photos": _("Each photo must be at most %(max)s MB.")
                               % {"max": MAX_PHOTO_BYTES // (1024 * 1024)}})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError({"photos": _("A photo is too large in pixels.")})
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError({"photos": _("“%(name)s” is not a photo we can read (JPEG, PNG or WebP).")
                               % {"name": getattr(upload, "name", "")}}) from exc
    if image_format not in FORMATS:
        raise ValidationError({"photos": _("“%(name)s” is not a JPEG, PNG or WebP photo.")
                               % {"name": getattr(upload, "name", "")}})
    upload.seek(0)
    upload.name = f"photo.{FORMATS[image_format]}"  # never the uploader's file name on disk
    return upload


def photos_clean(uploads) -> list:
    uploads = [upload for upload in uploads or () if upload]
    if not uploads:
        raise ValidationError({"photos": _("Add at least one photo that shows the difference.")})
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError({"photos": _("Add at most %(max)s photos.") % {"max": MAX_PHOTOS}})
    return [photo_clean(upload) for upload in uploads]


def trade_in_photo_response(*, trade_in, pk: int):
    """One photo of a trade-in the caller may already see (shopper, seller or staff); another
    trade-in's photo is a 404. Inline, from the filesystem or a short-lived signed URL."""
    from .models import TradeInPhoto

    photo = get_object_or_404(TradeInPhoto, pk=pk, trade_in=trade_in)
    extension = posixpath.splitext(photo.image.name)[1].lower()
    content_type = mimetypes.guess_type(f"photo{extension}")[0]
    if content_type not in ("image/jpeg", "image/png", "image/webp"):
        content_type = "application/octet-stream"
    shown = content_type.startswith("image/")
    return private_file_response(photo.image, filename=f"trade-in-{trade_in.number}-{pk}{extension}",
                                 content_type=content_type, as_attachment=not shown)
