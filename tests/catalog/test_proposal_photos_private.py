"""Product proposal photos are private files until staff approve them: stored under
PRIVATE_MEDIA_ROOT, shown to the proposing seller and to staff through views that check who asks,
a 404 to another seller; the approved product's picture is a public copy."""
import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import Client
from django.urls import reverse

from catalog.proposals import product_proposal_approve
from marketplace.storage import private_storage
from tests.factories import SellerMemberFactory, UserFactory

from .test_proposals import _submit, png

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def member(db):
    return SellerMemberFactory()


@pytest.fixture
def proposal(member, db):
    from tests.factories import ProductModelFactory

    return _submit(member, model=ProductModelFactory(name="iPhone 13", slug="iphone-13"), photos=[png()])


def test_a_proposal_photo_lives_under_the_private_root_with_no_public_url(proposal):
    photo = proposal.photos.get()
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / photo.image.name
    assert stored.read_bytes()[:4] == b"RIFF"
    assert not (Path(settings.MEDIA_ROOT) / photo.image.name).exists()
    with pytest.raises(ValueError, match="no URL"):
        photo.image.url  # noqa: B018 - nothing can link to it publicly


def test_the_seller_sees_its_photo_and_another_seller_gets_a_404(proposal, member):
    photo = proposal.photos.get()
    url = reverse("sellers:proposal_photo", args=[proposal.pk, photo.pk])
    client = logged_in(member.user)
    page = client.get(reverse("sellers:proposal_detail", args=[proposal.pk]))
    assert f'<img src="{url}"' in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert b"".join(response.streaming_content) == photo.image.open("rb").read()
    assert logged_in(SellerMemberFactory().user).get(url).status_code == 404
    wrong = reverse("sellers:proposal_photo", args=[proposal.pk, photo.pk + 1])
    assert client.get(wrong).status_code == 404


def test_staff_see_it_in_the_admin_and_approval_makes_a_public_copy(proposal):
    photo = proposal.photos.get()
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin_url = reverse("admin:catalog_productproposal_photo", args=[proposal.pk, photo.pk])
    client = logged_in(staff)
    page = client.get(reverse("admin:catalog_productproposal_change", args=[proposal.pk]))
    assert page.status_code == 200 and f'<img src="{admin_url}"' in page.content.decode()
    assert client.get(admin_url).status_code == 200
    assert logged_in(UserFactory(is_staff=True)).get(admin_url).status_code == 404  # no permission
    assert Client().get(admin_url).status_code == 302
    product_proposal_approve(proposal=proposal, reviewer=staff, note="")
    picture = proposal.model.images.get()
    assert storages["default"].exists(picture.image.name)  # the model's picture: public, as all pictures


def test_the_migration_moves_existing_proposal_photos_out_of_media(settings, tmp_path):
    # Roots of this test's own: other test runs sharing var/ migrate (and so move files) at any time.
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": tmp_path / "media"}},
                         "private": {"BACKEND": "marketplace.storage.PrivateFileSystemStorage",
                                     "OPTIONS": {"location": tmp_path / "private"}}}
    migration = importlib.import_module("catalog.migrations.0009_private_proposal_photos")
    public, private = storages["default"], private_storage()
    name = public.save("catalog/proposals/0123abcd.webp", ContentFile(b"photo"))
    keep = public.save("catalog/12/picture.webp", ContentFile(b"image"))
    migration.to_private(None, None)
    assert not public.exists(name) and private.open(name).read() == b"photo"
    assert public.exists(keep)
    migration.to_public(None, None)
    assert public.exists(name) and not private.exists(name)
