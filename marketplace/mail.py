"""E-mails that leave once: a task run twice (a redelivered message, a retried job) mails once."""
from django.apps import apps
from django.core.mail import send_mail
from django.db import IntegrityError, transaction


def send_once(key: str, subject: str, body: str, recipients: list[str], from_email: str | None = None,
              html: str | None = None) -> int:
    """Sends the e-mail unless one with this key already left. The key is stored in the same
    transaction as the sending, so a send that failed leaves no key and can be retried."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return 0
    sent_mail = apps.get_model("orders", "Notification")  # the table of keys already sent
    with transaction.atomic():
        try:
            with transaction.atomic():
                sent_mail.objects.create(key=key[:120])
        except IntegrityError:
            return 0
        return send_mail(subject, body, from_email, recipients, html_message=html)
