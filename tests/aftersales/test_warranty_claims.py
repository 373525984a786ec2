"""Warranty claims: a shopper opens an after-sales case from the order page for a delivered
device within its warranty (photos checked by Pillow); the seller answers it in its back office;
staff see every case in the admin, read-only but for their actions; one writer of its state."""
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from aftersales.models import WarrantyClaim, WarrantyClaimTransition
from aftersales.services import claim_open
from aftersales.states import CLAIM_TRANSITIONS
from orders.models import SellerOrder
from orders.states import TransitionError
from tests.factories import SellerMemberFactory, UserFactory
from tests.orders.fulfil_support import paid_order, seller_setup, to_state
from tests.orders.test_state_writers import state_writes

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def png(name="fault.png", size=(400, 300)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def delivered(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    seller, listing = seller_setup()
    buyer = UserFactory()
    order = paid_order(lines=[(listing, 1)], user=buyer)
    seller_order = to_state(order.seller_orders.get(), "delivered")
    return seller, buyer, order, seller_order, seller_order.lines.get()


def _claim_url(order, line):
    return reverse("aftersales:claim_create", args=[order.number, line.pk])


def test_the_order_page_offers_a_claim_and_the_shopper_opens_one_with_photos(client, delivered):
    seller, buyer, order, seller_order, line = delivered
    client.force_login(buyer)
    page = client.get(reverse("orders:order_detail", args=[order.number])).content.decode()
    assert _claim_url(order, line) in page
    response = client.post(_claim_url(order, line), {
        "reason": "battery", "description": "It drops from 80 % to nothing in an hour.",
        "photos": [png(), png("second.png")]})
    assert response.status_code == 302
    claim = WarrantyClaim.objects.get()
    assert (claim.state, claim.reason, claim.seller_order, claim.order_line, claim.user) == (
        "open", "battery", seller_order, line, buyer)
    assert claim.photos.count() == 2
    assert all(photo.image.name.endswith(".webp") for photo in claim.photos.all())  # re-encoded
    page = client.get(reverse("orders:order_detail", args=[order.number])).content.decode()
    assert "Waiting for the seller" in page and _claim_url(order, line) not in page  # one at a time


def test_a_file_that_is_not_a_picture_is_refused_clearly(client, delivered):
    _seller, buyer, order, _so, line = delivered
    client.force_login(buyer)
    fake = SimpleUploadedFile("fault.jpg", b"MZ this is not a picture at all", content_type="image/jpeg")
    response = client.post(_claim_url(order, line), {
        "reason": "screen", "description": "Lines across the screen since yesterday.", "photos": [fake]})
    assert response.status_code == 400
    assert "not an image we can read" in response.content.decode()
    assert not WarrantyClaim.objects.exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"reason": "battery", "description": "short"}, "description"),
    ({"reason": "melted", "description": "It does not work any more at all."}, "reason"),
])
def test_bad_input_is_refused_with_a_clear_error_never_a_500(client, delivered, data, field):
    _seller, buyer, order, _so, line = delivered
    client.force_login(buyer)
    response = client.post(_claim_url(order, line), data)
    assert response.status_code == 400 and not WarrantyClaim.objects.exists()


def test_not_delivered_or_out_of_warranty_cannot_be_claimed(delivered):
    _seller, buyer, order, seller_order, line = delivered
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        delivered_at=timezone.now() - timedelta(days=31 * line.warranty_months + 2))
    line.refresh_from_db()
    with pytest.raises(TransitionError, match="warranty of this device ended"):
        claim_open(order_line=line, user=buyer, reason="battery", description="It will not hold a charge.")
    _s, other_listing = seller_setup()
    shipped = to_state(paid_order(lines=[(other_listing, 1)], user=buyer).seller_orders.get(), "shipped")
    with pytest.raises(TransitionError, match="once the order is delivered"):
        claim_open(order_line=shipped.lines.get(), user=buyer, reason="battery",
                   description="It will not hold a charge.")


def test_another_shoppers_order_is_a_404(client, delivered):
    _seller, _buyer, order, _so, line = delivered
    client.force_login(UserFactory())
    assert client.get(_claim_url(order, line)).status_code == 404
    response = client.post(_claim_url(order, line), {"reason": "battery", "description": "x" * 30})
    assert response.status_code == 404


