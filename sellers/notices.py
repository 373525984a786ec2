"""Buy-box notices: the back office's list and unread count, and the daily e-mail digest.

The watch (sellers.buybox_watch) writes the notices and keeps Seller.unread_notices; reading the
list marks them read. The digest goes to each team member who has not turned it off, once a day:
marketplace.mail.send_once keys it by member and day, so a retried task mails once.
"""
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from .models import Seller, SellerMember, SellerNotice

DIGEST_MAX_LINES = 200


def seller_notices(*, seller: Seller):
    """The seller's notices, newest first, with their listing and product (for a paginated page)."""
    return (SellerNotice.objects.filter(seller=seller)
            .select_related("listing__product__model").order_by("-id"))


@transaction.atomic
def notices_mark_read(*, seller: Seller) -> int:
    """Marks every notice of the seller read; returns how many were unread."""
    count = SellerNotice.objects.filter(seller=seller, read_at__isnull=True).update(read_at=timezone.now())
    Seller.objects.filter(pk=seller.pk).update(unread_notices=0)
    seller.unread_notices = 0
    return count


@transaction.atomic
def member_digest_set(*, member: SellerMember, enabled: bool) -> SellerMember:
    """A team member turns their own daily buy-box e-mail on or off."""
    member.buy_box_digest = bool(enabled)
    member.save(update_fields=["buy_box_digest"])
    return member


def buy_box_digests_send(*, now=None) -> int:
    """For each seller with notices in the last 24 hours, one e-mail to each member who wants it."""
    from .emails import _send

    now = now or timezone.now()
    day = timezone.localdate(now)
    since = now - timedelta(hours=24)
    sent = 0
    seller_ids = set(SellerNotice.objects.filter(created_at__gte=since).values_list("seller_id", flat=True))
    members = (SellerMember.objects.filter(seller_id__in=seller_ids, buy_box_digest=True,
                                           seller__status=Seller.Status.APPROVED)
               .exclude(user__email="").select_related("seller", "user"))
    by_seller: dict[int, list[SellerMember]] = {}
    for member in members:
        by_seller.setdefault(member.seller_id, []).append(member)
    for team in by_seller.values():
        notices = list(seller_notices(seller=team[0].seller).filter(created_at__gte=since)[:DIGEST_MAX_LINES])
        won = sum(n.kind == SellerNotice.Kind.BOX_WON for n in notices)
        with translation.override(settings.LANGUAGE_CODE):
            subject = translation.gettext("Buy box: %(won)s won, %(lost)s lost today") % {
                "won": won, "lost": len(notices) - won}
            context = {"seller": team[0].seller, "notices": notices,
                       "notices_url": settings.SITE_URL + reverse("sellers:notices"),
                       "settings_url": settings.SITE_URL + reverse("sellers:notices")}
            for member in team:
                sent += _send(template="buy_box_digest", subject=subject, context=context,
                              to=[member.user.email], once_key=f"buybox-digest:{member.pk}:{day.isoformat()}")
    return sent
