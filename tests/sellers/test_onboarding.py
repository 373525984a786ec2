"""Onboarding: apply, staff decide in the admin (with an e-mail by a Celery task), team invitations."""
import pytest
from django.core import mail
from django.urls import reverse

from sellers.models import Seller, SellerInvitation, SellerMember
from tests.factories import SellerFactory, SellerMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

APPLICATION = {
    "name": "Lyon Refurb", "vat_number": "fr 40 123456789", "contact_name": "Ana",
    "contact_email": "ana@lyon-refurb.test", "phone": "", "business_address": "2 quai, Lyon",
    "return_address": "2 quai, Lyon", "accepted_terms": "on",
}


def test_application_creates_a_pending_seller_owned_by_the_applicant(client_user, user):
    response = client_user.post(reverse("sellers:apply"), APPLICATION)
    assert response.status_code == 302 and response["Location"] == reverse("sellers:status")
    seller = Seller.objects.get()
    assert seller.status == Seller.Status.PENDING
    assert seller.vat_number == "FR40123456789"
    assert seller.accepted_terms_at is not None
    assert SellerMember.objects.get(user=user).role == SellerMember.Role.OWNER
    page = client_user.get(reverse("sellers:status")).content.decode()
    assert "Your application is being reviewed" in page


def test_application_without_terms_or_with_a_bad_vat_number_is_refused_with_messages(client_user):
    response = client_user.post(reverse("sellers:apply"), {**APPLICATION, "accepted_terms": "",
                                                           "vat_number": "12"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "You must accept the seller terms to apply." in page
    assert "Enter a VAT number starting with the country code" in page
    assert not Seller.objects.exists()


def test_pending_seller_cannot_reach_the_back_office_and_sees_its_status(client_user):
    client_user.post(reverse("sellers:apply"), APPLICATION)
    for name in ("sellers:dashboard", "sellers:listing_list", "sellers:listing_create"):
        response = client_user.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == reverse("sellers:status")


def test_applying_twice_sends_the_applicant_to_the_status_page(client_user):
    client_user.post(reverse("sellers:apply"), APPLICATION)
    response = client_user.post(reverse("sellers:apply"), {**APPLICATION, "name": "Second"})
    assert response["Location"] == reverse("sellers:status")
    assert Seller.objects.count() == 1


def _admin_action(client, action: str, seller: Seller, reason: str = "Checked by staff."):
    """The action's confirmation page asks for a reason; this answers it."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client.post(reverse("admin:sellers_seller_changelist"),
                       {"action": action, "_selected_action": [seller.pk], "confirm": "yes",
                        "reason": reason}, follow=True)


def test_staff_approval_in_the_admin_opens_the_back_office_and_emails_the_applicant(
        client, django_capture_on_commit_callbacks):
    applicant = SellerMemberFactory(seller__status=Seller.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        response = _admin_action(client, "approve", applicant.seller)
    assert response.status_code == 200
    applicant.seller.refresh_from_db()
    assert applicant.seller.status == Seller.Status.APPROVED and applicant.seller.approved_at
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[Refurb] Your seller account is approved"
    assert applicant.user.email in mail.outbox[0].to
    client.force_login(applicant.user)
    assert client.get(reverse("sellers:dashboard")).status_code == 200


def test_staff_rejection_emails_the_reason_and_the_status_page_says_what_to_do(
        client, django_capture_on_commit_callbacks):
    applicant = SellerMemberFactory(seller__status=Seller.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        _admin_action(client, "reject", applicant.seller,
                      reason="The VAT number does not match the company.")
    applicant.seller.refresh_from_db()
    assert applicant.seller.status == Seller.Status.REJECTED
    assert "The VAT number does not match the company." in mail.outbox[0].body
    client.force_login(applicant.user)
    page = client.get(reverse("sellers:status")).content.decode()
    assert "was not accepted" in page and "The VAT number does not match" in page


def test_rejecting_an_approved_seller_is_refused_and_sends_nothing(
        client, django_capture_on_commit_callbacks):
    seller = SellerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = _admin_action(client, "reject", seller)
    assert "Only pending applications can be rejected." in response.content.decode()
    seller.refresh_from_db()
    assert seller.status == Seller.Status.APPROVED and not mail.outbox


def test_suspended_seller_is_sent_to_its_status_page(client, django_capture_on_commit_callbacks):
    member = SellerMemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _admin_action(client, "suspend", member.seller)
    assert mail.outbox[0].subject == "[Refurb] Your seller account is suspended"
    client.force_login(member.user)
    assert client.get(reverse("sellers:listing_list"))["Location"] == reverse("sellers:status")
    assert "suspended" in client.get(reverse("sellers:status")).content.decode()


def test_owner_invites_a_colleague_who_joins_through_the_emailed_link(
        client, django_capture_on_commit_callbacks):
    owner = SellerMemberFactory()
    client.force_login(owner.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sellers:team"), {"email": "Colleague@Example.test",
                                                          "role": "warehouse"})
    assert response.status_code == 302
    invitation = SellerInvitation.objects.get()
    assert invitation.email == "colleague@example.test" and invitation.role == "warehouse"
    url = reverse("sellers:invitation_accept", kwargs={"token": invitation.token})
    assert url in mail.outbox[0].body and "Your role: Warehouse." in mail.outbox[0].body

    colleague = UserFactory(email="colleague@example.test")
    client.force_login(colleague)
    assert client.post(url)["Location"] == reverse("sellers:dashboard")
    joined = SellerMember.objects.get(user=colleague)
    assert joined.seller == owner.seller and joined.role == SellerMember.Role.WAREHOUSE
    assert client.get(reverse("sellers:dashboard")).status_code == 200
    # The link works once.
    other = UserFactory()
    client.force_login(other)
    client.post(url)
    assert not SellerMember.objects.filter(user=other).exists()


def test_invitation_cannot_be_accepted_with_another_email(client):
    owner = SellerMemberFactory()
    invitation = SellerInvitation.objects.create(seller=owner.seller, email="right@example.test",
                                                 token="t" * 40, invited_by=owner.user)
    intruder = UserFactory(email="wrong@example.test")
    client.force_login(intruder)
    response = client.post(reverse("sellers:invitation_accept", kwargs={"token": invitation.token}),
                           follow=True)
    assert "This invitation was sent to right@example.test" in response.content.decode()
    assert not SellerMember.objects.filter(user=intruder).exists()


def test_team_member_who_is_not_owner_cannot_invite(client):
    member = SellerMemberFactory(role=SellerMember.Role.MANAGER)
    client.force_login(member.user)
    assert client.post(reverse("sellers:team"), {"email": "x@example.test", "role": "manager"}
                       ).status_code == 403
    assert not SellerInvitation.objects.exists()
