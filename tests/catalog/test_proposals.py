"""Product proposals: a seller proposes a missing product (EAN check digit verified, photos decoded
by Pillow), staff approve it in the admin (the product is created) or reject it with a reason, the
seller is told once by e-mail and on its page, and can then list it; another seller's is a 404."""
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalog.models import Product, ProductProposal
from catalog.proposals import (
    product_proposal_approve,
    product_proposal_notify,
    product_proposal_reject,
    product_proposal_submit,
)
from catalog.references import ean13_valid, validate_reference
from tests.factories import ProductFactory, ProductModelFactory, SellerMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

EAN = "0194252707272"  # check digit right
WRONG_CHECK_DIGIT = "0194252707273"


def png(width=400, height=400, colour=(30, 90, 160)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return SimpleUploadedFile("front.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def member(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    return member


@pytest.fixture
def staff(db):
    return UserFactory(email="catalog@example.test", is_staff=True, is_superuser=True)


@pytest.fixture
def iphone_13(db):
    return ProductModelFactory(name="iPhone 13", slug="iphone-13")


def _submit(member, **overrides):
    data = {"seller": member.seller, "user": member.user, "reference": EAN, "storage_gb": 128,
            "colour": "Midnight", "connectivity": "Unlocked", **overrides}
    return product_proposal_submit(**data)


# --- The reference rule, shared with the stock import ----------------------------------------------
def test_the_stock_import_and_the_proposals_share_one_check_digit_rule():
    from sellers.stock_sync import rows

    assert rows.ean13_valid is ean13_valid
    assert ean13_valid(EAN) and not ean13_valid(WRONG_CHECK_DIGIT)


@pytest.mark.parametrize(("reference", "message"), [
    (WRONG_CHECK_DIGIT, "0194252707273 is not a valid EAN-13: its last digit should be 2. Check the code "
                       "on the box."),
    ("019425270727", "An EAN has 13 digits; 019425270727 has 12."),
    ("<b>x</b>", "A part number has 3 to 40 letters, digits, dots, slashes or dashes."),
    ("  ", "Enter the product's EAN-13 or its manufacturer part number."),
])
def test_a_bad_reference_is_refused_saying_why(reference, message):
    with pytest.raises(ValidationError) as refused:
        validate_reference(reference)
    assert refused.value.messages == [message]


def test_a_part_number_is_accepted_as_the_manufacturer_prints_it():
    assert validate_reference(" MLPF3ZD/A ") == "MLPF3ZD/A"


# --- Submitting ------------------------------------------------------------------------------------
def test_a_proposal_of_a_catalog_model_is_stored_with_its_photo_as_webp(member, iphone_13):
    proposal = _submit(member, model=iphone_13, photos=[png()])
    assert (proposal.status, proposal.model, proposal.reference) == ("pending", iphone_13, EAN)
    photo = proposal.photos.get()
    assert photo.image.name.endswith(".webp") and (photo.width, photo.height) == (400, 400)


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"reference": WRONG_CHECK_DIGIT}, "reference", "its last digit should be 2"),
    ({"model": None, "model_name": ""}, "model", "Choose the device model"),
    ({"storage_gb": None, "colour": "", "connectivity": ""}, "storage_gb", "at least one detail"),
    ({"photos": [SimpleUploadedFile("x.png", b"not an image", content_type="image/png")]}, "photos",
     "x.png: This file is not an image we can read."),
    ({"photos": [png(120, 120)]}, "photos", "both sides must be at least 200 pixels"),
    ({"photos": [png(), png(), png(), png()]}, "photos", "Add at most 3 photos."),
])
def test_a_bad_proposal_is_refused_field_by_field(member, iphone_13, overrides, field, message):
    with pytest.raises(ValidationError) as refused:
        _submit(member, **{"model": iphone_13, **overrides})
    assert message in " ".join(refused.value.message_dict[field])
    assert not ProductProposal.objects.exists()


def test_a_reference_already_in_the_catalog_or_already_proposed_is_refused(member, iphone_13):
    ProductFactory(reference="MLPF3ZD/A")
    with pytest.raises(ValidationError, match="already in the catalog: you can list it now"):
        _submit(member, model=iphone_13, reference="MLPF3ZD/A")
    _submit(member, model=iphone_13)
    other = SellerMemberFactory()
    with pytest.raises(ValidationError, match="already proposed and under review"):
        _submit(other, model=iphone_13)


# --- Staff decide in the admin, through actions only -----------------------------------------------
def _admin_action(client, staff, action: str, proposals, **fields):
    client.force_login(staff)
    return client.post(reverse("admin:catalog_productproposal_changelist"), {
        "action": action, ACTION_CHECKBOX_NAME: [p.pk for p in proposals], "confirm": "yes", **fields})


def test_approving_in_the_admin_creates_the_product_and_mails_the_seller_once(
        client, member, staff, iphone_13, django_capture_on_commit_callbacks):
    proposal = _submit(member, model=iphone_13, photos=[png()])
    with django_capture_on_commit_callbacks(execute=True):
        response = _admin_action(client, staff, "approve", [proposal], reason="Welcome to the catalog.")
    assert response.status_code == 302
    proposal.refresh_from_db()
    product = Product.objects.get(reference=EAN)
    assert (proposal.status, proposal.product, proposal.reviewed_by) == ("approved", product, staff)
    assert (product.model, product.storage_gb, product.colour, product.is_active) == (
        iphone_13, 128, "Midnight", True)
    assert iphone_13.images.count() == 1  # the model had no picture: the seller's photo is used
    assert len(mail.outbox) == 1
    assert "now in the catalog" in mail.outbox[0].body and f"?q={EAN}" in mail.outbox[0].body
    assert set(mail.outbox[0].to) == {member.seller.contact_email, member.user.email}
    assert product_proposal_notify(proposal_id=proposal.pk) == 0  # a task run twice mails once
    assert len(mail.outbox) == 1


