"""Uploaded stock files are private: stored under PRIVATE_MEDIA_ROOT (never served), downloaded
only by their own seller through a view that checks ownership."""
import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from marketplace.storage import private_root_is_not_served, private_storage
from sellers.models import StockImport
from tests.factories import ProductFactory, SellerMemberFactory, UserFactory
from tests.sellers.factories_stock import csv_bytes, listing_row

pytestmark = pytest.mark.django_db


def member_client(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def upload(client, data: bytes, name="stock.csv"):
    return client.post(reverse("sellers:stock_imports"),
                       {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


@pytest.fixture
def member():
    return SellerMemberFactory(seller__status="approved")


@pytest.fixture
def data():
    return csv_bytes([listing_row(ProductFactory(), "SKU-1")])


def test_an_uploaded_stock_file_lives_under_the_private_root_and_nowhere_under_media(member, data):
    assert upload(member_client(member), data).status_code == 302
    stock_import = StockImport.objects.get()
    private_path = Path(settings.PRIVATE_MEDIA_ROOT) / stock_import.file.name
    assert private_path.read_bytes() == data
    assert not (Path(settings.MEDIA_ROOT) / stock_import.file.name).exists()
    assert Path(settings.MEDIA_ROOT).resolve() not in private_path.resolve().parents
    with pytest.raises(ValueError, match="no URL"):
        stock_import.file.url  # noqa: B018 - nothing can link to it publicly


def test_the_seller_downloads_their_file_from_the_import_page(member, data):
    client = member_client(member)
    upload(client, data, name="prices march.csv")
    stock_import = StockImport.objects.get()
    download_url = reverse("sellers:stock_import_file", args=[stock_import.pk])
    assert download_url in client.get(reverse("sellers:stock_imports")).content.decode()
    detail = client.get(reverse("sellers:stock_import", args=[stock_import.pk]))
    assert download_url in detail.content.decode()
    response = client.get(download_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Disposition"] == 'attachment; filename="prices march.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_another_sellers_file_is_a_404_and_a_visitor_is_sent_to_log_in(member, data):
    upload(member_client(member), data)
    url = reverse("sellers:stock_import_file", args=[StockImport.objects.get().pk])
    other_seller = SellerMemberFactory(seller__status="approved")
    assert member_client(other_seller).get(url).status_code == 404
    shopper = Client()
    shopper.force_login(UserFactory())
    response = shopper.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("sellers:apply")
    response = Client().get(url)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_file_gone_from_the_storage_is_a_404_not_a_500(member, data):
    client = member_client(member)
    upload(client, data)
    stock_import = StockImport.objects.get()
    private_storage().delete(stock_import.file.name)
    assert client.get(reverse("sellers:stock_import_file", args=[stock_import.pk])).status_code == 404
    StockImport.objects.filter(pk=stock_import.pk).update(file="")
    assert client.get(reverse("sellers:stock_import_file", args=[stock_import.pk])).status_code == 404


def test_the_migration_moves_every_stock_file_out_of_media_orphans_included(settings, tmp_path):
    # Roots of this test's own: other test runs sharing var/ migrate (and so move files) at any time.
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": tmp_path / "media"}},
                         "private": {"BACKEND": "marketplace.storage.PrivateFileSystemStorage",
                                     "OPTIONS": {"location": tmp_path / "private"}}}
    migration = importlib.import_module("sellers.migrations.0010_stock_import_private_file")
    public, private = storages["default"], private_storage()
    names = ["stock-imports/7/0123abcd.csv", "stock-imports/8/orphan.csv"]
    for name in names:
        private.delete(name)
        public.delete(name)
        public.save(name, ContentFile(b"sku,price\n" + name.encode()))
    keep = public.save("products/phone.webp", ContentFile(b"image"))
    migration.to_private(None, None)
    for name in names:
        assert not public.exists(name)
        assert private.open(name).read() == b"sku,price\n" + name.encode()
    assert public.exists(keep)  # public product images stay where they are
    migration.to_public(None, None)
    assert all(public.exists(name) and not private.exists(name) for name in names)
    for name in [*names, keep]:
        public.delete(name)


def test_a_private_root_inside_a_served_root_fails_the_system_check(settings):
    assert private_root_is_not_served(None) == []
    settings.PRIVATE_MEDIA_ROOT = Path(settings.MEDIA_ROOT) / "private"
    errors = private_root_is_not_served(None)
    assert [error.id for error in errors] == ["marketplace.E010"]


def test_staff_open_a_stock_import_in_the_admin_without_the_file(admin_client, member, data):
    upload(member_client(member), data)
    stock_import = StockImport.objects.get()
    response = admin_client.get(reverse("admin:sellers_stockimport_change", args=[stock_import.pk]))
    assert response.status_code == 200
    assert stock_import.file.name not in response.content.decode()
