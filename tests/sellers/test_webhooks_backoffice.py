"""The back office's webhooks pages: add (https only, the secret once), change the event types,
switch off and on, rotate, delete; the deliveries page reads a fixed number of queries."""
import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sellers.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from sellers.webhooks import event_record, webhook_endpoint_create
from tests.factories import SellerMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    return member


def test_an_http_url_is_refused_with_a_clear_error_and_nothing_is_added(client, owner):
    response = client.post(reverse("sellers:webhooks"), {"url": "http://erp.example.test/h",
                                                         "event_types": ["seller_order.paid"]})
    assert response.status_code == 200
    assert "Enter an https:// URL" in response.content.decode()
    response = client.post(reverse("sellers:webhooks"), {"url": "https://erp.example.test/h",
                                                         "event_types": ["no.such"]})
    assert response.status_code == 200 and not WebhookEndpoint.objects.exists()


def test_the_secret_is_shown_once_after_adding_and_after_a_rotation(client, owner):
    added = client.post(reverse("sellers:webhooks"), {
        "url": "https://erp.example.test/h", "event_types": ["seller_order.paid", "payout.recorded"]})
    endpoint = WebhookEndpoint.objects.get(seller=owner.seller)
    assert added["Location"] == reverse("sellers:webhook_detail", args=[endpoint.pk])
    detail = reverse("sellers:webhook_detail", args=[endpoint.pk])
    assert endpoint.secret in client.get(detail).content.decode()
    assert endpoint.secret not in client.get(detail).content.decode()  # once
    old = endpoint.secret
    client.post(reverse("sellers:webhook_action", args=[endpoint.pk, "rotate"]))
    endpoint.refresh_from_db()
    page = client.get(detail).content.decode()
    assert endpoint.secret in page and old not in page and "previous secret too" in page
    assert endpoint.previous_secret == old
    assert endpoint.secret not in client.get(detail).content.decode()


def test_types_are_changed_and_the_endpoint_switched_off_on_and_deleted(client, owner):
    endpoint, _secret = webhook_endpoint_create(seller=owner.seller, url="https://erp.example.test/h",
                                                event_types=["seller_order.paid"])
    detail = reverse("sellers:webhook_detail", args=[endpoint.pk])
    client.post(detail, {"event_types": ["return.requested", "listing.low_stock"]})
    endpoint.refresh_from_db()
    assert endpoint.event_types == ["return.requested", "listing.low_stock"]
    assert client.post(detail, {"event_types": []}).status_code == 200  # at least one: the form says so
    client.post(reverse("sellers:webhook_action", args=[endpoint.pk, "disable"]))
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    client.post(reverse("sellers:webhook_action", args=[endpoint.pk, "enable"]))
    endpoint.refresh_from_db()
    assert endpoint.is_active is True
    assert client.post(reverse("sellers:webhook_action", args=[endpoint.pk, "explode"])).status_code == 404
    client.post(reverse("sellers:webhook_action", args=[endpoint.pk, "delete"]))
    assert not WebhookEndpoint.objects.exists()


def _deliveries(endpoint, count):
    with transaction.atomic():
        for n in range(count):
            event_record(seller_id=endpoint.seller_id, type="seller_order.paid", payload={"n": n})
    for delivery in WebhookDelivery.objects.filter(endpoint=endpoint):
        WebhookAttempt.objects.bulk_create([
            WebhookAttempt(delivery=delivery, attempted_at=timezone.now(), status_code=500,
                           response_excerpt="down") for _ in range(3)])


def test_the_pages_read_a_fixed_number_of_queries_however_many_deliveries(
        client, owner, django_assert_max_num_queries):
    endpoint, _secret = webhook_endpoint_create(seller=owner.seller, url="https://erp.example.test/h",
                                                event_types=["seller_order.paid"])
    detail = reverse("sellers:webhook_detail", args=[endpoint.pk])
    _deliveries(endpoint, 2)
    client.get(detail)
    with django_assert_max_num_queries(14) as few:
        client.get(detail)
    _deliveries(endpoint, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(detail).content.decode()
    assert page.count("down") >= 22 * 3
    with django_assert_max_num_queries(12):
        assert client.get(reverse("sellers:webhooks")).status_code == 200
    assert Event.objects.count() == 22
