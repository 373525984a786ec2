"""Site-wide tasks."""
from celery import shared_task


@shared_task(name="marketplace.ping")
def ping() -> str:
    """Answers 'pong': lets health checks and tests see a worker consume from the broker."""
    return "pong"
