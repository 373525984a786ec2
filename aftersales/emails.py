"""Warranty claim e-mails, each sent once (marketplace.mail.send_once): the seller hears of a new
claim, the shopper of the seller's answer and of a claim staff close or reopen."""
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from marketplace.mail import send_once

from .models import WarrantyClaim


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def claim_email_send(*, claim: WarrantyClaim, event: str) -> int:
    """`event`: "opened" (to the seller) or the state the claim just took (to the shopper)."""
    order = claim.seller_order.order
    product = claim.order_line.product_name
    with translation.override(settings.LANGUAGE_CODE):
        if event == "opened":
            seller = claim.seller_order.seller
            subject = _("Warranty claim for %(product)s (order %(number)s)") % {
                "product": product, "number": order.number}
            body = _("A shopper opened a warranty claim: %(reason)s.\n\n%(description)s\n\nAnswer it in your "
                     "back office: %(url)s") % {
                "reason": claim.get_reason_display(), "description": claim.description,
                "url": _site(reverse("aftersales:seller_claim_detail", args=[claim.pk]))}
            recipients = [seller.contact_email]
        else:
            subject = _("Your warranty claim for %(product)s: %(state)s") % {
                "product": product, "state": claim.get_state_display()}
            body = _("%(state)s.\n\n%(message)s\n\nYour order: %(url)s") % {
                "state": claim.get_state_display(), "message": claim.seller_message,
                "url": _site(reverse("orders:order_detail", args=[order.number]))}
            recipients = [getattr(claim.user, "email", "") or order.email]
    return send_once(f"claim-{claim.pk}-{event}", subject, body, recipients)
