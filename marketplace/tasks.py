"""Site-wide tasks."""
from celery import shared_task


@shared_task(name="marketplace.ping")
def ping() -> str:
    """Answers 'pong': lets health checks and tests see a worker consume from the broker."""
    return "pong"


@shared_task(name="marketplace.tasks.send_account_email", bind=True, max_retries=5, default_retry_delay=30)
def send_account_email(self, *, key: str, subject: str, body: str, from_email: str, to: list[str],
                       html: str | None = None) -> int:
    """An account e-mail rendered in the request (marketplace.accounts), sent once: a redelivered
    or retried task finds its key taken."""
    from .mail import send_once

    try:
        return send_once(key, subject, body, to, from_email=from_email, html=html)
    except OSError as exc:  # the mail server is down for a moment
        raise self.retry(exc=exc) from exc
