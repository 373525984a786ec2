"""Files on S3-compatible object storage (settings.STORAGES with AWS_STORAGE_BUCKET_NAME set),
tested against moto's S3 server running on a local port: boto3 and django-storages speak real
HTTP to it, and the tests fetch the URLs the app hands out as a browser would. No MinIO package
installs here; every other test keeps the filesystem storages."""
import importlib
import io
import json
import socket
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from moto.server import ThreadedMotoServer
from PIL import Image

from catalog.services import product_image_add, product_image_make_thumbnails
from marketplace.storage import private_file_response, private_storage
from sellers.models import StockImport
from tests.factories import ProductFactory, ProductModelFactory, SellerMemberFactory
from tests.sellers.factories_stock import csv_bytes, listing_row

pytestmark = pytest.mark.django_db

PUBLIC, PRIVATE = "refurb-media", "refurb-private"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "moto-key", "AWS_SECRET_ACCESS_KEY": "moto-secret"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def moto_port():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield port
    server.stop()


@pytest.fixture
def s3(moto_port):
    """Empty buckets as docker-compose's minio-buckets step makes them (the public one readable
    by anyone, the private one by no one), and a boto3 client to look inside them."""
    endpoint = f"http://127.0.0.1:{moto_port}"
    reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310
    urllib.request.urlopen(reset)  # noqa: S310 - the local moto server, over http
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="moto-key", aws_secret_access_key="moto-secret")
    client.create_bucket(Bucket=PUBLIC)
    client.create_bucket(Bucket=PRIVATE)
    anyone_reads = {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
                    "Resource": [f"arn:aws:s3:::{PUBLIC}/*"]}
    client.put_bucket_policy(Bucket=PUBLIC, Policy=json.dumps({"Version": "2012-10-17",
                                                               "Statement": [anyone_reads]}))
    return client


def settings_from_env(monkeypatch, **env) -> object:
    """marketplace/settings.py run afresh with these variables: the STORAGES production builds."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    saved = sys.modules.pop("marketplace.settings")
    try:
        return importlib.import_module("marketplace.settings")
    finally:
        sys.modules["marketplace.settings"] = saved


@pytest.fixture
def on_s3(s3, settings, monkeypatch, moto_port):
    """The storages pointed at moto, as the environment of docker-compose points them at MinIO."""
    fresh = settings_from_env(
        monkeypatch, **CREDENTIALS, AWS_STORAGE_BUCKET_NAME=PUBLIC, AWS_PRIVATE_STORAGE_BUCKET_NAME=PRIVATE,
        AWS_S3_ENDPOINT_URL=f"http://127.0.0.1:{moto_port}", PRIVATE_FILE_URL_SECONDS="120")
    settings.STORAGES = fresh.STORAGES
    settings.PRIVATE_FILE_URL_SECONDS = fresh.PRIVATE_FILE_URL_SECONDS
    return s3


def keys(client, bucket: str) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def fetch(url: str):
    """A GET as a browser makes it, with no credentials: (status, headers, body)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - moto, http
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def member_client(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def member():
    return SellerMemberFactory(seller__status="approved")


@pytest.fixture
def data():
    return csv_bytes([listing_row(ProductFactory(), "SKU-1")])


def upload(client, data: bytes, name="prices march.csv"):
    response = client.post(reverse("sellers:stock_imports"),
                           {"file": SimpleUploadedFile(name, data, content_type="text/csv")})
    assert response.status_code == 302
    return StockImport.objects.get()


def image_add():
    """A product image through the catalog's own service (re-encoded to WebP, then stored)."""
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 90)).save(buffer, format="PNG")
    return product_image_add(model=ProductModelFactory(),
                             upload=SimpleUploadedFile("phone.png", buffer.getvalue(), "image/png"))


def test_the_tests_elsewhere_keep_the_filesystem_and_no_bucket_means_the_filesystem(monkeypatch):
    assert storages["default"].__class__.__name__ == "PublicFileSystemStorage"
    assert private_storage().__class__.__name__ == "PrivateFileSystemStorage"
    fresh = settings_from_env(monkeypatch, AWS_STORAGE_BUCKET_NAME="")
    assert fresh.STORAGES["private"] == {"BACKEND": "marketplace.storage.PrivateFileSystemStorage"}


