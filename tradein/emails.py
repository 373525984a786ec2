"""Trade-in e-mails, one per step, each sent once (marketplace.mail.send_once) by a Celery task
enqueued after the step commits."""
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from marketplace.mail import send_once

SHOPPER_SUBJECTS = {
    "accepted": _("Your trade-in %(number)s: ship your device"),
    "shipped": _("Your trade-in %(number)s is on its way"),
    "received": _("Your trade-in %(number)s has arrived"),
    "counter_offered": _("Your trade-in %(number)s: a counter-offer to answer"),
    "disputed": _("Your trade-in %(number)s is under review"),
    "bought": _("Your trade-in %(number)s is bought: payment on its way"),
    "paid": _("Your trade-in %(number)s is paid"),
    "returning": _("Your trade-in %(number)s: your device is coming back"),
    "returned": _("Your trade-in %(number)s: your device was sent back"),
    "expired": _("Your trade-in %(number)s expired"),
    "cancelled": _("Your trade-in %(number)s is cancelled"),
}
SELLER_SUBJECTS = {
    "accepted": _("Trade-in %(number)s: a device is heading your way"),
    "shipped": _("Trade-in %(number)s is shipped to you"),
    "counter_offered": None,
    "bought": _("Trade-in %(number)s is bought"),
    "disputed": _("Trade-in %(number)s: the shopper disputes your counter-offer"),
    "returning": _("Trade-in %(number)s: send the device back"),
    "expired": _("Trade-in %(number)s expired"),
    "cancelled": _("Trade-in %(number)s is cancelled"),
}


def notify_on_commit(trade_in_id: int, event: str) -> None:
    from .tasks import send_trade_in_notice

    transaction.on_commit(lambda: send_trade_in_notice.delay(trade_in_id, event))


def trade_in_notice_send(*, trade_in, event: str) -> int:
    """The shopper's e-mail of this step, and the seller's when it has something to do."""
    context = {"trade_in": trade_in, "event": event,
               "status_url": settings.SITE_URL + reverse("tradein:status", args=[trade_in.number]),
               "seller_url": settings.SITE_URL + reverse("tradein:seller_detail", args=[trade_in.number])}
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = SHOPPER_SUBJECTS.get(event)
        if subject:
            body = render_to_string("tradein/emails/shopper_notice.txt", context)
            sent += send_once(f"tradein:{trade_in.pk}:{event}", str(subject) % {"number": trade_in.number},
                              body, [trade_in.shopper.email])
        subject = SELLER_SUBJECTS.get(event)
        if subject:
            seller = trade_in.seller
            recipients = [seller.contact_email, *seller.members.values_list("user__email", flat=True)]
            body = render_to_string("tradein/emails/seller_notice.txt", context)
            sent += send_once(f"tradein:{trade_in.pk}:{event}:seller",
                              str(subject) % {"number": trade_in.number}, body, recipients)
    return sent
