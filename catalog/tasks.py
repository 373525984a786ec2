"""Catalog background work: WebP thumbnails of product images, product proposal decisions, the
products a bulk write changed (thin wrappers)."""
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


@shared_task(name="catalog.tasks.refresh_products", acks_late=True)
def refresh_products(product_ids: list[int]) -> int:
    """The products a bulk write changed, just after it committed: their stored buy boxes and cached
    pages (catalog.cache.products_changed; running it twice stores the same)."""
    from .cache import products_changed

    products_changed(product_ids)
    return len(product_ids)
