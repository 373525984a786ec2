"""Product pictures with Pillow: decode-to-validate uploads, re-encode them, make WebP thumbnails."""
import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 25_000_000  # 25 megapixels: more than any product photo needs
MIN_SIDE = 200
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_STORED_SIDE = 2000
# The widths the pages use: 160 (suggestions, offers), 320 (cards), 640 (product page).
THUMBNAIL_WIDTHS = (160, 320, 640)


def validate_and_reencode(upload) -> ContentFile:
    """Returns the upload re-encoded as WebP, or raises ValidationError saying what is wrong.

    The file is trusted only after Pillow has decoded every pixel: a renamed text file, a
    truncated image or a decompression bomb is refused. Re-encoding drops metadata (EXIF, GPS).
    """
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size).1f MB; images may be at most %(max)d MB.")
            % {"size": size / 1024 / 1024, "max": MAX_UPLOAD_BYTES // 1024 // 1024},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in ACCEPTED_FORMATS:
                    raise ValidationError(
                        _("Upload a JPEG, PNG or WebP image (this file is %(format)s).")
                        % {"format": image_format}, code="format")
                if width * height > MAX_PIXELS:
                    raise _too_many_pixels(width, height)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("This file is not an image we can read. Upload a JPEG, PNG or WebP picture."),
            code="not_an_image",
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(*_size_or_zero(data)) from None
    if min(image.size) < MIN_SIDE:
        raise ValidationError(
            _("The image is %(w)d × %(h)d pixels; both sides must be at least %(min)d pixels.")
            % {"w": image.width, "h": image.height, "min": MIN_SIDE}, code="too_small")
    image.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE))
    content = ContentFile(encode_webp(image, quality=88), name="upload.webp")
    content.image_size = image.size
    return content


def _too_many_pixels(width: int, height: int) -> ValidationError:
    return ValidationError(
        _("The image is %(w)d × %(h)d pixels; at most %(max)d megapixels are accepted.")
        % {"w": width, "h": height, "max": MAX_PIXELS // 1_000_000},
        code="too_many_pixels",
    )


def _size_or_zero(data: bytes) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:  # noqa: BLE001 - only for the error message
        return (0, 0)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)


def encode_webp(image: Image.Image, *, quality: int = 82) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=quality, method=4)
    return buffer.getvalue()


def make_thumbnail(data: bytes, width: int) -> bytes:
    """A WebP of the given width (never upscaled), keeping the aspect ratio."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        if image.width > width:
            height = round(image.height * width / image.width)
            image = image.resize((width, height), Image.Resampling.LANCZOS)
        return encode_webp(image)
