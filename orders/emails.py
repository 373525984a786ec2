"""The order e-mails: the shopper's confirmation and each seller's new-order notice."""
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Order, SellerOrder


def order_confirmation_send(*, order: Order) -> int:
    seller_orders = order.seller_orders.select_related("seller").prefetch_related("lines")
    context = {"order": order, "seller_orders": seller_orders,
               "order_url": settings.SITE_URL + reverse("orders:order_detail", args=[order.number])}
    body = render_to_string("orders/emails/order_confirmation.txt", context)
    return send_mail(_("Your order %(number)s is confirmed") % {"number": order.number}, body,
                     None, [order.email])


def seller_order_notice_send(*, seller_order: SellerOrder) -> int:
    seller = seller_order.seller
    recipients = {seller.contact_email}
    recipients.update(seller.members.values_list("user__email", flat=True))
    context = {"seller_order": seller_order, "order": seller_order.order, "seller": seller,
               "lines": seller_order.lines.all(), "dashboard_url": settings.SITE_URL + "/seller/"}
    body = render_to_string("orders/emails/seller_order_notice.txt", context)
    return send_mail(_("New order %(number)s to accept") % {"number": seller_order.order.number}, body,
                     None, sorted(r for r in recipients if r))
