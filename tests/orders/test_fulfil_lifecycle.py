"""A seller order from payment to payout through the services: stock, serials, e-mails, history,
and the timed jobs (auto-cancel, auto-delivery) with a frozen clock."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace.celery import app as celery_app
from orders import fulfilment, selectors, tasks
from orders.fulfilment import TransitionError
from orders.models import Order, Refund, SellerOrder, UnitSerial
from tests.factories import ListingFactory, UserFactory

from .fulfil_support import IMEI, IMEI_2, paid_order, seller_setup, serials_for, to_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


def test_full_lifecycle_from_payment_to_payout(django_capture_on_commit_callbacks, mailoutbox, settings):
    seller, listing = seller_setup(quantity=3)
    member = UserFactory()
    shopper = UserFactory()
    order = paid_order(lines=[(listing, 2)], user=shopper)
    seller_order = order.seller_orders.get()
    listing.refresh_from_db()
    assert (listing.quantity, listing.allocated) == (3, 2)
    t0 = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.seller_order_accept(seller_order=seller_order, actor=member)
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.seller_order_ship(seller_order=seller_order, carrier="Colissimo",
                                     tracking_number="6A12345678901", actor=member,
                                     serials={seller_order.lines.get().pk: [IMEI, IMEI_2]})
    listing.refresh_from_db()
    assert (listing.quantity, listing.allocated) == (1, 0)  # shipping consumed the allocation
    assert sorted(UnitSerial.objects.values_list("serial", flat=True)) == sorted([IMEI, IMEI_2])

    with django_capture_on_commit_callbacks(execute=True):
        assert fulfilment.seller_orders_deliver_shipped(now=t0 + timedelta(days=settings.AUTO_DELIVER_DAYS,
                                                                          minutes=1)) == 1
    seller_order.refresh_from_db()
    assert seller_order.state == "delivered"

    line = seller_order.lines.get()
    two_days_later = seller_order.delivered_at + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        ret = fulfilment.return_request_create(order_line=line, reason="defective", comment="Buzz",
                                               user=shopper, now=two_days_later)
        fulfilment.return_accept(ret=ret, actor=member)
        fulfilment.return_mark_received(ret=ret, actor=member)
    ret.refresh_from_db()
    seller_order.refresh_from_db()
    assert ret.state == "refunded"
    assert seller_order.refunded_amount == Decimal("798.00") and seller_order.state == "delivered"
    assert Refund.objects.get().idempotency_key == f"refurb-return-{ret.pk}"

    history = list(seller_order.transitions.values_list("from_state", "to_state", "actor_id"))
    assert history == [("awaiting_payment", "paid", None), ("paid", "accepted", member.pk),
                       ("accepted", "shipped", member.pk), ("shipped", "delivered", None)]
    assert "delivered automatically" in seller_order.transitions.last().reason

    subjects = [m.subject for m in mailoutbox]
    assert any("confirmed by" in s for s in subjects)
    assert any("on its way" in s for s in subjects)
    assert any("is delivered" in s for s in subjects)
    assert any("Return requested" in s for s in subjects)
    assert any("return on order" in s and "accepted" in s for s in subjects)
    assert any("is refunded" in s for s in subjects)
    shipped_mail = next(m for m in mailoutbox if "on its way" in m.subject)
    assert "6A12345678901" in shipped_mail.body and "laposte.fr" in shipped_mail.body
    assert shipped_mail.to == [shopper.email]

    # 30 days after delivery the rest becomes payable: 802.90 − 798.00 refunded − 0.00 commission.
    assert fulfilment.payouts_compute(now=seller_order.delivered_at + timedelta(days=29)) == 0
    assert fulfilment.payouts_compute(now=seller_order.delivered_at + timedelta(days=31)) == 1
    summary = fulfilment.payout_summary(seller=seller)
    assert summary.payable == Decimal("4.90")


def test_shipping_needs_carrier_tracking_and_a_serial_per_unit_and_changes_nothing_when_refused():
    _seller, listing = seller_setup(quantity=3)
    seller_order = to_state(paid_order(lines=[(listing, 2)]).seller_orders.get(), "accepted")
    line = seller_order.lines.get()
    with pytest.raises(ValidationError) as error:
        fulfilment.seller_order_ship(seller_order=seller_order, carrier="Pigeon", tracking_number=" ",
                                     serials={line.pk: ["356938035643808", "356938035643808"]})
    errors = error.value.message_dict
    assert set(errors) == {"carrier", "tracking_number", f"serial_{line.pk}_1", f"serial_{line.pk}_2"}
    assert "not valid" in errors[f"serial_{line.pk}_1"][0]  # a 15-digit IMEI failing its check digit
    with pytest.raises(ValidationError) as error:
        fulfilment.seller_order_ship(seller_order=seller_order, carrier="DHL", tracking_number="JD014600",
                                     serials={line.pk: [IMEI, IMEI]})
    assert set(error.value.message_dict) == {f"serial_{line.pk}_2"}  # the same number twice
    with pytest.raises(ValidationError) as error:
        fulfilment.seller_order_ship(seller_order=seller_order, carrier="DHL", tracking_number="JD014600",
                                     serials={line.pk: [IMEI]})
    assert "unit 2" in error.value.message_dict[f"serial_{line.pk}_2"][0]
    seller_order.refresh_from_db()
    listing.refresh_from_db()
    assert seller_order.state == "accepted" and not UnitSerial.objects.exists()
    assert (listing.quantity, listing.allocated) == (3, 2)


def test_serials_are_recorded_once():
    _seller, listing = seller_setup()
    seller_order = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "shipped")
    SellerOrder.objects.filter(pk=seller_order.pk).update(state="accepted")  # as if a bug let it back
    seller_order.refresh_from_db()
    with pytest.raises(TransitionError):
        fulfilment.seller_order_ship(seller_order=seller_order, carrier="DHL", tracking_number="JD014600",
                                     serials=serials_for(seller_order, numbers=["SN-OTHER-1"]))
    assert list(UnitSerial.objects.values_list("serial", flat=True)) == [IMEI]


def test_refusal_releases_the_allocation_and_refunds_through_the_provider(django_capture_on_commit_callbacks,
                                                                          mailoutbox):
    seller, listing = seller_setup(quantity=2)
    other = ListingFactory(price=Decimal("100.00"), quantity=1)  # another seller in the same order
    order = paid_order(lines=[(listing, 2), (other, 1)])
    seller_order = order.seller_orders.get(seller=seller)
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.seller_order_refuse(seller_order=seller_order, reason="Failed our final test")
    seller_order.refresh_from_db()
    listing.refresh_from_db()
    other.refresh_from_db()
    assert (listing.quantity, listing.allocated) == (2, 0)
    assert other.allocated == 1  # the other seller's part is untouched
    assert seller_order.state == "refunded" and seller_order.cancel_cause == "refused"
    assert seller_order.refunded_amount == seller_order.total
    refund = Refund.objects.get()
    assert refund.status == "succeeded" and refund.provider_reference.startswith("testrefund_")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID  # the other seller still ships its part
    assert [t.to_state for t in seller_order.transitions.all()] == ["paid", "cancelled", "refunded"]
    assert seller_order.transitions.get(to_state="cancelled").reason == "Failed our final test"
    assert any("is cancelled" in m.subject for m in mailoutbox)
    assert any("Your refund" in m.subject for m in mailoutbox)


def test_refusal_needs_a_reason():
    _seller, listing = seller_setup()
    seller_order = paid_order(lines=[(listing, 1)]).seller_orders.get()
    with pytest.raises(ValidationError) as error:
        fulfilment.seller_order_refuse(seller_order=seller_order, reason="  ")
    assert "reason" in error.value.message_dict
    seller_order.refresh_from_db()
    assert seller_order.state == "paid"


def test_an_order_whose_every_part_is_refunded_becomes_refunded(django_capture_on_commit_callbacks):
    _seller, listing = seller_setup()
    order = paid_order(lines=[(listing, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.seller_order_refuse(seller_order=order.seller_orders.get(), reason="No stock")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_unaccepted_orders_are_cancelled_refunded_and_counted_against_the_seller(
        django_capture_on_commit_callbacks, mailoutbox, settings):
    settings.SELLER_ACCEPT_HOURS = 48
    seller, listing = seller_setup(quantity=2)
    late = paid_order(lines=[(listing, 1)]).seller_orders.get()
    accepted = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "accepted")
    paid_at = late.paid_at
    with django_capture_on_commit_callbacks(execute=True):
        assert fulfilment.seller_orders_cancel_unaccepted(now=paid_at + timedelta(hours=47)) == 0
    late.refresh_from_db()
    assert late.state == "paid"
    with django_capture_on_commit_callbacks(execute=True):
        assert fulfilment.seller_orders_cancel_unaccepted(now=paid_at + timedelta(hours=48, minutes=1)) == 1
        assert fulfilment.seller_orders_cancel_unaccepted(now=paid_at + timedelta(hours=49)) == 0  # twice
    late.refresh_from_db()
    accepted.refresh_from_db()
    assert late.state == "refunded" and late.cancel_cause == "not_accepted"
    assert accepted.state == "accepted"
    assert selectors.seller_orders_missed(seller=seller) == 1
    listing.refresh_from_db()
    assert listing.allocated == 1  # only the accepted order still holds a unit
    assert Refund.objects.filter(seller_order=late, status="succeeded").count() == 1
    seller_mail = [m for m in mailoutbox if "not accepted in time" in m.subject]
    assert len(seller_mail) == 1 and seller.contact_email in seller_mail[0].to


def test_shipped_orders_are_delivered_automatically_after_the_setting(settings):
    settings.AUTO_DELIVER_DAYS = 7
    _seller, listing = seller_setup()
    shipped_at = timezone.now() - timedelta(days=10)
    seller_order = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "shipped", now=shipped_at)
    assert fulfilment.seller_orders_deliver_shipped(now=shipped_at + timedelta(days=6, hours=23)) == 0
    assert fulfilment.seller_orders_deliver_shipped(now=shipped_at + timedelta(days=7, minutes=1)) == 1
    assert fulfilment.seller_orders_deliver_shipped(now=shipped_at + timedelta(days=8)) == 0
    seller_order.refresh_from_db()
    assert seller_order.state == "delivered"
    assert seller_order.delivered_at == shipped_at + timedelta(days=7, minutes=1)


def test_beat_schedule_names_tasks_that_exist():
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    for name in ("orders.tasks.cancel_unaccepted_seller_orders", "orders.tasks.deliver_shipped_seller_orders",
                 "orders.tasks.compute_payouts"):
        assert name in scheduled and name in celery_app.tasks
    assert tasks.compute_payouts() == 0 and tasks.deliver_shipped_seller_orders() == 0


def test_the_same_email_task_twice_mails_once(mailoutbox):
    _seller, listing = seller_setup()
    seller_order = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "shipped")
    mailoutbox.clear()
    assert tasks.send_seller_order_update(seller_order.pk, "shipped") == 1
    assert tasks.send_seller_order_update(seller_order.pk, "shipped") == 0
    assert len(mailoutbox) == 1


def test_warranty_ends_calendar_months_after_delivery():
    delivered = timezone.make_aware(timezone.datetime(2026, 1, 31, 12, 0))
    assert str(fulfilment.warranty_end(delivered_at=delivered, months=12)) == "2027-01-31"
    assert str(fulfilment.warranty_end(delivered_at=delivered, months=13)) == "2027-02-28"
    assert fulfilment.warranty_end(delivered_at=None, months=12) is None