def test_the_seller_sees_and_answers_the_claim_and_the_shopper_reads_the_answer(client, delivered):
    seller, buyer, order, _so, line = delivered
    claim = claim_open(order_line=line, user=buyer, reason="charging",
                       description="The port is loose and it will not charge.")
    member = SellerMemberFactory(seller=seller)
    client.force_login(member.user)
    listing_page = client.get(reverse("aftersales:seller_claim_list")).content.decode()
    assert reverse("aftersales:seller_claim_detail", args=[claim.pk]) in listing_page
    detail = client.get(reverse("aftersales:seller_claim_detail", args=[claim.pk])).content.decode()
    assert "The port is loose" in detail
    order_page = client.get(reverse("sellers:order_detail", args=[claim.seller_order_id])).content.decode()
    assert reverse("aftersales:seller_claim_detail", args=[claim.pk]) in order_page  # from its order too
    answer = reverse("aftersales:seller_claim_answer", args=[claim.pk])
    too_soon = client.post(answer, {"decision": "resolved", "message": "Done already, really."})
    assert too_soon.status_code == 400  # an open claim is accepted or declined first
    response = client.post(answer, {"decision": "accepted", "message": "Send it back with the prepaid "
                                    "label; we replace the port within 3 days."})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == "accepted" and claim.answered_at is not None
    assert client.post(answer, {"decision": "resolved", "message": "Port replaced, shipped back today."}
                       ).status_code == 302
    claim.refresh_from_db()
    assert claim.state == "resolved" and claim.resolved_at is not None
    assert list(WarrantyClaimTransition.objects.filter(claim=claim).values_list("to_state", flat=True)) == [
        "accepted", "resolved"]

    client.force_login(buyer)
    page = client.get(reverse("orders:order_detail", args=[order.number])).content.decode()
    assert "Resolved" in page and "we replace the port within 3 days" in page
    assert _claim_url(order, line) in page  # resolved: a new fault may be claimed


def test_another_sellers_claim_is_a_404(client, delivered):
    _seller, buyer, _order, _so, line = delivered
    claim = claim_open(order_line=line, user=buyer, reason="other",
                       description="It reboots every few minutes.")
    client.force_login(SellerMemberFactory().user)
    assert client.get(reverse("aftersales:seller_claim_detail", args=[claim.pk])).status_code == 404
    response = client.post(reverse("aftersales:seller_claim_answer", args=[claim.pk]),
                           {"decision": "declined", "message": "Not ours to answer, clearly."})
    assert response.status_code == 404
    claim.refresh_from_db()
    assert claim.state == "open"


def test_staff_see_claims_read_only_and_close_one_with_a_reason(client, delivered):
    _seller, buyer, _order, _so, line = delivered
    claim = claim_open(order_line=line, user=buyer, reason="other",
                       description="It reboots every few minutes.")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    changelist = reverse("admin:aftersales_warrantyclaim_changelist")
    assert client.get(changelist).status_code == 200
    change = client.get(reverse("admin:aftersales_warrantyclaim_change", args=[claim.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    response = client.post(changelist, {"action": "close_claims", "_selected_action": [claim.pk],
                                        "confirm": "yes", "reason": "Seller replaced it by phone."})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == "resolved"


def test_the_state_table_and_its_one_writer():
    assert CLAIM_TRANSITIONS["resolved"] == frozenset()
    assert "open" not in CLAIM_TRANSITIONS["accepted"]
    writers = {path.relative_to(ROOT).as_posix(): state_writes(path.read_text())
               for path in (ROOT / "aftersales").rglob("*.py")}
    assert {path for path, found in writers.items() if found} == {"aftersales/states.py"}


def test_the_seller_hears_of_a_claim_and_the_shopper_of_the_answer_each_once(
        delivered, django_capture_on_commit_callbacks, mailoutbox):
    from aftersales.services import claim_seller_answer
    from aftersales.tasks import send_claim_email

    seller, buyer, order, _so, line = delivered
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_open(order_line=line, user=buyer, reason="screen",
                           description="Green lines across the screen since Monday.")
    assert [m.to for m in mailoutbox] == [[seller.contact_email]]
    assert "Green lines across the screen" in mailoutbox[0].body and order.number in mailoutbox[0].subject
    member = SellerMemberFactory(seller=seller)
    with django_capture_on_commit_callbacks(execute=True):
        claim_seller_answer(claim=claim, actor=member.user, to_state="declined",
                            message="The glass is cracked from a fall: not covered, sorry.")
    assert mailoutbox[-1].to == [buyer.email] and "not covered" in mailoutbox[-1].body
    send_claim_email(claim.pk, "declined")  # a redelivered task
    send_claim_email(claim.pk, "opened")
    assert len(mailoutbox) == 2


def test_claim_photos_are_private_shown_to_the_claims_seller_and_staff_only(client, delivered):
    seller, buyer, _order, _so, line = delivered
    claim = claim_open(order_line=line, user=buyer, reason="screen", photos=[png()],
                       description="Dead pixels in the top left corner.")
    photo = claim.photos.get()
    with pytest.raises(ValueError):
        photo.image.url  # noqa: B018 - a private file has no public URL
    url = reverse("aftersales:seller_claim_photo", args=[claim.pk, photo.pk])
    client.force_login(SellerMemberFactory(seller=seller).user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert url in client.get(reverse("aftersales:seller_claim_detail", args=[claim.pk])).content.decode()
    client.force_login(SellerMemberFactory().user)
    assert client.get(url).status_code == 404
    client.force_login(buyer)
    assert client.get(url).status_code in (302, 404)  # not a seller: sent to apply, never the file
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    admin_url = reverse("admin:aftersales_warrantyclaim_photo", args=[claim.pk, photo.pk])
    assert client.get(admin_url).status_code == 200
    change = client.get(reverse("admin:aftersales_warrantyclaim_change", args=[claim.pk]))
    assert admin_url in change.content.decode()
    client.logout()
    assert client.get(admin_url).status_code == 302  # to the admin's login