def test_an_uploaded_stock_file_lands_in_the_private_bucket_only(on_s3, member, data, moto_port):
    stock_import = upload(member_client(member), data)
    assert keys(on_s3, PRIVATE) == [stock_import.file.name]
    assert keys(on_s3, PUBLIC) == []
    stored = on_s3.get_object(Bucket=PRIVATE, Key=stock_import.file.name)
    assert stored["Body"].read() == data
    assert stored["CacheControl"] == "private, no-store"
    # Nobody reads it without a signature.
    status, _, body = fetch(f"http://127.0.0.1:{moto_port}/{PRIVATE}/{stock_import.file.name}")
    assert status == 403 and data not in body


def test_the_owner_is_sent_to_a_signed_url_that_works_and_expires_in_minutes(on_s3, member, data, moto_port):
    client = member_client(member)
    stock_import = upload(client, data)
    before = datetime.now(UTC).replace(microsecond=0)
    response = client.get(reverse("sellers:stock_import_file", args=[stock_import.pk]))
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    url = urlsplit(response["Location"])
    assert (url.scheme, url.netloc, url.path) == ("http", f"127.0.0.1:{moto_port}",
                                                  f"/{PRIVATE}/{stock_import.file.name}")
    query = parse_qs(url.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Signature"][0]
    # Valid PRIVATE_FILE_URL_SECONDS (120 here) from the moment it was handed out, not longer.
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before - timedelta(seconds=5) <= signed_at <= datetime.now(UTC) + timedelta(seconds=5)
    assert query["X-Amz-Expires"] == ["120"]

    status, headers, body = fetch(response["Location"])
    assert status == 200 and body == data
    assert headers["Content-Disposition"] == 'attachment; filename="prices march.csv"'
    assert headers["Content-Type"] == "text/csv; charset=utf-8"


def test_another_seller_gets_a_404_and_no_url(on_s3, member, data):
    stock_import = upload(member_client(member), data)
    response = member_client(SellerMemberFactory(seller__status="approved")).get(
        reverse("sellers:stock_import_file", args=[stock_import.pk]))
    assert response.status_code == 404
    assert "Location" not in response
    assert b"X-Amz-" not in response.content and PRIVATE.encode() not in response.content


def test_a_photo_shown_inline_is_signed_with_its_type_and_an_inline_disposition(on_s3, member, data):
    """Trade-in photos go through the same function (tradein.photos), shown in the page."""
    stock_import = upload(member_client(member), data)
    response = private_file_response(stock_import.file, filename="trade-in-T1-1.png",
                                     content_type="image/png", as_attachment=False)
    status, headers, body = fetch(response["Location"])
    assert (status, body) == (200, data)
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Disposition"] == 'inline; filename="trade-in-T1-1.png"'


def test_a_file_gone_from_the_bucket_is_a_404_not_a_dead_link(on_s3, member, data):
    client = member_client(member)
    stock_import = upload(client, data)
    on_s3.delete_object(Bucket=PRIVATE, Key=stock_import.file.name)
    response = client.get(reverse("sellers:stock_import_file", args=[stock_import.pk]))
    assert response.status_code == 404 and "Location" not in response


def test_product_images_and_thumbnails_are_public_with_a_year_of_cache(on_s3, moto_port):
    image = image_add()
    image = product_image_make_thumbnails(image_id=image.pk)
    assert sorted(keys(on_s3, PUBLIC)) == sorted([image.image.name, *image.thumbnails.values()])
    assert keys(on_s3, PRIVATE) == []
    for url in (image.image.url, image.small_url, image.card_url):
        assert url.startswith(f"http://127.0.0.1:{moto_port}/{PUBLIC}/") and "?" not in url  # unsigned
        status, headers, body = fetch(url)
        assert status == 200 and body[:4] == b"RIFF" and body[8:12] == b"WEBP"
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_urls_are_made_for_the_browsers_address(s3, settings, monkeypatch, member, data, moto_port):
    """In docker-compose the app reaches MinIO at minio:9000 and browsers through the proxy: the
    signature is made for the browsers' host (here `localhost`, the same server by another name)."""
    browsers = f"http://localhost:{moto_port}"
    fresh = settings_from_env(
        monkeypatch, **CREDENTIALS, AWS_STORAGE_BUCKET_NAME=PUBLIC, AWS_PRIVATE_STORAGE_BUCKET_NAME=PRIVATE,
        AWS_S3_ENDPOINT_URL=f"http://127.0.0.1:{moto_port}", AWS_S3_PUBLIC_ENDPOINT_URL=browsers)
    settings.STORAGES = fresh.STORAGES
    assert browsers in fresh.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
    client = member_client(member)
    stock_import = upload(client, data)
    location = client.get(reverse("sellers:stock_import_file", args=[stock_import.pk]))["Location"]
    assert location.startswith(f"{browsers}/{PRIVATE}/{stock_import.file.name}?")
    assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == ["300"]  # the default: 5 minutes
    assert fetch(location)[2] == data
    image = image_add()
    assert image.image.url.startswith(f"{browsers}/{PUBLIC}/")
    assert fetch(image.image.url)[0] == 200


def test_one_bucket_keeps_private_files_under_a_prefix(s3, settings, monkeypatch, member, data, moto_port):
    fresh = settings_from_env(monkeypatch, **CREDENTIALS, AWS_STORAGE_BUCKET_NAME=PUBLIC,
                              AWS_PRIVATE_STORAGE_BUCKET_NAME="",
                              AWS_S3_ENDPOINT_URL=f"http://127.0.0.1:{moto_port}")
    settings.STORAGES = fresh.STORAGES
    stock_import = upload(member_client(member), data)
    assert keys(s3, PUBLIC) == [f"private/{stock_import.file.name}"]
    grants = s3.get_object_acl(Bucket=PUBLIC, Key=f"private/{stock_import.file.name}")["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner's, no one else's
    assert all("URI" not in grant["Grantee"] for grant in grants)  # not AllUsers


@pytest.mark.parametrize("module", ["sellers.migrations.0010_stock_import_private_file",
                                    "tradein.migrations.0002_private_photos",
                                    "catalog.migrations.0009_private_proposal_photos"])
def test_the_migrations_moving_files_to_the_private_storage_run_on_object_storage(on_s3, module):
    """A fresh deployment on buckets (docker-compose's migrate job) has no local files to move."""
    migration = importlib.import_module(module)
    migration.to_private(None, None)
    migration.to_public(None, None)
    assert keys(on_s3, PUBLIC) == keys(on_s3, PRIVATE) == []


def test_a_built_stock_export_is_a_private_object_its_seller_reads_through_a_signed_url(
        on_s3, member, settings, moto_port, django_capture_on_commit_callbacks):
    from sellers.listing_exports import listing_exports_purge
    from sellers.models import ListingExport
    from tests.factories import ListingFactory

    settings.LISTING_EXPORT_STREAM_MAX_ROWS = 0  # every export is a job
    for sku in ("EXP-1", "EXP-2"):
        ListingFactory(seller=member.seller, sku=sku)
    client = member_client(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sellers:listing_exports"), {"file_format": "csv"})
    export = ListingExport.objects.get()
    assert export.status == ListingExport.Status.DONE
    assert keys(on_s3, PRIVATE) == [export.file.name] and keys(on_s3, PUBLIC) == []
    status, _, _ = fetch(f"http://127.0.0.1:{moto_port}/{PRIVATE}/{export.file.name}")
    assert status == 403  # nobody reads it without a signature
    response = client.get(reverse("sellers:listing_export_download", args=[export.pk]))
    assert response.status_code == 302 and response["Cache-Control"] == "private, no-store"
    assert parse_qs(urlsplit(response["Location"]).query)["X-Amz-Expires"] == ["120"]
    status, headers, body = fetch(response["Location"])
    assert status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Content-Disposition"].startswith('attachment; filename="listings-')
    assert [line.split(",")[0] for line in body.decode("utf-8-sig").splitlines()] == ["sku", "EXP-1", "EXP-2"]
    other = member_client(SellerMemberFactory(seller__status="approved")).get(
        reverse("sellers:listing_export_download", args=[export.pk]))
    assert other.status_code == 404 and "Location" not in other
    ListingExport.objects.filter(pk=export.pk).update(expires_at=export.created_at)
    assert listing_exports_purge() == 1 and keys(on_s3, PRIVATE) == []
