"""Writes about reviews: a shopper writes or edits one, staff hide or show it, the seller replies."""
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import SellerOrder
from sellers.performance import seller_performance_changed_on_commit

from .models import Review, ReviewEvent

REVIEW_WINDOW_DAYS = 60  # after delivery
EDIT_WINDOW_DAYS = 7  # after writing


def _check_stars(stars: int) -> int:
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationError({"stars": _("Choose from 1 to 5 stars.")})
    return stars


def review_can_write(*, seller_order: SellerOrder, user, now=None) -> bool:
    """The shopper of a delivered seller order, within 60 days of delivery, not reviewed yet."""
    now = now or timezone.now()
    return (user is not None and user.is_authenticated and seller_order.order.user_id == user.pk
            and seller_order.delivered_at is not None
            and now <= seller_order.delivered_at + timedelta(days=REVIEW_WINDOW_DAYS)
            and not Review.objects.filter(seller_order=seller_order).exists())


def review_can_edit(*, review: Review, user, now=None) -> bool:
    now = now or timezone.now()
    return (user is not None and review.author_id == user.pk and not review.is_hidden
            and now <= review.created_at + timedelta(days=EDIT_WINDOW_DAYS))


def review_create(*, seller_order: SellerOrder, user, stars: int, comment: str = "", now=None) -> Review:
    """A verified review: only the shopper of a delivered seller order, within 60 days, once."""
    now = now or timezone.now()
    _check_stars(stars)
    if seller_order.order.user_id != getattr(user, "pk", None):
        raise ValidationError(_("Only the shopper who bought this order can review it."))
    if seller_order.delivered_at is None:
        raise ValidationError(_("You can review an order once it is delivered."))
    if now > seller_order.delivered_at + timedelta(days=REVIEW_WINDOW_DAYS):
        raise ValidationError(_("Reviews are possible for %(days)s days after delivery.")
                              % {"days": REVIEW_WINDOW_DAYS})
    try:
        with transaction.atomic():
            review = Review.objects.create(seller_order=seller_order, seller_id=seller_order.seller_id,
                                           author=user, stars=stars, comment=comment.strip(),
                                           created_at=now)
            ReviewEvent.objects.create(review=review, action=ReviewEvent.Action.CREATED, actor=user,
                                       stars=stars)
            seller_performance_changed_on_commit(seller_order.seller_id)
    except IntegrityError:
        raise ValidationError(_("You have already reviewed this order.")) from None
    return review


def review_edit(*, review: Review, user, stars: int, comment: str = "", now=None) -> Review:
    """The author changes stars or comment, within 7 days of writing, unless staff hid it."""
    _check_stars(stars)
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if not review_can_edit(review=review, user=user, now=now):
            raise ValidationError(_("This review can no longer be changed."))
        review.stars, review.comment, review.edited_at = stars, comment.strip(), now or timezone.now()
        review.save(update_fields=["stars", "comment", "edited_at"])
        ReviewEvent.objects.create(review=review, action=ReviewEvent.Action.EDITED, actor=user, stars=stars)
        seller_performance_changed_on_commit(review.seller_id)
    return review


def review_hide(*, review: Review, actor, reason: str) -> Review:
    """Staff hide a review, saying why; it then counts nowhere. The history keeps who and why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the review is hidden."))
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.is_hidden:
            raise ValidationError(_("This review is already hidden."))
        review.hidden_at, review.hidden_reason = timezone.now(), reason[:255]
        review.save(update_fields=["hidden_at", "hidden_reason"])
        ReviewEvent.objects.create(review=review, action=ReviewEvent.Action.HIDDEN, actor=actor,
                                   reason=reason[:255], stars=review.stars)
        seller_performance_changed_on_commit(review.seller_id)
    return review


def review_show(*, review: Review, actor, reason: str) -> Review:
    """Staff undo a hiding, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the review is shown again."))
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if not review.is_hidden:
            raise ValidationError(_("This review is not hidden."))
        review.hidden_at, review.hidden_reason = None, ""
        review.save(update_fields=["hidden_at", "hidden_reason"])
        ReviewEvent.objects.create(review=review, action=ReviewEvent.Action.SHOWN, actor=actor,
                                   reason=reason[:255], stars=review.stars)
        seller_performance_changed_on_commit(review.seller_id)
    return review


def review_reply(*, review: Review, seller, text: str, actor=None) -> Review:
    """The seller answers a review publicly, once."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"reply": _("Write your reply.")})
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.seller_id != seller.pk:
            raise Review.DoesNotExist  # another seller's review: a 404 at the door
        if review.replied_at is not None:
            raise ValidationError(_("You have already replied to this review."))
        review.reply, review.replied_at = text[:2000], timezone.now()
        review.save(update_fields=["reply", "replied_at"])
        ReviewEvent.objects.create(review=review, action=ReviewEvent.Action.REPLIED, actor=actor)
    return review
