"""E-mails to sellers: application decisions, team invitations, the daily low-stock list, a webhook
endpoint switched off."""
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from marketplace.mail import send_once

from .models import Listing, Seller, SellerInvitation, WebhookEndpoint


def _recipients(seller: Seller) -> list[str]:
    emails = {seller.contact_email.lower()} if seller.contact_email else set()
    emails |= {email.lower() for email in seller.members.values_list("user__email", flat=True) if email}
    return sorted(emails)


def _send(*, template: str, subject: str, context: dict, to: list[str], once_key: str = "") -> int:
    """Renders and sends; with `once_key`, a second run of the same task sends nothing."""
    if not to:
        return 0
    context = {**context, "SITE_URL": settings.SITE_URL}
    body = render_to_string(f"sellers/emails/{template}.txt", context)
    if once_key:
        return send_once(once_key, f"[Refurb] {subject}", body, to, settings.DEFAULT_FROM_EMAIL)
    return send_mail(f"[Refurb] {subject}", body, settings.DEFAULT_FROM_EMAIL, to)


def send_status_email(*, seller: Seller, status: str, change: str = "") -> int:
    """Tells the seller's team that staff approved, rejected or suspended the seller; once per
    decision (`change` tells one decision from a later one to the same status)."""
    with translation.override(settings.LANGUAGE_CODE):
        subjects = {
            Seller.Status.APPROVED: translation.gettext("Your seller account is approved"),
            Seller.Status.REJECTED: translation.gettext("Your seller application was not accepted"),
            Seller.Status.SUSPENDED: translation.gettext("Your seller account is suspended"),
        }
        if status not in subjects:
            return 0
        context = {"seller": seller, "dashboard_url": settings.SITE_URL + reverse("sellers:dashboard"),
                   "status_url": settings.SITE_URL + reverse("sellers:status")}
        return _send(template=f"status_{status}", subject=subjects[status], context=context,
                     to=_recipients(seller), once_key=f"seller:{seller.pk}:{status}:{change}")


def send_invitation_email(*, invitation: SellerInvitation) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        url = settings.SITE_URL + reverse("sellers:invitation_accept", kwargs={"token": invitation.token})
        return _send(template="invitation",
                     subject=translation.gettext("Join %(seller)s on Refurb")
                     % {"seller": invitation.seller.name},
                     context={"invitation": invitation, "accept_url": url}, to=[invitation.email],
                     once_key=f"invitation:{invitation.pk}")


def send_low_stock_email(*, seller: Seller, listings: list[Listing]) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        url = settings.SITE_URL + reverse("sellers:listing_list") + "?stock=low"
        return _send(template="low_stock",
                     subject=translation.gettext("%(count)s listings are running low")
                     % {"count": len(listings)},
                     context={"seller": seller, "listings": listings, "list_url": url,
                              "threshold": settings.LOW_STOCK_THRESHOLD},
                     to=_recipients(seller))


def send_webhook_disabled_email(*, endpoint: WebhookEndpoint) -> int:
    """Once per switch-off (the key holds the moment it happened)."""
    with translation.override(settings.LANGUAGE_CODE):
        url = settings.SITE_URL + reverse("sellers:webhooks")
        return _send(template="webhook_disabled",
                     subject=translation.gettext("A webhook endpoint was switched off"),
                     context={"seller": endpoint.seller, "endpoint": endpoint, "webhooks_url": url},
                     to=_recipients(endpoint.seller),
                     once_key=f"webhook-disabled:{endpoint.pk}:{int(endpoint.disabled_at.timestamp())}")
