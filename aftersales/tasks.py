"""After-sales workers: the claim e-mails, enqueued after commit, each sent once."""
from celery import shared_task

from .emails import claim_email_send
from .models import WarrantyClaim


@shared_task(name="aftersales.tasks.send_claim_email")
def send_claim_email(claim_id: int, event: str) -> int:
    claim = (WarrantyClaim.objects.select_related("seller_order__order", "seller_order__seller", "order_line",
                                                   "user").filter(pk=claim_id).first())
    return claim_email_send(claim=claim, event=event) if claim else 0
