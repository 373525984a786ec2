"""Hostile input: mass assignment through forms and the API, uploads judged by their content,
generated storage names, and CSV exports that spreadsheets cannot run as formulas."""
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalog.images import MAX_UPLOAD_BYTES, validate_and_reencode
from orders.forms import AddressForm, ProfileForm
from orders.models import Address
from sellers import api as seller_api
from sellers import api_bulk, api_webhooks
from sellers.exports import listings_export_lines
from sellers.forms import SellerApplicationForm
from sellers.models import Listing, Seller
from sellers.stock_sync import MAX_FILE_BYTES, stock_file_check, stock_import_create
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory, UserFactory
from tests.sellers.factories_stock import api_key_for, csv_bytes, listing_row

pytestmark = pytest.mark.django_db

NEVER_FROM_INPUT = {"seller", "seller_id", "status", "allocated", "commission_rate", "commission",
                    "total", "subtotal", "user", "user_id", "rating", "approved_at", "archived_at"}


# --- Mass assignment -------------------------------------------------------------------------------
@pytest.mark.parametrize("form_class", [SellerApplicationForm, AddressForm, ProfileForm])
def test_model_forms_list_their_fields_and_none_is_protected(form_class):
    fields = form_class._meta.fields
    assert isinstance(fields, list | tuple), "a ModelForm must list its fields, never '__all__'"
    assert not NEVER_FROM_INPUT & set(fields)


@pytest.mark.parametrize("schema", [seller_api.ListingCreateIn, seller_api.ListingUpdateIn,
                                    api_bulk.BulkItemIn, api_webhooks.WebhookIn])
def test_api_input_schemas_refuse_unknown_fields_and_list_no_protected_one(schema):
    assert schema.model_config.get("extra") == "forbid"
    assert not NEVER_FROM_INPUT & set(schema.model_fields)


def test_applying_to_sell_cannot_choose_status_or_commission(client_user):
    response = client_user.post(reverse("sellers:apply"), {
        "name": "Sneaky Refurb", "vat_number": "FR40123456789", "contact_name": "Sam",
        "contact_email": "sam@sneaky.test", "business_address": "1 rue", "return_address": "1 rue",
        "accepted_terms": "on", "status": "approved", "commission_rate": "0", "rating": "5",
        "approved_at": "2026-01-01T00:00:00Z"})
    assert response.status_code == 302
    seller = Seller.objects.get(name="Sneaky Refurb")
    assert seller.status == Seller.Status.PENDING and seller.approved_at is None
    assert seller.commission_rate == Decimal("0.10") and seller.rating == 0


def test_the_listing_page_cannot_move_a_listing_or_touch_its_allocation(client):
    member = SellerMemberFactory()
    listing = ListingFactory(seller=member.seller, quantity=5, price=Decimal("200.00"))
    Listing.objects.filter(pk=listing.pk).update(allocated=2)
    original = (listing.sku, listing.product_id)
    other = SellerFactory()
    client.force_login(member.user)
    response = client.post(reverse("sellers:listing_update", kwargs={"pk": listing.pk}), {
        "price": "210.00", "quantity": "6", "warranty_months": "12", "is_active": "on",
        "seller": other.pk, "seller_id": other.pk, "allocated": "0", "product": ProductFactory().pk,
        "sku": "CHANGED"})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.price == Decimal("210.00") and listing.quantity == 6  # the allowed fields moved
    assert (listing.seller_id, listing.allocated, listing.sku, listing.product_id) == (
        member.seller_id, 2, original[0], original[1])


@pytest.mark.parametrize("extra", [{"allocated": 0}, {"seller_id": 1}, {"seller": 1},
                                   {"status": "approved"}, {"commission_rate": "0"}])
def test_the_api_refuses_protected_fields_and_changes_nothing(client, extra):
    seller = SellerFactory()
    listing = ListingFactory(seller=seller, quantity=5, price=Decimal("200.00"))
    Listing.objects.filter(pk=listing.pk).update(allocated=1)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(seller)}"}
    response = client.patch(f"/api/v1/listings/{listing.pk}", json.dumps({"quantity": 9, **extra}),
                            content_type="application/json", **headers)
    assert response.status_code == 422
    assert list(extra)[0] in response.json()["errors"]
    created = client.post("/api/v1/listings", json.dumps({
        "sku": "NEW-1", "product_reference": listing.product.reference, "grade": "good",
        "price": "100.00", "quantity": 1, **extra}), content_type="application/json", **headers)
    assert created.status_code == 422
    listing.refresh_from_db()
    assert (listing.quantity, listing.allocated, listing.seller_id) == (5, 1, seller.pk)
    assert not Listing.objects.filter(sku="NEW-1").exists()


