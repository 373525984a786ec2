"""The e-mail inviting a shopper to review a delivered seller order (once: marketplace.mail.send_once)."""
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from marketplace.mail import send_once
from orders.models import SellerOrder


def review_invitation_send(*, seller_order_id: int) -> int:
    """Only a delivered seller order of a shopper with an account (reviews are written from
    "My orders") and not reviewed yet."""
    seller_order = (SellerOrder.objects.select_related("order__user", "seller")
                    .filter(pk=seller_order_id, delivered_at__isnull=False, review__isnull=True).first())
    if seller_order is None or seller_order.order.user is None:
        return 0
    url = settings.SITE_URL + reverse("reviews:review_write", args=[seller_order.pk])
    body = render_to_string("reviews/emails/invitation.txt",
                            {"seller_order": seller_order, "order": seller_order.order, "url": url})
    return send_once(f"so:{seller_order.pk}:review-invite",
                     _("How was your order from %(seller)s?") % {"seller": seller_order.seller.name},
                     body, [seller_order.order.user.email or seller_order.order.email])
