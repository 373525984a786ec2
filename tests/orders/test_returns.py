"""Returns: the shopper's request page, the seller's accept/dispute, staff arbitration in the admin,
and the refund once the item is received."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders import fulfilment
from orders.models import Refund, ReturnRequest
from tests.factories import SellerMemberFactory, UserFactory

from .fulfil_support import paid_order, seller_setup, to_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered():
    seller, listing = seller_setup()
    shopper = UserFactory()
    order = paid_order(lines=[(listing, 1)], user=shopper)
    seller_order = to_state(order.seller_orders.get(), "delivered")
    return shopper, seller, order, seller_order


def test_shopper_requests_a_return_from_the_order_page(client, delivered, django_capture_on_commit_callbacks,
                                                       mailoutbox):
    shopper, seller, order, seller_order = delivered
    line = seller_order.lines.get()
    client.force_login(shopper)
    page = client.get(reverse("orders:order_detail", args=[order.number]))
    url = reverse("orders:return_request", args=[order.number, line.pk])
    assert url in page.content.decode()
    response = client.post(url, {"reason": "", "comment": ""})
    assert response.status_code == 200
    assert "Choose a reason." in response.content.decode()
    assert "Tell the seller what is wrong" in response.content.decode()
    assert not ReturnRequest.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "defective", "comment": "The camera does not focus."})
    assert response.status_code == 302
    ret = ReturnRequest.objects.get()
    assert (ret.state, ret.reason, ret.requested_by) == ("requested", "defective", shopper)
    assert [m.subject for m in mailoutbox if "Return requested" in m.subject]
    page = client.get(reverse("orders:order_detail", args=[order.number])).content.decode()
    assert "Return: Requested" in page and url not in page


def test_return_link_disappears_after_the_window(client, delivered, settings):
    shopper, _seller, order, seller_order = delivered
    seller_order.delivered_at = timezone.now() - timedelta(days=settings.RETURN_WINDOW_DAYS + 1)
    seller_order.save(update_fields=["delivered_at"])
    client.force_login(shopper)
    url = reverse("orders:return_request", args=[order.number, seller_order.lines.get().pk])
    assert url not in client.get(reverse("orders:order_detail", args=[order.number])).content.decode()
    response = client.post(url, {"reason": "defective", "comment": "Too late?"}, follow=True)
    assert "return window closed" in response.content.decode()
    assert not ReturnRequest.objects.exists()


def test_another_shopper_cannot_return_or_see_the_order(client, delivered):
    _shopper, _seller, order, seller_order = delivered
    client.force_login(UserFactory())
    line = seller_order.lines.get()
    assert client.get(reverse("orders:order_detail", args=[order.number])).status_code == 404
    assert client.get(reverse("orders:order_invoice", args=[order.number])).status_code == 404
    assert client.post(reverse("orders:return_request", args=[order.number, line.pk]),
                       {"reason": "defective", "comment": "mine now"}).status_code == 404
    assert not ReturnRequest.objects.exists()


def test_seller_disputes_staff_arbitrate_in_the_admin_and_the_refund_follows_receipt(
        client, delivered, django_capture_on_commit_callbacks, mailoutbox):
    shopper, seller, order, seller_order = delivered
    ret = fulfilment.return_request_create(order_line=seller_order.lines.get(), reason="not_as_described",
                                           comment="Grade says excellent, deep scratches.")
    member = SellerMemberFactory(seller=seller).user
    client.force_login(member)
    dispute_url = reverse("sellers:return_decide", args=[ret.pk, "dispute"])
    response = client.post(dispute_url, {f"r{ret.pk}-note": ""})
    assert response.status_code == 200 and "Say why you dispute this return." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(dispute_url, {f"r{ret.pk}-note": "Photos at dispatch show no scratch."})
    ret.refresh_from_db()
    assert ret.state == "disputed" and ret.seller_note == "Photos at dispatch show no scratch."
    # The seller cannot overrule the dispute itself.
    response = client.post(reverse("sellers:return_decide", args=[ret.pk, "accept"]), follow=True)
    assert "decided by our staff" in response.content.decode()

    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    changelist = reverse("admin:orders_returnrequest_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(changelist, {"action": "accept_returns", "_selected_action": [ret.pk],
                                            "confirm": "yes",
                                            "reason": "Scratches visible on the shopper's photos."})
    assert response.status_code == 302
    ret.refresh_from_db()
    assert ret.state == "accepted" and ret.staff_note == "Scratches visible on the shopper's photos."
    assert ret.transitions.last().actor == staff
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "mark_received", "_selected_action": [ret.pk], "confirm": "yes",
                                 "reason": "Parcel opened at the warehouse."})
    ret.refresh_from_db()
    seller_order.refresh_from_db()
    assert ret.state == "refunded"
    assert Refund.objects.get(return_request=ret).amount == seller_order.lines.get().line_total
    assert seller_order.refunded_amount == ret.amount
    shopper_subjects = [m.subject for m in mailoutbox if m.to == [shopper.email]]
    assert any("under review" in s for s in shopper_subjects)
    assert any("is accepted" in s for s in shopper_subjects)
    assert any("is refunded" in s for s in shopper_subjects)


def test_staff_reject_needs_a_note_and_is_final(client, delivered):
    _shopper, _seller, _order, seller_order = delivered
    ret = fulfilment.return_request_create(order_line=seller_order.lines.get(), reason="changed_mind",
                                           comment="Bought a new one.")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    changelist = reverse("admin:orders_returnrequest_changelist")
    reject = {"action": "reject_returns", "_selected_action": [ret.pk], "confirm": "yes", "reason": " "}
    response = client.post(changelist, reject)
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    ret.refresh_from_db()
    assert ret.state == "requested"
    client.post(changelist, {**reject, "reason": "Opened and activated on another account."})
    ret.refresh_from_db()
    assert ret.state == "rejected" and ret.staff_note == "Opened and activated on another account."
    with pytest.raises(fulfilment.TransitionError):
        fulfilment.return_accept(ret=ret, by_staff=True)
