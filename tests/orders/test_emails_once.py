"""Every order e-mail task is safe to run twice: a re-delivered task never mails twice."""
import pytest
from django.core import mail

from orders import services, tasks
from orders.models import Order

from .conftest import ADDRESS, make_cart

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(listing):
    order = services.order_place(cart=make_cart(lines=[(listing, 1)]), email="buyer@example.test",
                                 address=ADDRESS)
    order.status = Order.Status.PAID  # the e-mail tasks only read the status
    order.save(update_fields=["status"])
    return order


def test_order_confirmation_task_run_twice_mails_the_shopper_once(paid_order):
    mail.outbox.clear()
    tasks.send_order_confirmation(paid_order.pk)
    tasks.send_order_confirmation(paid_order.pk)
    confirmations = [m for m in mail.outbox if paid_order.number in m.subject]
    assert len(confirmations) == 1 and confirmations[0].to == ["buyer@example.test"]


def test_seller_new_order_notice_task_run_twice_mails_the_seller_once(paid_order):
    seller_order = paid_order.seller_orders.get()
    mail.outbox.clear()
    tasks.send_seller_order_notice(seller_order.pk)
    tasks.send_seller_order_notice(seller_order.pk)
    notices = [m for m in mail.outbox if "to accept" in m.subject]
    assert len(notices) == 1
    assert seller_order.seller.contact_email in notices[0].to


def test_a_seller_decision_task_run_twice_mails_once_and_a_later_decision_mails_again(
        db, django_capture_on_commit_callbacks):
    from sellers import services as seller_services
    from sellers import tasks as seller_tasks
    from tests.factories import SellerFactory

    seller = SellerFactory(status="approved")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.seller_suspend(seller=seller, reason="Too many late shipments this month")
    seller.refresh_from_db()
    seller_tasks.send_seller_status_email(seller.pk, "suspended", seller.updated_at.isoformat())  # again
    assert len([m for m in mail.outbox if "suspended" in m.subject]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.seller_approve(seller=seller)
    with django_capture_on_commit_callbacks(execute=True):
        seller_services.seller_suspend(seller=seller, reason="Late shipments again, after a warning")
    assert len([m for m in mail.outbox if "suspended" in m.subject]) == 2


def test_an_invitation_task_run_twice_mails_once(seller_member):
    from sellers import tasks as seller_tasks
    from sellers.models import SellerInvitation

    invitation = SellerInvitation.objects.create(seller=seller_member.seller, email="new@example.test",
                                                 token="t" * 40, invited_by=seller_member.user)
    mail.outbox.clear()
    seller_tasks.send_seller_invitation_email(invitation.pk)
    seller_tasks.send_seller_invitation_email(invitation.pk)
    assert len([m for m in mail.outbox if m.to == ["new@example.test"]]) == 1
