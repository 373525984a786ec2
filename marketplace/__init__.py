"""Project configuration: settings, URLs, the Celery app and site-wide plumbing."""
from .celery import app as celery_app

__all__ = ["celery_app"]