def test_an_address_is_always_the_posters_own(client_user, user):
    victim = UserFactory()
    response = client_user.post(reverse("orders:address_create"), {
        "full_name": "Me", "line1": "1 rue", "postal_code": "75001", "city": "Paris", "country": "FR",
        "user": victim.pk, "user_id": victim.pk})
    assert response.status_code == 302
    assert Address.objects.get(full_name="Me").user_id == user.pk
    assert not Address.objects.filter(user=victim).exists()


# --- Uploads ------------------------------------------------------------------------------------
def _png(width=400, height=300) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 80)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_text_file_renamed_to_jpg_is_refused_as_an_image():
    upload = SimpleUploadedFile("phone.jpg", b"<?php system($_GET['c']); ?>", content_type="image/jpeg")
    with pytest.raises(ValidationError, match="not an image"):
        validate_and_reencode(upload)


def test_an_oversized_image_file_is_refused_before_it_is_decoded():
    upload = SimpleUploadedFile("big.png", _png() + b"\0" * (MAX_UPLOAD_BYTES + 1))
    with pytest.raises(ValidationError, match="at most"):
        validate_and_reencode(upload)


def test_an_image_with_too_many_pixels_is_refused():
    upload = SimpleUploadedFile("huge.png", _png(6000, 5000))  # 30 megapixels, a tiny file
    with pytest.raises(ValidationError):
        validate_and_reencode(upload)


def test_an_accepted_image_is_re_encoded_as_webp_and_stored_under_a_generated_name():
    from catalog.models import ProductImage

    content = validate_and_reencode(SimpleUploadedFile("../../etc/passwd.png", _png()))
    assert Image.open(io.BytesIO(content.read())).format == "WEBP"
    model = ProductFactory().model
    image = ProductImage(model=model)
    image.image.save("../../etc/passwd.png", content, save=True)
    assert "passwd" not in image.image.name and ".." not in image.image.name
    assert image.image.name.startswith(f"catalog/{model.pk}/") and image.image.name.endswith(".webp")


@pytest.mark.parametrize("data, reason", [
    (b"PK\x03\x04" + b"\0" * 100, "spreadsheet"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary"),  # an image renamed .csv
    (b"\x00\x01\x02\xff" * 64, "binary"),  # a NUL in one row fails that row; a file of them is binary
    (b"", "empty"),
])
def test_a_file_that_is_not_a_csv_is_refused_whatever_its_name(data, reason):
    with pytest.raises(ValidationError):
        stock_file_check(data)


def test_an_oversized_csv_file_is_refused():
    with pytest.raises(ValidationError, match="larger than"):
        stock_file_check(b"a" * (MAX_FILE_BYTES + 1))


def test_a_stock_file_is_stored_under_a_generated_name(django_capture_on_commit_callbacks):
    seller = SellerFactory()
    product = ProductFactory()
    data = csv_bytes([listing_row(product, "SKU-1")])
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="../../evil name.csv",
                                       data=data)
    assert stock_import.original_name.endswith("evil name.csv")
    assert "evil" not in stock_import.file.name and ".." not in stock_import.file.name
    assert stock_import.file.name.startswith(f"stock-imports/{seller.pk}/")


# --- CSV exports -----------------------------------------------------------------------------
@pytest.mark.parametrize("sku", ["=HYPERLINK(\"http://evil.test\")", "+1+1", "-2+3", "@SUM(A1)",
                                 "\tcmd", "\rcmd"])
def test_exported_cells_that_would_run_as_formulas_are_neutralised(sku):
    seller = SellerFactory()
    ListingFactory(seller=seller, sku=sku)
    text = "".join(listings_export_lines(seller=seller))
    body = text.split("\r\n", 1)[1]
    assert body.lstrip('"').startswith("'" + sku[0])
    assert not body.startswith(sku[0])
