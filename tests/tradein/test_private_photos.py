"""Trade-in photos are private files: stored under PRIVATE_MEDIA_ROOT (never under the served
MEDIA_ROOT), shown only to the trade-in's shopper, its seller and staff, through views that check
who asks; to anyone else a photo does not exist (404)."""
import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from marketplace.storage import private_storage
from tests.factories import SellerMemberFactory, UserFactory
from tradein import services

from .conftest import FLAWLESS, png_bytes, sell

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def photo_data():
    return png_bytes(size=(12, 9))


@pytest.fixture
def counter_offered(offers, iphone, shopper, owner, photo_data):
    trade_in = sell(shopper=shopper, product=iphone, answers=FLAWLESS)
    services.trade_in_mark_shipped(trade_in=trade_in, shopper=shopper, tracking="6A123")
    trade_in = services.trade_in_receive(trade_in=trade_in, actor=owner.user)
    return services.trade_in_counter_offer(
        trade_in=trade_in, actor=owner.user, price="200", reason="A dent on the back",
        photos=[SimpleUploadedFile("back.png", photo_data, content_type="image/png")])


def urls(trade_in):
    photo = trade_in.photos.get()
    return (reverse("tradein:photo", args=[trade_in.number, photo.pk]),
            reverse("tradein:seller_photo", args=[trade_in.number, photo.pk]),
            reverse("admin:tradein_tradein_photo", args=[trade_in.pk, photo.pk]))


def test_a_photo_is_stored_under_the_private_root_and_has_no_public_url(counter_offered, photo_data):
    photo = counter_offered.photos.get()
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / photo.image.name).read_bytes() == photo_data
    assert not (Path(settings.MEDIA_ROOT) / photo.image.name).exists()
    with pytest.raises(ValueError, match="no URL"):
        photo.image.url  # noqa: B018 - nothing can link to it publicly


def test_the_shopper_and_the_seller_see_it_on_their_pages_and_through_their_views(
        counter_offered, shopper, owner, photo_data):
    shopper_url, seller_url, _ = urls(counter_offered)
    shopper_client, seller_client = logged_in(shopper), logged_in(owner.user)
    status_page = shopper_client.get(reverse("tradein:status", args=[counter_offered.number]))
    assert f'<img src="{shopper_url}"' in status_page.content.decode()
    detail = seller_client.get(reverse("tradein:seller_detail", args=[counter_offered.number]))
    assert f'<img src="{seller_url}"' in detail.content.decode()
    for client, url in ((shopper_client, shopper_url), (seller_client, seller_url)):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == photo_data
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("inline;")
        assert response["X-Content-Type-Options"] == "nosniff"


def test_another_shopper_another_seller_and_a_visitor_get_no_photo(counter_offered, rival):
    shopper_url, seller_url, admin_url = urls(counter_offered)
    assert logged_in(UserFactory()).get(shopper_url).status_code == 404
    assert logged_in(rival.user).get(seller_url).status_code == 404
    assert logged_in(SellerMemberFactory().user).get(seller_url).status_code == 404
    visitor = Client()
    for url in (shopper_url, seller_url, admin_url):
        response = visitor.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    # The trade-in's own number with another trade-in's photo number is a 404 too.
    wrong = reverse("tradein:photo", args=[counter_offered.number, counter_offered.photos.get().pk + 1])
    assert logged_in(counter_offered.shopper).get(wrong).status_code == 404


def test_staff_see_the_photo_in_the_admin_through_its_own_view(counter_offered, admin_client, photo_data):
    _, _, admin_url = urls(counter_offered)
    page = admin_client.get(reverse("admin:tradein_tradein_change", args=[counter_offered.pk]))
    assert page.status_code == 200 and f'<img src="{admin_url}"' in page.content.decode()
    response = admin_client.get(admin_url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == photo_data
    staff_without_rights = UserFactory(is_staff=True)
    assert logged_in(staff_without_rights).get(admin_url).status_code == 404


def test_the_migration_moves_existing_photos_out_of_media(settings, tmp_path):
    # Roots of this test's own: other test runs sharing var/ migrate (and so move files) at any time.
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": tmp_path / "media"}},
                         "private": {"BACKEND": "marketplace.storage.PrivateFileSystemStorage",
                                     "OPTIONS": {"location": tmp_path / "private"}}}
    migration = importlib.import_module("tradein.migrations.0002_private_photos")
    public, private = storages["default"], private_storage()
    name = "trade-ins/999999/front.png"
    private.delete(name)
    public.delete(name)
    assert (public.path(""), private.path("")) == (str(tmp_path / "media"), str(tmp_path / "private"))
    public.save(name, ContentFile(b"photo"))
    keep = public.save("catalog/phone-kept.webp", ContentFile(b"image"))
    migration.to_private(None, None)
    assert not public.exists(name) and private.open(name).read() == b"photo"
    assert public.exists(keep)
    migration.to_public(None, None)
    assert public.exists(name) and not private.exists(name)
