"""E-mail for `make run`: one line per message on the console (who, subject, first link), instead of
the full message with its headers that Django's console backend prints. Set EMAIL_URL (for example
consolemail:// for the full text, or smtp://…) to send or print mail another way."""
import re
import sys
import threading

from django.core.mail.backends.base import BaseEmailBackend

LINK = re.compile(r"https?://\S+")


def one_line(message) -> str:
    """"✉ to shopper@refurb.test: Your order R7K2M9QXP is confirmed — http://…/orders/R7K2M9QXP/"."""
    recipients = ", ".join(message.recipients())
    link = LINK.search(message.body or "")
    subject = " ".join(str(message.subject).split())
    return f"✉ to {recipients}: {subject}" + (f" — {link.group(0)}" if link else "")


class OneLineConsoleBackend(BaseEmailBackend):
    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        with self._lock:
            for message in email_messages:
                self.stream.write(one_line(message) + "\n")
            self.stream.flush()
        return len(email_messages)
