"""Review tasks: the invitation to rate a delivered seller order, sent once."""
from celery import shared_task


@shared_task(name="reviews.tasks.send_review_invitation")
def send_review_invitation(seller_order_id: int) -> int:
    from .emails import review_invitation_send

    return review_invitation_send(seller_order_id=seller_order_id)
