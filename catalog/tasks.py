"""Catalog background work: WebP thumbnails of product images (thin wrapper over a service)."""
from celery import shared_task

from .services import product_image_make_thumbnails


@shared_task(name="catalog.tasks.make_thumbnails")
def make_thumbnails(image_id: int) -> dict:
    image = product_image_make_thumbnails(image_id=image_id)
    return image.thumbnails if image else {}
