"""Seller performance over the last 90 days and the quality score, computed set-based.

`seller_scores_compute` measures every seller (or some) in five grouped queries, stores the
score, its parts and counts on the seller, writes the day's SellerScoreDay row and invalidates
the product pages of sellers whose score or rating changed. The formula is sellers/quality.py.
"""
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, Case, Count, DurationField, F, Q, Sum, Value, When
from django.db.models.functions import ExtractIsoWeekDay, TruncDay
from django.utils import timezone

from . import quality
from .models import Seller, SellerScoreDay

PENDING_KEY = "quality:pending:{}"
DEBOUNCE_SECONDS = 30
# Cancellations that count against the seller: its refusals and the ones it let expire.
SELLER_FAULT_CAUSES = ("refused", "not_accepted")
# Return reasons that say the seller is at fault (DOMAIN.md: a fault or "not as described").
DEFECT_REASONS = ("defective", "not_as_described")


@dataclass(frozen=True)
class Measures:
    rating: quality.Part
    fulfilment: quality.Part
    on_time: quality.Part
    defect: quality.Part

    def arguments(self) -> dict:
        """The keyword arguments of quality.quality_score (and blended_parts)."""
        return {
            "rating": self.rating.value, "rating_count": self.rating.count,
            "fulfilment": self.fulfilment.value, "fulfilment_count": self.fulfilment.count,
            "on_time": self.on_time.value, "on_time_count": self.on_time.count,
            "defect": self.defect.value, "defect_count": self.defect.count,
        }

    @property
    def score(self) -> Decimal:
        return quality.quality_score(**self.arguments())

    def as_json(self) -> dict:
        return {name: {"value": None if part.value is None else str(part.value), "count": part.count}
                for name, part in self.__dict__.items()}


def measures_from_json(parts: dict) -> Measures:
    def part(name: str) -> quality.Part:
        raw = (parts or {}).get(name) or {}
        value = raw.get("value")
        return quality.Part(None if value is None else Decimal(value), int(raw.get("count") or 0))

    return Measures(part("rating"), part("fulfilment"), part("on_time"), part("defect"))