def test_a_proposal_naming_an_unknown_model_is_approved_under_the_model_staff_choose(
        client, member, staff, iphone_13):
    proposal = _submit(member, brand_name="Apple", model_name="iPhone 13 (new)")
    _admin_action(client, staff, "approve", [proposal], reason="")
    proposal.refresh_from_db()
    assert proposal.status == "pending"  # refused, with a message, until a model is chosen
    _admin_action(client, staff, "approve", [proposal], reason="", model=iphone_13.pk)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.product.model) == ("approved", iphone_13)


def test_rejecting_needs_a_reason_and_the_seller_reads_it(client, member, staff, iphone_13,
                                                         django_capture_on_commit_callbacks):
    proposal = _submit(member, model=iphone_13)
    page = _admin_action(client, staff, "reject", [proposal], reason="")
    assert page.status_code == 200 and "This field is required." in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _admin_action(client, staff, "reject", [proposal], reason="This EAN belongs to a charger.")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.reason) == ("rejected", "This EAN belongs to a charger.")
    assert not Product.objects.filter(reference=EAN).exists()
    assert "This EAN belongs to a charger." in mail.outbox[0].body
    client.force_login(member.user)
    assert "This EAN belongs to a charger." in client.get(reverse("sellers:catalog")).content.decode()


def test_a_decided_proposal_cannot_be_decided_again(member, staff, iphone_13):
    proposal = _submit(member, model=iphone_13)
    product_proposal_reject(proposal=proposal, reviewer=staff, reason="Duplicate.")
    with pytest.raises(ValidationError, match="already rejected"):
        product_proposal_approve(proposal=proposal, reviewer=staff)


def test_the_admin_shows_proposals_read_only(client, member, staff, iphone_13):
    proposal = _submit(member, model=iphone_13)
    client.force_login(staff)
    change_url = reverse("admin:catalog_productproposal_change", args=[proposal.pk])
    assert client.get(change_url).status_code == 200
    response = client.post(change_url, {"status": "approved", "reference": "X"})
    assert response.status_code == 403
    assert client.get(reverse("admin:catalog_productproposal_add")).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "pending"


# --- The seller's pages --------------------------------------------------------------------------
def test_the_seller_proposes_on_its_page_follows_the_status_and_can_list_the_approved_product(
        client, member, staff, iphone_13):
    response = client.post(reverse("sellers:proposal_create"), {
        "model": iphone_13.pk, "storage_gb": "128", "colour": "Midnight", "reference": EAN,
        "photos": [png()]})
    proposal = ProductProposal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sellers:proposal_detail",
                                                                            args=[proposal.pk])
    assert (proposal.seller, proposal.proposed_by, proposal.photos.count()) == (member.seller, member.user, 1)
    assert "Under review" in client.get(reverse("sellers:catalog")).content.decode()
    product = product_proposal_approve(proposal=proposal, reviewer=staff).product
    page = client.get(reverse("sellers:catalog")).content.decode()
    assert "Approved" in page and f"{reverse('sellers:listing_create')}?q={EAN}" in page
    search = client.get(reverse("sellers:listing_create"), {"q": EAN}).content.decode()
    assert f'value="{product.pk}"' in search


def test_a_wrong_check_digit_on_the_page_is_a_field_error_not_a_500(client, member, iphone_13):
    response = client.post(reverse("sellers:proposal_create"), {
        "model": iphone_13.pk, "storage_gb": "128", "reference": WRONG_CHECK_DIGIT})
    assert response.status_code == 200
    assert "its last digit should be 2" in response.content.decode()
    assert not ProductProposal.objects.exists()


def test_the_proposal_page_fills_in_the_reference_from_the_link(client, member):
    page = client.get(reverse("sellers:proposal_create"), {"reference": "8806094000000"}).content.decode()
    assert 'value="8806094000000"' in page


def test_another_sellers_proposal_is_a_404_and_absent_from_the_list(client, member, iphone_13):
    other = SellerMemberFactory()
    theirs = _submit(other, model=iphone_13, reference="MLPF3ZD/A")
    assert client.get(reverse("sellers:proposal_detail", args=[theirs.pk])).status_code == 404
    assert "MLPF3ZD/A" not in client.get(reverse("sellers:catalog")).content.decode()
    mine = _submit(member, model=iphone_13)
    assert client.get(reverse("sellers:proposal_detail", args=[mine.pk])).status_code == 200


def test_the_warehouse_role_sees_proposals_but_cannot_propose(client, iphone_13):
    warehouse = SellerMemberFactory(role="warehouse")
    client.force_login(warehouse.user)
    assert client.get(reverse("sellers:catalog")).status_code == 200
    assert client.get(reverse("sellers:proposal_create")).status_code == 403


def test_the_proposals_list_queries_do_not_grow_with_the_proposals(client, member, iphone_13,
                                                                  django_assert_num_queries):
    for index in range(3):
        _submit(member, model=iphone_13, reference=f"MPN-{index}A")
    url = reverse("sellers:catalog")
    client.get(url)
    with django_assert_num_queries(7) as few:  # login, member, count and page of rows, layout
        client.get(url)
    for index in range(3, 20):
        _submit(member, model=iphone_13, reference=f"MPN-{index}A")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)
