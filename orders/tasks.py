"""Order workers: e-mails after an order is paid, release of unpaid orders, refunds of stray payments.

Thin, idempotent wrappers over services, enqueued with transaction.on_commit.
"""
from celery import shared_task

from . import emails, services
from .models import Order, Payment, SellerOrder


@shared_task(name="orders.tasks.release_expired_orders")
def release_expired_orders() -> int:
    return services.orders_release_expired()


@shared_task(name="orders.tasks.send_order_confirmation")
def send_order_confirmation(order_id: int) -> int:
    order = Order.objects.filter(pk=order_id, status=Order.Status.PAID).first()
    return emails.order_confirmation_send(order=order) if order else 0


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