def _rate(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _stars(mean) -> Decimal | None:
    return None if mean is None else Decimal(mean).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _ship_deadline():
    """The midnight ending the second business day after the day of acceptance (Saturday and
    Sunday are not business days): accepted Monday, ship by Wednesday; Thursday, by Monday."""
    days = Case(
        When(Q(accept_weekday__in=(4, 5)), then=Value(timedelta(days=5))),  # Thu → Mon, Fri → Tue
        When(Q(accept_weekday=6), then=Value(timedelta(days=4))),  # Sat → end of Tue
        default=Value(timedelta(days=3)),  # Mon–Wed → 2 days on; Sun → end of Tue
        output_field=DurationField())
    return F("accept_day") + days


def _order_measures(seller_ids, start, now) -> dict[int, dict]:
    from orders.models import SellerOrder

    accept_window = timedelta(hours=settings.SELLER_ACCEPT_HOURS)
    paid = Q(paid_at__gte=start)
    accepted_in_time = Q(accepted_at__isnull=False, accepted_at__lte=F("paid_at") + accept_window)
    # Due: the seller had to act on it — accepted and shipped or past its shipping deadline, or
    # let expire. Refusals count in fulfilment only.
    due = paid & (Q(cancel_cause="not_accepted")
                  | Q(accepted_at__isnull=False, shipped_at__isnull=False)
                  | Q(accepted_at__isnull=False, ship_deadline__lt=now))
    on_time = paid & accepted_in_time & Q(shipped_at__isnull=False, shipped_at__lt=F("ship_deadline"))
    rows = (SellerOrder.objects.filter(seller_id__in=seller_ids, paid_at__gte=start)
            .annotate(accept_day=TruncDay("accepted_at"), accept_weekday=ExtractIsoWeekDay("accepted_at"))
            .annotate(ship_deadline=_ship_deadline())
            .values("seller_id").order_by()
            .annotate(paid=Count("pk"), failed=Count("pk", filter=Q(cancel_cause__in=SELLER_FAULT_CAUSES)),
                      due=Count("pk", filter=due), on_time=Count("pk", filter=on_time)))
    return {row["seller_id"]: row for row in rows}


def measures_compute(*, seller_ids, now=None) -> dict[int, tuple[Measures, Decimal, int]]:
    """Each seller's measures over the last 90 days, and its all-time visible rating and count."""
    from orders.models import OrderLine, ReturnRequest
    from reviews.models import Review

    now = now or timezone.now()
    start = now - timedelta(days=quality.PERFORMANCE_DAYS)
    seller_ids = list(seller_ids)
    orders = _order_measures(seller_ids, start, now)
    units = dict(OrderLine.objects.filter(seller_order__seller_id__in=seller_ids,
                                          seller_order__delivered_at__gte=start)
                 .values("seller_order__seller_id").order_by()
                 .annotate(units=Sum("quantity")).values_list("seller_order__seller_id", "units"))
    defects = dict(ReturnRequest.objects.filter(seller_order__seller_id__in=seller_ids, created_at__gte=start,
                                                reason__in=DEFECT_REASONS)
                   .exclude(state=ReturnRequest.State.REJECTED)
                   .values("seller_order__seller_id").order_by()
                   .annotate(n=Count("pk")).values_list("seller_order__seller_id", "n"))
    recent = Q(created_at__gte=start)
    reviews = {row["seller_id"]: row for row in (
        Review.objects.visible().filter(seller_id__in=seller_ids).values("seller_id").order_by()
        .annotate(all_avg=Avg("stars"), all_n=Count("pk"),
                  avg=Avg("stars", filter=recent), n=Count("pk", filter=recent)))}
    result = {}
    for seller_id in seller_ids:
        o = orders.get(seller_id, {})
        r = reviews.get(seller_id, {})
        delivered = int(units.get(seller_id) or 0)
        paid = o.get("paid", 0)
        rating = _stars(r.get("avg"))
        measures = Measures(
            rating=quality.Part(rating, r.get("n", 0)),
            fulfilment=quality.Part(None if not paid else 1 - _rate(o["failed"], paid), paid),
            on_time=quality.Part(_rate(o.get("on_time", 0), o.get("due", 0)), o.get("due", 0)),
            defect=quality.Part(_rate(min(defects.get(seller_id, 0), delivered), delivered), delivered),
        )
        shown = _stars(r.get("all_avg")) or Decimal("0.00")
        result[seller_id] = (measures, shown, r.get("all_n", 0))
    return result


def seller_scores_compute(*, seller_ids=None, now=None) -> int:
    """Recomputes and stores the score of these sellers (all when None). Returns how many changed."""
    from catalog.cache import seller_products_changed_on_commit

    now = now or timezone.now()
    sellers = Seller.objects.only("pk", "quality_score", "rating", "rating_count")
    if seller_ids is not None:
        sellers = sellers.filter(pk__in=list(seller_ids))
    sellers = list(sellers)
    computed = measures_compute(seller_ids=[s.pk for s in sellers], now=now)
    changed, days = [], []
    for seller in sellers:
        measures, rating, rating_count = computed[seller.pk]
        score = measures.score
        if (score, rating, rating_count) != (seller.quality_score, seller.rating, seller.rating_count):
            changed.append(seller.pk)
        seller.quality_score, seller.rating, seller.rating_count = score, rating, rating_count
        seller.quality_parts, seller.quality_computed_at = measures.as_json(), now
        days.append(SellerScoreDay(seller_id=seller.pk, day=timezone.localdate(now), score=score,
                                   parts=seller.quality_parts))
    with transaction.atomic():
        Seller.objects.bulk_update(sellers, ["quality_score", "quality_parts", "quality_computed_at",
                                             "rating", "rating_count"], batch_size=500)
        SellerScoreDay.objects.bulk_create(days, batch_size=500, update_conflicts=True,
                                           unique_fields=["seller", "day"], update_fields=["score", "parts"])
        if changed:
            # Every product page an offer of these sellers is on.
            seller_products_changed_on_commit(*changed)
    return len(changed)


def seller_performance_changed_on_commit(seller_id: int) -> None:
    """A seller order, return or review of this seller changed: recompute its score after commit.

    With a worker, changes within DEBOUNCE_SECONDS share one run: the first adds the cache key and
    enqueues a run for after the key has expired, so every change made while the key lives is
    read by that run, and a change after it enqueues the next. Without a worker (tasks run eagerly,
    as in development and tests) there is nothing to coalesce: it recomputes at once."""
    def enqueue():
        from .tasks import recompute_seller_score

        if settings.CELERY_TASK_ALWAYS_EAGER:
            seller_scores_compute(seller_ids=[seller_id])
        elif cache.add(PENDING_KEY.format(seller_id), 1, timeout=DEBOUNCE_SECONDS):
            recompute_seller_score.apply_async((seller_id,), countdown=DEBOUNCE_SECONDS + 5)

    transaction.on_commit(enqueue)


def seller_order_drags(*, seller: Seller, now=None, limit: int = 10) -> dict[str, list]:
    """What pulls the seller's score down over the last 90 days, each list newest first: the orders
    it cancelled or let expire, the orders shipped late (or not yet, past the deadline), the
    returns for a fault or not as described."""
    from orders.models import ReturnRequest, SellerOrder

    now = now or timezone.now()
    start = now - timedelta(days=quality.PERFORMANCE_DAYS)
    accept_window = timedelta(hours=settings.SELLER_ACCEPT_HOURS)
    mine = SellerOrder.objects.filter(seller=seller, paid_at__gte=start).select_related("order")
    late = (mine.filter(accepted_at__isnull=False)
            .annotate(accept_day=TruncDay("accepted_at"), accept_weekday=ExtractIsoWeekDay("accepted_at"))
            .annotate(ship_deadline=_ship_deadline())
            .filter(Q(accepted_at__gt=F("paid_at") + accept_window)
                    | Q(shipped_at__gte=F("ship_deadline"))
                    | Q(shipped_at__isnull=True, ship_deadline__lt=now)))
    return {
        "cancelled": list(mine.filter(cancel_cause__in=SELLER_FAULT_CAUSES).order_by("-paid_at")[:limit]),
        "late": list(late.order_by("-paid_at")[:limit]),
        "faulty": list(ReturnRequest.objects.filter(seller_order__seller=seller, created_at__gte=start,
                                                    reason__in=DEFECT_REASONS)
                       .exclude(state=ReturnRequest.State.REJECTED)
                       .select_related("seller_order__order", "order_line").order_by("-created_at")[:limit]),
    }
