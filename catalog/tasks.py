"""Catalog background work: WebP thumbnails of product images, product proposal decisions (thin wrappers)."""
from celery import shared_task

from .services import product_image_make_thumbnails


@shared_task(name="catalog.tasks.make_thumbnails")
def make_thumbnails(image_id: int) -> dict:
    image = product_image_make_thumbnails(image_id=image_id)
    return image.thumbnails if image else {}


@shared_task(name="catalog.tasks.notify_proposal_decision")
def notify_proposal_decision(proposal_id: int) -> int:
    """Tells the seller staff's decision on a product proposal (once, however often it runs)."""
    from .proposals import product_proposal_notify

    return product_proposal_notify(proposal_id=proposal_id)
