"""The order e-mails: confirmation, seller notices, and every fulfilment and return step."""
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.mail import send_once

from . import guest_access
from .models import Order, ReturnRequest, SellerOrder


def order_confirmation_send(*, order: Order) -> int:
    seller_orders = order.seller_orders.select_related("seller").prefetch_related("lines")
    context = {"order": order, "seller_orders": seller_orders,
               "order_url": guest_access.order_link(order=order)}
    body = render_to_string("orders/emails/order_confirmation.txt", context)
    return send_once(f"order:{order.pk}:confirmed",
                      _("Your order %(number)s is confirmed") % {"number": order.number}, body, [order.email])


def seller_order_notice_send(*, seller_order: SellerOrder) -> int:
    seller = seller_order.seller
    recipients = {seller.contact_email}
    recipients.update(seller.members.values_list("user__email", flat=True))
    context = {"seller_order": seller_order, "order": seller_order.order, "seller": seller,
               "lines": seller_order.lines.all(), "dashboard_url": settings.SITE_URL + "/seller/orders/"}
    body = render_to_string("orders/emails/seller_order_notice.txt", context)
    return send_once(f"so:{seller_order.pk}:new",
                      _("New order %(number)s to accept") % {"number": seller_order.order.number}, body,
                      list(recipients))


# --- Fulfilment and after-sales -------------------------------------------------------------------
SHOPPER_SUBJECTS = {
    "accepted": gettext_lazy("Your order %(number)s is confirmed by %(seller)s"),
    "shipped": gettext_lazy("Your order %(number)s is on its way"),
    "delivered": gettext_lazy("Your order %(number)s is delivered"),
    "cancelled": gettext_lazy("Part of your order %(number)s is cancelled"),
    "refunded": gettext_lazy("Your refund for order %(number)s"),
}
RETURN_SUBJECTS = {
    "requested": gettext_lazy("Return requested on order %(number)s"),
    "accepted": gettext_lazy("Your return on order %(number)s is accepted"),
    "disputed": gettext_lazy("Your return on order %(number)s is under review"),
    "rejected": gettext_lazy("Your return on order %(number)s is rejected"),
    "received": gettext_lazy("Your returned item for order %(number)s has arrived"),
    "refunded": gettext_lazy("Your return on order %(number)s is refunded"),
}


def _seller_recipients(seller) -> list[str]:
    return [seller.contact_email, *seller.members.values_list("user__email", flat=True)]


def seller_order_update_send(*, seller_order: SellerOrder, event: str) -> int:
    """The shopper's e-mail about one step of a seller order (and the seller's, for a cancellation
    it did not choose). `event` is accepted, shipped, delivered, cancelled or refunded-<refund id>."""
    from .fulfilment import tracking_url

    order = seller_order.order
    kind = event.split("-")[0]
    refund = seller_order.refunds.filter(pk=event.split("-")[1]).first() if kind == "refunded" else None
    context = {"order": order, "seller_order": seller_order, "seller": seller_order.seller, "event": kind,
               "lines": seller_order.lines.all(), "refund": refund,
               "return_days": settings.RETURN_WINDOW_DAYS,
               "tracking_url": tracking_url(carrier=seller_order.carrier,
                                            tracking_number=seller_order.tracking_number),
               "order_url": guest_access.order_link(order=order)}
    subject = str(SHOPPER_SUBJECTS[kind]) % {"number": order.number, "seller": seller_order.seller.name}
    sent = send_once(f"so:{seller_order.pk}:{event}", subject,
                      render_to_string("orders/emails/seller_order_update.txt", context), [order.email])
    if kind == "cancelled" and seller_order.cancel_cause == SellerOrder.CancelCause.NOT_ACCEPTED:
        body = render_to_string("orders/emails/seller_order_missed.txt", {
            **context, "dashboard_url": settings.SITE_URL + reverse("sellers:order_list")})
        subject = _("Order %(number)s was cancelled: not accepted in time") % {"number": order.number}
        sent += send_once(f"so:{seller_order.pk}:missed", subject, body,
                           _seller_recipients(seller_order.seller))
    return sent


def return_update_send(*, ret: ReturnRequest, event: str) -> int:
    """A return's news: the seller hears of a new request; the shopper of every decision."""
    seller_order = ret.seller_order
    order = seller_order.order
    context = {"ret": ret, "order": order, "seller_order": seller_order, "line": ret.order_line,
               "event": event,
               # The shopper's own link (signed for a guest) never goes into the seller's e-mail.
               "order_url": "" if event == "requested" else guest_access.order_link(order=order),
               "seller_url": settings.SITE_URL + reverse("sellers:order_detail", args=[seller_order.pk])}
    subject = str(RETURN_SUBJECTS[event]) % {"number": order.number}
    body = render_to_string("orders/emails/return_update.txt", context)
    recipients = _seller_recipients(seller_order.seller) if event == "requested" else [order.email]
    return send_once(f"return:{ret.pk}:{event}", subject, body, recipients)


def order_link_send(*, number: str, email: str) -> int:
    """A fresh link to the order with this number and e-mail address, if there is one, sent to
    that address only (asked for on the lookup page, which never says whether it exists)."""
    order = Order.objects.filter(number__iexact=number, email__iexact=email).first()
    if order is None:
        return 0
    context = {"order": order, "order_url": guest_access.order_link(order=order),
               "days": guest_access.LINK_MAX_AGE.days, "has_account": order.user_id is not None,
               "login_url": settings.SITE_URL + reverse("account_login") + "?" + urlencode(
                   {"next": reverse("orders:order_detail", args=[order.number])})}
    body = render_to_string("orders/emails/order_link.txt", context)
    return send_mail(_("Your link to order %(number)s") % {"number": order.number}, body, None,
                     [order.email])
