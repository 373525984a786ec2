"""Staff decide on sellers in the admin: each decision asks for a reason, calls the service and
is kept in the seller's audit trail; the listing list searches by SKU, product and seller."""
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from sellers.models import Listing, Seller
from tests.factories import ListingFactory, SellerFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:sellers_seller_changelist"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _act(client, action, sellers, **extra):
    return client.post(reverse(CHANGELIST), {"action": action,
                                             "_selected_action": [s.pk for s in sellers], **extra})


def test_choosing_an_action_shows_a_confirmation_page_and_changes_nothing_yet(staff_client):
    seller = SellerFactory(status=Seller.Status.PENDING)
    response = _act(staff_client, "approve", [seller])
    assert response.status_code == 200
    page = response.content.decode()
    assert seller.name in page and 'name="reason"' in page and 'name="confirm"' in page
    seller.refresh_from_db()
    assert seller.status == Seller.Status.PENDING


def test_a_decision_without_a_reason_is_refused_with_an_error(staff_client):
    seller = SellerFactory()
    response = _act(staff_client, "suspend", [seller], confirm="yes", reason="")
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    seller.refresh_from_db()
    assert seller.status == Seller.Status.APPROVED


def test_suspension_takes_every_listing_out_of_the_buy_box_and_reinstatement_brings_them_back(
        staff_client, django_capture_on_commit_callbacks):
    listing = ListingFactory(price="100.00", quantity=5)
    assert Listing.objects.buyable().filter(pk=listing.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _act(staff_client, "suspend", [listing.seller], confirm="yes", reason="Counterfeit parts reported.")
    listing.seller.refresh_from_db()
    assert listing.seller.status == Seller.Status.SUSPENDED
    assert listing.seller.status_reason == "Counterfeit parts reported."
    assert not Listing.objects.buyable().filter(pk=listing.pk).exists()
    assert "Counterfeit parts reported." in mail.outbox[-1].body

    with django_capture_on_commit_callbacks(execute=True):
        _act(staff_client, "reinstate", [listing.seller], confirm="yes", reason="Supplier audit passed.")
    listing.seller.refresh_from_db()
    assert listing.seller.status == Seller.Status.APPROVED
    assert Listing.objects.buyable().filter(pk=listing.pk).exists()


def test_reinstating_a_seller_that_is_not_suspended_is_refused(staff_client):
    pending = SellerFactory(status=Seller.Status.PENDING)
    response = _act(staff_client, "reinstate", [pending], confirm="yes", reason="Oops")
    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    assert "Only suspended sellers can be reinstated." in page
    pending.refresh_from_db()
    assert pending.status == Seller.Status.PENDING


def test_the_audit_trail_keeps_who_decided_and_why(staff_client):
    seller = SellerFactory(status=Seller.Status.PENDING)
    _act(staff_client, "reject", [seller], confirm="yes", reason="VAT number unknown.")
    record = seller.history.latest()
    assert record.status == Seller.Status.REJECTED
    assert record.history_change_reason == "VAT number unknown."
    assert record.history_user is not None and record.history_user.is_superuser
    history_page = staff_client.get(reverse("admin:sellers_seller_history", args=[seller.pk]))
    assert history_page.status_code == 200
    assert "VAT number unknown." in history_page.content.decode()


def test_commission_rate_is_editable_the_rating_is_not_and_the_change_is_audited(staff_client):
    seller = SellerFactory(rating=Decimal("4.50"))
    url = reverse("admin:sellers_seller_change", args=[seller.pk])
    form = staff_client.get(url).context["adminform"].form
    assert "rating" not in form.fields and "quality_score" not in form.fields  # computed, never typed
    data = {name: form[name].value() for name in form.fields}
    data.update({k: v if v is not None else "" for k, v in data.items()})
    data.update(commission_rate="0.1250", rating="1.00", low_stock_alerts="on",
                **{"members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0"})
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    seller.refresh_from_db()
    assert str(seller.commission_rate) == "0.1250" and str(seller.rating) == "4.50"
    assert seller.history.count() == 2  # created, then changed


def test_a_seller_below_the_quality_threshold_is_flagged_for_review(staff_client, settings):
    settings.SELLER_QUALITY_REVIEW_THRESHOLD = 60
    low = SellerFactory(name="Shaky Repairs", quality_score=Decimal("55.00"))
    SellerFactory(name="Solid Repairs", quality_score=Decimal("85.00"))
    url = reverse("admin:sellers_seller_changelist")
    page = staff_client.get(url, {"quality": "review"}).content.decode()
    assert "Shaky Repairs" in page and "Solid Repairs" not in page and "⚑" in page
    detail = staff_client.get(reverse("admin:sellers_seller_change", args=[low.pk])).content.decode()
    assert "Fulfilment rate" in detail and "55.00" in detail


def test_status_cannot_be_set_from_the_change_form(staff_client):
    seller = SellerFactory(status=Seller.Status.PENDING)
    url = reverse("admin:sellers_seller_change", args=[seller.pk])
    assert "status" not in staff_client.get(url).context["adminform"].form.fields


@pytest.mark.parametrize("query_of", [
    lambda listing: listing.sku,
    lambda listing: listing.product.reference,
    lambda listing: listing.seller.name,
])
def test_listings_are_found_by_sku_product_reference_or_seller(staff_client, query_of):
    # Names that do not contain each other ("Refurbisher 27" would also find "Refurbisher 270").
    wanted, other = ListingFactory(seller__name="Alpha Phones"), ListingFactory(seller__name="Beta Phones")
    response = staff_client.get(reverse("admin:sellers_listing_changelist"), {"q": query_of(wanted)})
    shown = list(response.context["cl"].result_list)
    assert wanted in shown and other not in shown
