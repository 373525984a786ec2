"""Product images: uploads are decoded to be trusted, limited, re-encoded; thumbnails come from the worker."""
import hashlib
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalog import images
from catalog.models import ProductImage
from catalog.services import product_image_add, product_image_make_thumbnails
from marketplace.storage import name_without_hash, storage_move_folder
from tests.factories import ProductModelFactory

pytestmark = pytest.mark.django_db


def picture(width=600, height=400, fmt="PNG", exif=False) -> bytes:
    image = Image.new("RGB", (width, height), (30, 120, 90))
    buffer = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # camera maker
        kwargs["exif"] = data.tobytes()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def upload(data: bytes, name="photo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type)


def test_renamed_text_file_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as error:
        images.validate_and_reencode(upload(b"just some text, not a picture\n" * 50, name="phone.jpg"))
    assert "not an image we can read" in error.value.messages[0]


def test_truncated_image_is_refused():
    with pytest.raises(ValidationError, match="not an image"):
        images.validate_and_reencode(upload(picture()[:300]))


def test_too_many_pixels_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 1_000_000)
    with pytest.raises(ValidationError) as error:
        images.validate_and_reencode(upload(picture(2000, 1000)))
    assert error.value.code == "too_many_pixels"
    assert "2000 × 1000 pixels" in error.value.messages[0]


def test_too_large_file_is_refused(monkeypatch):
    monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", 10_000)
    with pytest.raises(ValidationError) as error:
        images.validate_and_reencode(upload(b"\0" * 20_000))
    assert error.value.code == "too_large" and "at most" in error.value.messages[0]


def test_tiny_image_and_gif_are_refused():
    with pytest.raises(ValidationError, match="at least 200 pixels"):
        images.validate_and_reencode(upload(picture(100, 100)))
    with pytest.raises(ValidationError, match="JPEG, PNG or WebP"):
        images.validate_and_reencode(upload(picture(fmt="GIF"), name="a.gif"))


def test_valid_upload_is_re_encoded_as_webp_without_metadata():
    content = images.validate_and_reencode(upload(picture(fmt="JPEG", exif=True), name="x.jpg"))
    with Image.open(io.BytesIO(content.read())) as image:
        assert image.format == "WEBP" and image.size == (600, 400)
        assert not image.getexif()


def test_added_image_gets_webp_thumbnails_in_the_page_sizes(django_capture_on_commit_callbacks):
    model = ProductModelFactory()
    with django_capture_on_commit_callbacks(execute=True):
        image = product_image_add(model=model, upload=upload(picture(800, 800)), alt_text="Front")
    image.refresh_from_db()
    assert image.image.name.endswith(".webp") and (image.width, image.height) == (800, 800)
    assert set(image.thumbnails) == {"160", "320", "640"}
    for width in (160, 320, 640):
        with default_storage.open(image.thumbnails[str(width)]) as f, Image.open(f) as thumb:
            assert thumb.format == "WEBP" and thumb.width == width
    assert re.search(r"-320\.[0-9a-f]{20}\.webp$", image.card_url)


def test_stored_names_carry_a_hash_of_the_bytes_and_the_same_bytes_are_stored_once():
    first = default_storage.save("catalog/test/a.webp", ContentFile(b"same bytes"))
    again = default_storage.save("catalog/test/a.webp", ContentFile(b"same bytes"))
    other = default_storage.save("catalog/test/a.webp", ContentFile(b"other bytes"))
    digest = hashlib.sha256(b"same bytes").hexdigest()[:20]
    assert first == again == f"catalog/test/a.{digest}.webp"
    assert other != first and default_storage.open(first).read() == b"same bytes"
    assert name_without_hash(first) == "catalog/test/a" == name_without_hash("catalog/test/a.webp")


def test_thumbnails_made_again_from_other_bytes_replace_the_old_files(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        image = product_image_add(model=ProductModelFactory(), upload=upload(picture(800, 800)))
    image.refresh_from_db()
    before = dict(image.thumbnails)
    with django_capture_on_commit_callbacks(execute=True):
        assert product_image_make_thumbnails(image_id=image.pk).thumbnails == before  # the same bytes
    assert all(default_storage.exists(name) for name in before.values())
    # Other bytes to make them from (as a new encoder would make other bytes from the same picture).
    other = images.validate_and_reencode(upload(picture(900, 900)))
    ProductImage.objects.filter(pk=image.pk).update(image=default_storage.save(image.image.name, other))
    with django_capture_on_commit_callbacks(execute=True):
        after = product_image_make_thumbnails(image_id=image.pk).thumbnails
    assert set(after.values()).isdisjoint(before.values())
    assert all(default_storage.exists(name) for name in after.values())
    assert not any(default_storage.exists(name) for name in before.values())


def test_files_moved_into_the_public_storage_keep_their_names(tmp_path):
    source = FileSystemStorage(location=tmp_path / "from")
    source.save("stock-imports/1/file.csv", ContentFile(b"sku;qty"))
    storage_move_folder(source, default_storage, "stock-imports")
    assert default_storage.exists("stock-imports/1/file.csv")
    default_storage.delete("stock-imports/1/file.csv")


def test_admin_upload_of_a_renamed_text_file_shows_the_error_and_saves_nothing(client):
    staff = get_user_model().objects.create_superuser("s@example.test", "s@example.test", "pw-12345-x")
    client.force_login(staff)
    model = ProductModelFactory()
    data = {
        "brand": model.brand_id, "category": model.category_id, "name": model.name, "slug": model.slug,
        "description": "", "specs": "{}", "release_year": "2022", "reference_price_new": "800.00",
        "is_published": "on", "products-TOTAL_FORMS": "0", "products-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "1", "images-INITIAL_FORMS": "0", "images-0-position": "0",
        "images-0-alt_text": "Front", "images-0-model": model.pk,
        "images-0-image": upload(b"not an image at all" * 40, name="front.png"),
    }
    response = client.post(reverse("admin:catalog_productmodel_change", args=[model.pk]), data)
    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode() or "not an image" in response.content.decode()
    assert not ProductImage.objects.exists()

    data["images-0-image"] = upload(picture(640, 640), name="front.png")
    response = client.post(reverse("admin:catalog_productmodel_change", args=[model.pk]), data)
    assert response.status_code == 302
    image = ProductImage.objects.get()
    assert image.image.name.endswith(".webp") and image.width == 640
