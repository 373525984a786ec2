"""Order workers: e-mails, release of unpaid orders, refunds, auto-cancel, auto-delivery, payouts.

Thin, idempotent wrappers over services, enqueued with transaction.on_commit.
"""
from celery import shared_task

from . import emails, fulfilment, services
from .models import Order, Payment, Refund, ReturnRequest, SellerOrder


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


@shared_task(name="orders.tasks.refund_unneeded_payment", acks_late=True)
def refund_unneeded_payment(payment_id: int) -> str:
    """A payment that arrived for an order already released (or paid twice) is refunded in full.
    The idempotency key makes a second run the same refund."""
    payment = Payment.objects.get(pk=payment_id)
    result = services.payment_refund(payment=payment, amount=payment.amount,
                                     idempotency_key=f"refurb-unneeded-{payment.pk}")
    Payment.objects.filter(pk=payment.pk).update(
        failure_reason=f"refunded in full ({result.reference}): the order was no longer payable")
    return result.reference


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


@shared_task(name="orders.tasks.process_refund", bind=True, acks_late=True, max_retries=8)
def process_refund(self, refund_id: int) -> str:
    """Sends a recorded refund to the provider; retried with back-off, always with the same key."""
    refund = Refund.objects.get(pk=refund_id)
    try:
        return fulfilment.refund_process(refund=refund).status
    except fulfilment.RefundError as exc:
        if self.request.is_eager:
            return Refund.Status.FAILED
        raise self.retry(exc=exc, countdown=60 * 2 ** self.request.retries) from exc


@shared_task(name="orders.tasks.send_seller_order_update")
def send_seller_order_update(seller_order_id: int, event: str) -> int:
    seller_order = SellerOrder.objects.select_related("order", "seller").filter(pk=seller_order_id).first()
    return emails.seller_order_update_send(seller_order=seller_order, event=event) if seller_order else 0


@shared_task(name="orders.tasks.send_return_update")
def send_return_update(return_id: int, event: str) -> int:
    ret = (ReturnRequest.objects.select_related("seller_order__order", "seller_order__seller", "order_line")
           .filter(pk=return_id).first())
    return emails.return_update_send(ret=ret, event=event) if ret else 0
