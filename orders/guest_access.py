"""How a guest reaches their own order: a signed, expiring link in every e-mail about it, and one
signed cookie per order in a browser that placed it or opened such a link.

One cookie per order, never one shared list: two requests at once (a double click, two tabs) each
add their own cookie, so neither can overwrite the other's access. When the order's e-mail address
is verified by an account, the order becomes that account's and these links send to the login.
"""
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from .models import Order

LINK_SALT = "orders.guest-access.link"
COOKIE_SALT = "orders.guest-access.cookie"
COOKIE_PREFIX = "guest_order_"
# A link in an e-mail opens the order for this long; every later e-mail carries a fresh one, and
# the lookup page sends one on demand.
LINK_MAX_AGE = timedelta(days=30)
# The browser that placed the order (or opened a link) keeps access this long.
COOKIE_MAX_AGE = timedelta(days=90)
LINK_PARAMETER = "access"
# Links asked for on the lookup page, per e-mail address and order number (the per-IP limit is
# ORDER_LOOKUP_RATE_LIMIT): nobody can flood a mailbox from there.
LOOKUP_RATE_PER_ADDRESS = "3/h"


def order_token(*, order: Order) -> str:
    """A signed, timestamped token naming the order: unguessable without the SECRET_KEY."""
    return signing.dumps({"order": order.number}, salt=LINK_SALT)


def order_token_number(*, token: str) -> str:
    """The order number a token names. Raises signing.SignatureExpired for an old token and
    signing.BadSignature for anything else not signed by us."""
    data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    if not isinstance(data, dict) or not isinstance(data.get("order"), str):
        raise signing.BadSignature("not an order token")
    return data["order"]


def order_link(*, order: Order) -> str:
    """The absolute link to an order for an e-mail: signed for a guest's order; an account's order
    is opened by logging in."""
    url = settings.SITE_URL + reverse("orders:order_detail", args=[order.number])
    if order.user_id is None:
        url += "?" + urlencode({LINK_PARAMETER: order_token(order=order)})
    return url


def _cookie_name(number: str) -> str:
    return COOKIE_PREFIX + number


def access_grant(*, response, order: Order) -> None:
    """Lets the browser receiving this response open the guest order."""
    response.set_signed_cookie(
        _cookie_name(order.number), order.number, salt=COOKIE_SALT,
        max_age=int(COOKIE_MAX_AGE.total_seconds()), httponly=True, samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE)


def access_allowed(*, request, order: Order) -> bool:
    """True when this browser holds the order's signed cookie (and the order is a guest's)."""
    if order.user_id is not None:
        return False
    value = request.get_signed_cookie(_cookie_name(order.number), default=None, salt=COOKIE_SALT,
                                      max_age=COOKIE_MAX_AGE)
    return value == order.number


def guest_orders_claim(*, user, email: str) -> int:
    """The guest orders placed with `email` become `user`'s. Call it only for an address the user
    has verified: the address, not the account, is what proves the orders are theirs."""
    with transaction.atomic():
        orders = list(Order.objects.select_for_update().filter(user__isnull=True, email__iexact=email)
                      .order_by("pk"))
        for order in orders:
            order.user = user
            # save(), not update(): the audit trail records who the order passed to.
            order.save(update_fields=["user", "updated_at"])
    return len(orders)
