"""Account e-mails through the `emails` queue: allauth renders the message in the request (its
links need the request's site and language), a worker sends it, once."""
import uuid

from allauth.account.adapter import DefaultAccountAdapter


class QueuedMailAccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        from .tasks import send_account_email

        message = self.render_mail(template_prefix, email, context)
        html = next((content for content, mimetype in getattr(message, "alternatives", ())
                     if mimetype == "text/html"), None)
        key = f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4().hex}"
        # Sent at once, not after commit: the message holds everything the worker needs (allauth's
        # keys and reset tokens are signed, not rows this request writes).
        send_account_email.delay(key=key, subject=message.subject, body=message.body,
                                 from_email=message.from_email, to=list(message.to), html=html)
