"""The seller's scorecard: its quality score, each part with its number and count, the 90-day
trend, what drags it down, and the rule in words with its own numbers (no hidden algorithm)."""
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from . import quality
from .models import Seller, SellerScoreDay
from .performance import Measures, measures_from_json

# What "better" means in the advice: the level each part is compared against.
TARGETS = {"on_time": Decimal("0.98"), "fulfilment": Decimal("0.99"), "defect": Decimal("0.01"),
           "rating": Decimal("4.80")}


@dataclass(frozen=True)
class PartRow:
    key: str
    label: str
    value: Decimal | None  # raw: stars for the rating, a rate 0–1 otherwise
    count: int
    count_label: str
    weight: Decimal
    blended: Decimal  # what the score uses, 0–1

    @property
    def percent(self) -> Decimal | None:
        if self.value is None or self.key == "rating":
            return None
        return (self.value * 100).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Advice:
    key: str
    label: str
    target: Decimal
    score: Decimal
    handicap: Decimal


@dataclass
class Scorecard:
    seller: Seller
    score: Decimal
    band: str
    handicap: Decimal
    parts: list[PartRow]
    trend: list[tuple[date, Decimal]]
    chart: dict
    advice: Advice | None
    drags: dict = field(default_factory=dict)
    computed_at: object = None


def _labels() -> dict[str, tuple[str, str]]:
    return {
        "rating": (_("Rating"), _("visible reviews")),
        "fulfilment": (_("Fulfilment rate"), _("paid orders")),
        "on_time": (_("On-time rate"), _("orders due")),
        "defect": (_("Defect rate"), _("units delivered")),
    }


WEIGHTS = {"rating": quality.WEIGHT_RATING, "fulfilment": quality.WEIGHT_FULFILMENT,
           "on_time": quality.WEIGHT_ON_TIME, "defect": quality.WEIGHT_NO_DEFECT}


def part_rows(measures: Measures) -> list[PartRow]:
    labels = _labels()
    blended_all = quality.blended_parts(**measures.arguments())
    rows = []
    for key in ("rating", "fulfilment", "on_time", "defect"):
        part = getattr(measures, key)
        blended = blended_all[key]
        rows.append(PartRow(key, labels[key][0], part.value, part.count, labels[key][1], WEIGHTS[key],
                            blended.quantize(Decimal("0.0001"))))
    return rows


def advice_for(measures: Measures) -> Advice | None:
    """The one change that would lower the handicap most: a part measured on some orders,
    brought to its target with the same count."""
    best = None
    current = measures.score
    labels = _labels()
    for key, target in TARGETS.items():
        part = getattr(measures, key)
        if not part.count:
            continue
        better = (part.value is None or (part.value > target if key == "defect" else part.value < target))
        if not better:
            continue
        score = replace(measures, **{key: quality.Part(target, part.count)}).score
        if score > current and (best is None or score > best.score):
            best = Advice(key, labels[key][0], target, score, quality.handicap_percent(score))
    return best


def trend_chart(points: list[tuple[date, Decimal]], *, days: int, width: int = 600,
                height: int = 160) -> dict:
    """Geometry of the server-rendered SVG line chart of the score, 0–100, over `days` days."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    step = width / max(days - 1, 1)
    coords = [(round((day - first).days * step, 1), round(height - float(score) / 100 * height, 1),
               day, score) for day, score in points if day >= first]
    return {"width": width, "height": height, "points": " ".join(f"{x},{y}" for x, y, _d, _s in coords),
            "dots": coords, "first": first, "last": today,
            "neutral_y": round(height - float(quality.NEW_SELLER_SCORE) / 100 * height, 1)}


def seller_scorecard(*, seller: Seller, with_drags: bool = True) -> Scorecard:
    from .performance import seller_order_drags

    measures = measures_from_json(seller.quality_parts)
    score = seller.quality_score
    days = quality.PERFORMANCE_DAYS
    since = timezone.localdate() - timedelta(days=days - 1)
    trend = list(SellerScoreDay.objects.filter(seller=seller, day__gte=since).order_by("day")
                 .values_list("day", "score"))
    return Scorecard(
        seller=seller, score=score, band=quality.score_band(score), handicap=quality.handicap_percent(score),
        parts=part_rows(measures), trend=trend, chart=trend_chart(trend, days=days),
        advice=advice_for(measures), drags=seller_order_drags(seller=seller) if with_drags else {},
        computed_at=seller.quality_computed_at,
    )
