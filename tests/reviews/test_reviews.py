"""Verified reviews: who may write one and when, editing, staff hiding with history, the seller's reply,
the invitation e-mail sent once, and the score kept current after a review."""
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from orders.models import Notification
from reviews import services
from reviews.models import Review, ReviewEvent
from reviews.tasks import send_review_invitation
from tests.factories import SellerMemberFactory, UserFactory
from tests.orders.fulfil_support import paid_order, seller_setup, to_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(django_capture_on_commit_callbacks):
    seller, listing = seller_setup()
    shopper = UserFactory()
    order = paid_order(lines=[(listing, 1)], user=shopper)
    with django_capture_on_commit_callbacks(execute=True):
        seller_order = to_state(order.seller_orders.get(), "delivered")
    return shopper, seller, order, seller_order


def test_shopper_rates_a_delivered_order_from_the_order_page_and_the_seller_rating_follows(
        client, delivered, django_capture_on_commit_callbacks):
    shopper, seller, order, seller_order = delivered
    client.force_login(shopper)
    url = reverse("reviews:review_write", args=[seller_order.pk])
    assert url in client.get(reverse("orders:order_detail", args=[order.number])).content.decode()
    assert url in client.get(reverse("orders:order_list")).content.decode()
    assert client.post(url, {"stars": "9"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"stars": "4", "comment": "Like new"})
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.stars, review.comment) == (4, "Like new")
    assert (review.seller_id, review.author_id) == (seller.pk, shopper.pk)
    seller.refresh_from_db()
    assert (seller.rating, seller.rating_count) == (4, 1)
    assert seller.quality_parts["rating"] == {"value": "4.00", "count": 1}


def test_only_the_shopper_of_the_order_may_review_it_and_another_shopper_gets_a_404(client, delivered):
    _shopper, _seller, _order, seller_order = delivered
    stranger = UserFactory()
    with pytest.raises(ValidationError):
        services.review_create(seller_order=seller_order, user=stranger, stars=5)
    client.force_login(stranger)
    assert client.get(reverse("reviews:review_write", args=[seller_order.pk])).status_code == 404
    assert not Review.objects.exists()


def test_an_order_not_yet_delivered_cannot_be_reviewed():
    seller, listing = seller_setup()
    shopper = UserFactory()
    seller_order = to_state(paid_order(lines=[(listing, 1)], user=shopper).seller_orders.get(), "shipped")
    with pytest.raises(ValidationError, match="once it is delivered"):
        services.review_create(seller_order=seller_order, user=shopper, stars=5)


def test_reviews_close_60_days_after_delivery(delivered):
    shopper, _seller, _order, seller_order = delivered
    late = seller_order.delivered_at + timedelta(days=60, minutes=1)
    with pytest.raises(ValidationError, match="60 days"):
        services.review_create(seller_order=seller_order, user=shopper, stars=5, now=late)
    services.review_create(seller_order=seller_order, user=shopper, stars=5,
                           now=seller_order.delivered_at + timedelta(days=59))


def test_a_seller_order_is_reviewed_once(delivered):
    shopper, _seller, _order, seller_order = delivered
    services.review_create(seller_order=seller_order, user=shopper, stars=5)
    with pytest.raises(ValidationError, match="already reviewed"):
        services.review_create(seller_order=seller_order, user=shopper, stars=1)
    assert Review.objects.get().stars == 5


def test_a_review_is_editable_for_7_days_only(delivered):
    shopper, _seller, _order, seller_order = delivered
    now = timezone.now()
    review = services.review_create(seller_order=seller_order, user=shopper, stars=2, now=now)
    services.review_edit(review=review, user=shopper, stars=3, now=now + timedelta(days=6))
    with pytest.raises(ValidationError):
        services.review_edit(review=review, user=shopper, stars=5, now=now + timedelta(days=7, minutes=1))
    review.refresh_from_db()
    assert review.stars == 3
    assert list(review.events.values_list("action", "stars")) == [("created", 2), ("edited", 3)]


def test_staff_hide_a_review_with_a_reason_from_the_admin_and_it_counts_nowhere(
        admin_client, admin_user, delivered, django_capture_on_commit_callbacks):
    shopper, seller, _order, seller_order = delivered
    with django_capture_on_commit_callbacks(execute=True):
        review = services.review_create(seller_order=seller_order, user=shopper, stars=1, comment="Insults")
    url = reverse("admin:reviews_review_changelist")
    page = admin_client.post(url, {"action": "hide", "_selected_action": [review.pk]})
    assert "Reason" in page.content.decode()  # the confirmation page asks why
    review.refresh_from_db()
    assert review.hidden_at is None
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"action": "hide", "_selected_action": [review.pk], "confirm": "1",
                                "reason": "Abusive language"})
    review.refresh_from_db()
    assert review.hidden_reason == "Abusive language" and review.hidden_at is not None
    event = review.events.get(action=ReviewEvent.Action.HIDDEN)
    assert (event.actor, event.reason) == (admin_user, "Abusive language")
    seller.refresh_from_db()
    assert (seller.rating_count, seller.quality_parts["rating"]["count"]) == (0, 0)


def test_the_seller_replies_once_publicly_and_another_sellers_review_is_a_404(client, delivered):
    shopper, seller, _order, seller_order = delivered
    review = services.review_create(seller_order=seller_order, user=shopper, stars=4, comment="Fine")
    member = SellerMemberFactory(seller=seller)
    client.force_login(member.user)
    url = reverse("reviews:seller_review_reply", args=[review.pk])
    client.post(url, {"reply": "Thank you!"})
    client.post(url, {"reply": "Second reply"})
    review.refresh_from_db()
    assert review.reply == "Thank you!"
    assert "Thank you!" in client.get(reverse("reviews:seller_page", args=[seller.slug])).content.decode()
    other = SellerMemberFactory()
    client.force_login(other.user)
    assert client.post(url, {"reply": "Not mine"}).status_code == 404


def test_the_invitation_to_review_is_mailed_once_after_delivery(delivered, mailoutbox):
    shopper, _seller, _order, seller_order = delivered
    invitations = [m for m in mailoutbox if "How was your order" in m.subject]
    assert len(invitations) == 1 and invitations[0].to == [shopper.email]
    assert reverse("reviews:review_write", args=[seller_order.pk]) in invitations[0].body
    assert send_review_invitation(seller_order.pk) == 0  # a second run mails nothing
    assert Notification.objects.filter(key=f"so:{seller_order.pk}:review-invite").count() == 1


def test_public_seller_page_says_new_seller_without_reviews_and_404s_when_not_approved(client, delivered):
    _shopper, seller, _order, _seller_order = delivered
    page = client.get(reverse("reviews:seller_page", args=[seller.slug])).content.decode()
    assert "New seller" in page and "0.00" not in page
    seller.status = seller.Status.SUSPENDED
    seller.save()
    assert client.get(reverse("reviews:seller_page", args=[seller.slug])).status_code == 404
