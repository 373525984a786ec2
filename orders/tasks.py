"""Order workers: e-mails, release of unpaid orders, refunds, auto-cancel, auto-delivery, payouts.

Thin, idempotent wrappers over services, enqueued with transaction.on_commit.
"""
import logging

from celery import shared_task

from . import emails, fulfilment, refunds, services
from .models import Order, Payment, Refund, ReturnRequest, SellerOrder
from .payments import get_provider

logger = logging.getLogger(__name__)


@shared_task(name="orders.tasks.release_expired_orders")
def release_expired_orders() -> int:
    return services.orders_release_expired()


@shared_task(name="orders.tasks.send_order_confirmation")
def send_order_confirmation(order_id: int) -> int:
    order = Order.objects.filter(pk=order_id, status=Order.Status.PAID).first()
    return emails.order_confirmation_send(order=order) if order else 0


@shared_task(name="orders.tasks.send_order_link")
def send_order_link(number: str, email: str) -> int:
    """Asked for again and again, it sends again: each is a fresh link (rate-limited by the page)."""
    return emails.order_link_send(number=number, email=email)


@shared_task(name="orders.tasks.send_seller_order_notice")
def send_seller_order_notice(seller_order_id: int) -> int:
    seller_order = SellerOrder.objects.select_related("order", "seller").filter(pk=seller_order_id).first()
    return emails.seller_order_notice_send(seller_order=seller_order) if seller_order else 0


@shared_task(name="orders.tasks.cancel_checkout", bind=True, acks_late=True, max_retries=12)
def cancel_checkout(self, payment_id: int) -> str:
    """Stops the provider from taking a payment for a released order. A provider that is down is
    asked again with back-off; the checkout also expires by itself with the stock hold."""
    payment = Payment.objects.get(pk=payment_id)
    try:
        get_provider(payment.provider).checkout_cancel(payment=payment)
    except Exception as exc:
        logger.warning("could not stop the checkout of payment %s: %s", payment_id, exc)
        if self.request.is_eager:  # no worker to retry (make run): it expires with the hold
            return "failed"
        raise self.retry(exc=exc, countdown=min(30 * 2 ** self.request.retries, 600)) from exc
    return "cancelled"


# --- Fulfilment and after-sales ----------------------------------------------------------------
@shared_task(name="orders.tasks.cancel_unaccepted_seller_orders")
def cancel_unaccepted_seller_orders() -> int:
    return fulfilment.seller_orders_cancel_unaccepted()


@shared_task(name="orders.tasks.deliver_shipped_seller_orders")
def deliver_shipped_seller_orders() -> int:
    return fulfilment.seller_orders_deliver_shipped()


@shared_task(name="orders.tasks.compute_payouts")
def compute_payouts() -> int:
    return fulfilment.payouts_compute()


@shared_task(name="orders.tasks.process_refund", acks_late=True)
def process_refund(refund_id: int) -> str:
    """Sends a recorded refund to the provider, always with the same key; a failure is recorded
    with its next attempt, which the retry_due_refunds job makes."""
    try:
        return refunds.refund_process(refund=Refund(pk=refund_id)).status
    except refunds.RefundError:
        return Refund.Status.FAILED


@shared_task(name="orders.tasks.retry_due_refunds")
def retry_due_refunds() -> int:
    return refunds.refunds_retry_due()


@shared_task(name="orders.tasks.send_seller_order_update")
def send_seller_order_update(seller_order_id: int, event: str) -> int:
    seller_order = SellerOrder.objects.select_related("order", "seller").filter(pk=seller_order_id).first()
    return emails.seller_order_update_send(seller_order=seller_order, event=event) if seller_order else 0


@shared_task(name="orders.tasks.send_return_update")
def send_return_update(return_id: int, event: str) -> int:
    ret = (ReturnRequest.objects.select_related("seller_order__order", "seller_order__seller", "order_line")
           .filter(pk=return_id).first())
    return emails.return_update_send(ret=ret, event=event) if ret else 0
