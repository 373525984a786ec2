"""Staff cannot corrupt orders from the admin: orders, seller orders, payments, refunds, returns,
provider events and payouts are read-only (no add, change, delete or revert from the history), and
every state change is an action that asks for a reason, goes through the state machine's service
and is recorded with the staff member and the reason; a refused change is an error message."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from orders import fulfilment, services
from orders.models import (
    Order,
    Payment,
    Payout,
    PayoutEntry,
    ProviderEvent,
    Refund,
    ReturnRequest,
    SellerOrder,
    SellerOrderTransition,
)
from tests.factories import UserFactory
from tests.orders.conftest import ADDRESS, make_cart
from tests.orders.fulfil_support import paid_order, seller_setup, to_state

pytestmark = pytest.mark.django_db
READ_ONLY_MODELS = [Order, SellerOrder, Payment, Refund, ProviderEvent, ReturnRequest, Payout, PayoutEntry]


def url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def act(client, model, action, objects, follow=False, **data):
    return client.post(url(model, "changelist"),
                       {"action": action, "_selected_action": [o.pk for o in objects], **data}, follow=follow)


def confirm(client, model, action, objects, reason, **data):
    """Runs an action through its confirmation page; returns the list page with its messages."""
    return act(client, model, action, objects, confirm="yes", reason=reason, follow=True, **data)


def offered_actions(changelist) -> set[str]:
    form = changelist.context["action_form"]  # None when no action is offered at all
    return set(dict(form.fields["action"].choices)) if form else set()


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def care_client(client):
    """A customer care member: may change orders through the actions (the group's change
    permission), never through the forms."""
    call_command("setup_staff_groups", verbosity=0)
    member = UserFactory(is_staff=True)
    member.groups.add(Group.objects.get(name="Customer care"))
    client.force_login(member)
    client.user = member
    return client


@pytest.fixture
def paid():
    _seller, listing = seller_setup()
    return paid_order(lines=[(listing, 1)]).seller_orders.get()


def failed_refund(seller_order, *, amount=Decimal("50.00")) -> Refund:
    """A refund whose automatic retries ran out (status failed, no next attempt)."""
    refund = Refund.objects.create(seller_order=seller_order, payment=seller_order.order.payments.get(),
                                   amount=amount, reason="lost parcel",
                                   idempotency_key=f"k-{seller_order.pk}",
                                   status=Refund.Status.FAILED, attempts=9, failure_reason="Stripe is down",
                                   next_attempt_at=None)
    return refund


# --- Read-only --------------------------------------------------------------------------------------
@pytest.mark.parametrize("model, field, value", [
    (Order, "status", "refunded"), (SellerOrder, "state", "refunded"), (Payment, "status", "failed"),
    (Refund, "status", "succeeded")])
def test_posting_a_change_form_is_refused_and_changes_nothing(staff_client, paid, model, field, value):
    seller_order = to_state(paid, "shipped")
    obj = {Order: seller_order.order, SellerOrder: seller_order, Payment: seller_order.order.payments.get(),
           Refund: failed_refund(seller_order)}[model]
    before = getattr(obj, field)
    response = staff_client.post(url(model, "change", obj.pk), {field: value, "_save": "Save"})
    assert response.status_code == 403
    obj.refresh_from_db()
    assert getattr(obj, field) == before


@pytest.mark.parametrize("model", READ_ONLY_MODELS, ids=lambda m: m.__name__)
def test_add_is_refused(staff_client, model):
    assert staff_client.get(url(model, "add")).status_code == 403
    assert staff_client.post(url(model, "add"), {}).status_code == 403


def test_delete_is_refused_and_not_offered_in_the_list(staff_client, paid):
    order = paid.order
    assert staff_client.get(url(Order, "delete", order.pk)).status_code == 403
    assert staff_client.post(url(Order, "delete", order.pk), {"post": "yes"}).status_code == 403
    for model, obj in [(SellerOrder, paid), (Payment, order.payments.get())]:
        assert staff_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        changelist = staff_client.get(url(model, "changelist"))
        assert "delete_selected" not in offered_actions(changelist)
    act(staff_client, Order, "delete_selected", [order], post="yes")
    assert Order.objects.filter(pk=order.pk).exists()


def test_the_change_page_shows_every_field_read_only(care_client, paid):
    response = care_client.get(url(Order, "change", paid.order.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert paid.order.number in page and 'name="_save"' not in page and 'name="status"' not in page
    # Inlines too: the seller order is shown, without a form field or a delete box.
    assert 'name="seller_orders-0-state"' not in page and "seller_orders-0-DELETE" not in page


def test_reverting_an_order_from_its_history_is_refused(staff_client):
    _seller, listing = seller_setup()
    order = services.order_place(cart=make_cart(lines=[(listing, 1)]), email="a@example.test",
                                 address=ADDRESS)
    first_version = order.history.earliest()
    services.order_release(order=order, reason="test", status=Order.Status.CANCELLED)
    response = staff_client.post(url(Order, "simple_history", order.pk, first_version.history_id), {})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_provider_events_are_listed_and_read_only(staff_client):
    event = ProviderEvent.objects.create(provider="stripe", event_id="evt_1", event_type="charge.refunded",
                                         payload={"id": "evt_1"})
    assert "evt_1" in staff_client.get(url(ProviderEvent, "changelist")).content.decode()
    assert staff_client.get(url(ProviderEvent, "change", event.pk)).status_code == 200
    response = staff_client.post(url(ProviderEvent, "change", event.pk), {"event_type": "x"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.event_type == "charge.refunded"


# --- Actions with a reason ---------------------------------------------------------------------------
def test_an_action_first_shows_what_it_applies_to_and_changes_nothing(staff_client, paid):
    shipped = to_state(paid, "shipped")
    response = act(staff_client, SellerOrder, "mark_delivered", [shipped])
    assert response.status_code == 200
    page = response.content.decode()
    assert str(shipped) in page and 'name="reason"' in page and 'name="confirm"' in page
    shipped.refresh_from_db()
    assert shipped.state == "shipped"


def test_an_action_without_a_reason_is_refused(staff_client, paid):
    shipped = to_state(paid, "shipped")
    response = act(staff_client, SellerOrder, "mark_delivered", [shipped], confirm="yes", reason="  ")
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    shipped.refresh_from_db()
    assert shipped.state == "shipped"


def test_mark_delivered_records_the_staff_member_and_the_reason(staff_client, staff, paid):
    shipped = to_state(paid, "shipped")
    response = confirm(staff_client, SellerOrder, "mark_delivered", [shipped], "Carrier confirmed by phone.")
    assert "1 seller order marked delivered." in page_messages(response)
    shipped.refresh_from_db()
    assert shipped.state == "delivered"
    last = shipped.transitions.order_by("pk").last()
    assert (last.to_state, last.actor, last.reason) == ("delivered", staff, "Carrier confirmed by phone.")
    log = LogEntry.objects.get(object_id=str(shipped.pk))
    assert log.user == staff and log.change_message.endswith("Carrier confirmed by phone.")


def test_mark_delivered_on_a_cancelled_seller_order_is_an_error_and_changes_nothing(staff_client, paid):
    fulfilment.seller_order_cancel(seller_order=paid, cause="staff", reason="out of stock")
    transitions = SellerOrderTransition.objects.filter(seller_order=paid).count()
    response = confirm(staff_client, SellerOrder, "mark_delivered", [paid], "Delivered, says the shopper.")
    assert response.status_code == 200
    [message] = page_messages(response)
    assert "cannot become" in message and str(paid) in message
    paid.refresh_from_db()
    assert paid.state == "cancelled"
    assert SellerOrderTransition.objects.filter(seller_order=paid).count() == transitions


def test_cancel_and_refund_passes_the_reason_to_the_transition_and_the_refund(
        care_client, paid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(care_client, SellerOrder, "cancel_and_refund", [paid],
                           "Seller closed for holidays.")
    assert "1 seller order cancelled and refunded." in page_messages(response)
    paid.refresh_from_db()
    assert paid.state == "refunded" and paid.cancel_cause == "staff"
    cancel = paid.transitions.get(to_state="cancelled")
    assert cancel.actor == care_client.user and cancel.reason == "Seller closed for holidays."
    refund = Refund.objects.get(seller_order=paid)
    assert refund.reason == "Seller closed for holidays." and refund.created_by == care_client.user


def test_refund_page_shows_what_is_left_and_refunds_a_given_amount_then_the_rest(
        staff_client, staff, paid, django_capture_on_commit_callbacks):
    delivered = to_state(paid, "delivered")  # 403.90
    page = act(staff_client, SellerOrder, "refund", [delivered]).content.decode()
    assert "left €403.90" in page and 'name="amount"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(staff_client, SellerOrder, "refund", [delivered], "Scratch on the screen.",
                           amount="50.00")
    assert "1 refund recorded; it is being sent." in page_messages(response)
    refund = Refund.objects.get(seller_order=delivered)
    assert (refund.amount, refund.reason, refund.created_by) == (
        Decimal("50.00"), "Scratch on the screen.", staff)
    assert "left €353.90" in act(staff_client, SellerOrder, "refund", [delivered]).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        confirm(staff_client, SellerOrder, "refund", [delivered], "Parcel lost after all.", amount="")
    delivered.refresh_from_db()
    assert delivered.state == "refunded" and delivered.refunded_amount == Decimal("403.90")
    assert delivered.transitions.order_by("pk").last().to_state == "refunded"

    response = confirm(staff_client, SellerOrder, "refund", [delivered], "Once more.")
    assert any("Nothing is left to refund" in m or "cannot be refunded" in m for m in page_messages(response))
    assert Refund.objects.filter(seller_order=delivered).count() == 2


def test_a_refund_above_what_is_left_is_an_error_and_records_nothing(staff_client, paid):
    delivered = to_state(paid, "delivered")
    failed_refund(delivered, amount=Decimal("400.00"))  # failed but owed: it counts
    response = confirm(staff_client, SellerOrder, "refund", [delivered], "Goodwill.", amount="10.00")
    [message] = page_messages(response)
    assert "At most" in message and "3.90" in message
    assert Refund.objects.filter(seller_order=delivered).count() == 1


def test_a_given_amount_is_for_one_seller_order_at_a_time(staff_client):
    _seller, listing = seller_setup()
    first = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "delivered")
    second = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "delivered")
    response = act(staff_client, SellerOrder, "refund", [first, second], confirm="yes", reason="Goodwill",
                   amount="10.00")
    assert response.status_code == 200 and "one seller order at a time" in response.content.decode()
    assert not Refund.objects.exists()


def test_cancelling_an_unpaid_order_gives_its_stock_back_and_keeps_who_and_why(staff_client, staff):
    _seller, listing = seller_setup()
    order = services.order_place(cart=make_cart(lines=[(listing, 1)]), email="a@example.test",
                                 address=ADDRESS)
    listing.refresh_from_db()
    assert listing.allocated == 1
    response = confirm(staff_client, Order, "cancel_unpaid", [order], "Shopper asked by phone.")
    assert "1 order cancelled." in page_messages(response)
    order.refresh_from_db()
    listing.refresh_from_db()
    assert order.status == "cancelled" and listing.allocated == 0
    record = order.history.latest()
    assert (record.status, record.history_change_reason, record.history_user) == (
        "cancelled", "Shopper asked by phone.", staff)
    transition = order.seller_orders.get().transitions.get(to_state="cancelled")
    assert (transition.actor, transition.reason) == (staff, "Shopper asked by phone.")


def test_cancelling_a_paid_order_from_the_order_list_is_an_error(staff_client, paid):
    order = paid.order
    response = confirm(staff_client, Order, "cancel_unpaid", [order], "Mistake.")
    [message] = page_messages(response)
    assert "Only an order awaiting payment" in message
    order.refresh_from_db()
    assert order.status == "paid"


# --- Returns -------------------------------------------------------------------------------------
@pytest.fixture
def disputed(paid):
    delivered = to_state(paid, "delivered")
    ret = fulfilment.return_request_create(order_line=delivered.lines.get(), reason="not_as_described",
                                           comment="Battery at 60 %.")
    return fulfilment.return_dispute(ret=ret, note="Battery was 90 % at dispatch.")


def test_staff_arbitrate_a_dispute_for_the_shopper_with_their_reason(
        care_client, disputed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(care_client, ReturnRequest, "accept_returns", [disputed], "Photo shows 60 %.")
    assert "1 return accepted." in page_messages(response)
    disputed.refresh_from_db()
    assert disputed.state == "accepted" and disputed.staff_note == "Photo shows 60 %."
    last = disputed.transitions.order_by("pk").last()
    assert (last.actor, last.reason) == (care_client.user, "Photo shows 60 %.")

    with django_capture_on_commit_callbacks(execute=True):
        confirm(care_client, ReturnRequest, "mark_received", [disputed], "Seen at the seller's desk.")
    disputed.refresh_from_db()
    assert disputed.state == "refunded"
    received = disputed.transitions.get(to_state="received")
    assert (received.actor, received.reason) == (care_client.user, "Seen at the seller's desk.")


def test_staff_arbitrate_a_dispute_for_the_seller_and_it_is_final(staff_client, disputed):
    confirm(staff_client, ReturnRequest, "reject_returns", [disputed], "Battery wear is normal.")
    disputed.refresh_from_db()
    assert disputed.state == "rejected" and disputed.staff_note == "Battery wear is normal."
    response = confirm(staff_client, ReturnRequest, "accept_returns", [disputed], "Changed my mind.")
    [message] = page_messages(response)
    assert "cannot become" in message
    disputed.refresh_from_db()
    assert disputed.state == "rejected"


# --- Refunds -------------------------------------------------------------------------------------
def test_refunds_that_need_staff_are_filtered_and_show_their_attempts(staff_client, paid):
    delivered = to_state(paid, "delivered")
    stuck = failed_refund(delivered)
    retrying = Refund.objects.create(seller_order=delivered, payment=stuck.payment, amount=Decimal("1.00"),
                                     reason="r", idempotency_key="k-retrying", status=Refund.Status.FAILED,
                                     attempts=2, next_attempt_at=timezone.now() + timedelta(minutes=4))
    response = staff_client.get(url(Refund, "changelist") + "?needs_staff=yes")
    assert [r.pk for r in response.context["cl"].result_list] == [stuck.pk]
    page = response.content.decode()
    assert "Stripe is down" in page and "column-attempts" in page and "column-next_attempt_at" in page
    response = staff_client.get(url(Refund, "changelist") + "?needs_staff=no")
    assert [r.pk for r in response.context["cl"].result_list] == [retrying.pk]


def test_send_again_lands_a_stuck_refund_and_logs_the_reason(
        staff_client, staff, paid, django_capture_on_commit_callbacks):
    delivered = to_state(paid, "delivered")
    refund = failed_refund(delivered)
    page = act(staff_client, Refund, "retry", [refund]).content.decode()
    assert "€50.00" in page and "Stripe is down" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(staff_client, Refund, "retry", [refund], "Stripe is back.")
    assert "1 refund sent." in page_messages(response)
    refund.refresh_from_db()
    delivered.refresh_from_db()
    assert refund.status == "succeeded" and delivered.refunded_amount == Decimal("50.00")
    log = LogEntry.objects.get(object_id=str(refund.pk))
    assert log.user == staff and log.change_message.endswith("Stripe is back.")

    response = confirm(staff_client, Refund, "retry", [refund], "Again.")
    assert any("already succeeded" in m for m in page_messages(response))
    delivered.refresh_from_db()
    assert delivered.refunded_amount == Decimal("50.00")


def test_a_staff_member_without_the_change_permission_is_not_offered_the_actions(client, paid):
    call_command("setup_staff_groups", verbosity=0)
    finance = UserFactory(is_staff=True)
    finance.groups.add(Group.objects.get(name="Finance"))
    client.force_login(finance)
    changelist = client.get(url(SellerOrder, "changelist"))
    assert changelist.status_code == 200
    assert "mark_delivered" not in offered_actions(changelist)
    shipped = to_state(paid, "shipped")
    confirm(client, SellerOrder, "mark_delivered", [shipped], "Not mine to decide.")
    shipped.refresh_from_db()
    assert shipped.state == "shipped"


@pytest.mark.django_db(transaction=True)
def test_two_staff_refunding_what_is_left_at_once_make_one_refund():
    from django.test import Client

    from tests.orders.test_concurrency import run_concurrently

    _seller, listing = seller_setup()
    delivered = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "delivered")
    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        clients.append(client)
    responses = run_concurrently([lambda c=c: confirm(c, SellerOrder, "refund", [delivered], "Lost parcel.",
                                                      amount="") for c in clients])
    assert all(r.status_code == 200 for r in responses), responses
    assert Refund.objects.filter(seller_order=delivered).count() == 1
    assert Refund.objects.get(seller_order=delivered).amount == Decimal("403.90")


def test_recording_a_payout_asks_a_reason_and_pays_each_seller_once(staff_client, staff):
    seller, listing = seller_setup()
    for _ in range(2):
        delivered = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "delivered")
    fulfilment.payouts_compute(now=delivered.delivered_at + timedelta(days=31))
    entries = list(PayoutEntry.objects.filter(seller=seller))
    assert len(entries) >= 2
    page = act(staff_client, PayoutEntry, "pay_out_balance", entries).content.decode()
    assert seller.name in page and 'name="reason"' in page and not Payout.objects.exists()
    response = confirm(staff_client, PayoutEntry, "pay_out_balance", entries, "Monthly transfer.")
    assert "1 payout recorded." in page_messages(response)
    payout = Payout.objects.get()
    assert payout.seller == seller and payout.created_by == staff
