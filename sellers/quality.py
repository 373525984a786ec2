"""The seller quality rule in one place: weights, the quality score, and the effective price.

DOMAIN.md "Seller quality". Everything that ranks offers (the buy-box SQL in sellers.selectors),
computes scores (sellers.performance) or explains them to sellers reads these constants, so the
published rule and the applied rule cannot drift apart.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, IntegerField, Value
from django.db.models.functions import Cast, Greatest, Least, Round

CENT = Decimal("0.01")

# Weights of the four parts of the quality score (sum 1).
WEIGHT_RATING = Decimal("0.35")
WEIGHT_FULFILMENT = Decimal("0.25")
WEIGHT_ON_TIME = Decimal("0.20")
WEIGHT_NO_DEFECT = Decimal("0.20")

# Each part is blended with NEUTRAL by n / (n + BLEND_WEIGHT): little history, close to neutral.
NEUTRAL = Decimal("0.70")
BLEND_WEIGHT = 20
NEW_SELLER_SCORE = Decimal("70.00")

# Effective price: up to +20 % for a score of 0, and -2 % per full year of warranty beyond 12
# months, at most 3 years.
MAX_HANDICAP = Decimal("0.20")
WARRANTY_BASE_MONTHS = 12
WARRANTY_STEP = Decimal("0.02")
WARRANTY_MAX_YEARS = 3

PERFORMANCE_DAYS = 90
ON_TIME_SHIP_BUSINESS_DAYS = 2
# Fewer visible reviews than this: the offer shows "New seller", never a rating.
MIN_REVIEWS_FOR_RATING = 5


@dataclass(frozen=True)
class Part:
    """One measure of the score: its raw value (None without history), the count it rests
    on, and the value the score uses after blending with the neutral 0.70."""

    value: Decimal | None
    count: int

    @property
    def blended(self) -> Decimal:
        return blend(self.value, self.count)


def blend(value: Decimal | None, count: int) -> Decimal:
    """value blended with NEUTRAL by count / (count + BLEND_WEIGHT)."""
    if not count or value is None:
        return NEUTRAL
    n = Decimal(count)
    return (n * Decimal(value) + BLEND_WEIGHT * NEUTRAL) / (n + BLEND_WEIGHT)


def rating_fraction(rating: Decimal) -> Decimal:
    """Mean stars 1–5 as 0–1: r = (rating − 1) ÷ 4."""
    return (Decimal(rating) - 1) / 4


def quality_score(*, rating: Decimal | None, rating_count: int,
                  fulfilment: Decimal | None, fulfilment_count: int,
                  on_time: Decimal | None, on_time_count: int,
                  defect: Decimal | None, defect_count: int) -> Decimal:
    """The quality score 0–100, to two decimals, from the raw parts and their counts.

    rating is mean stars (1–5); fulfilment and on_time are rates 0–1; defect is the defect rate
    0–1 (the score uses 1 − defect)."""
    b = blended_parts(rating=rating, rating_count=rating_count, fulfilment=fulfilment,
                      fulfilment_count=fulfilment_count, on_time=on_time, on_time_count=on_time_count,
                      defect=defect, defect_count=defect_count)
    score = 100 * (WEIGHT_RATING * b["rating"] + WEIGHT_FULFILMENT * b["fulfilment"]
                   + WEIGHT_ON_TIME * b["on_time"] + WEIGHT_NO_DEFECT * b["defect"])
    return score.quantize(CENT, ROUND_HALF_UP)


def blended_parts(*, rating, rating_count, fulfilment, fulfilment_count, on_time, on_time_count,
                  defect, defect_count) -> dict[str, Decimal]:
    """The four parts as the score uses them, each 0–1 (higher is better; "defect" is 1 − d)."""
    return {
        "rating": blend(rating_fraction(rating) if rating is not None else None, rating_count),
        "fulfilment": blend(fulfilment, fulfilment_count),
        "on_time": blend(on_time, on_time_count),
        "defect": blend(1 - Decimal(defect) if defect is not None else None, defect_count),
    }


def warranty_years(warranty_months: int) -> int:
    """Full years of warranty beyond 12 months that count, 0 … WARRANTY_MAX_YEARS."""
    return max(0, min(WARRANTY_MAX_YEARS, (int(warranty_months) - WARRANTY_BASE_MONTHS) // 12))


def score_factor(score: Decimal) -> Decimal:
    """1 + 0.20 × (1 − score ÷ 100): 1.00 for a perfect seller, 1.10 for a score of 50."""
    return 1 + MAX_HANDICAP * (1 - Decimal(score) / 100)


def warranty_factor(warranty_months: int) -> Decimal:
    return 1 - WARRANTY_STEP * warranty_years(warranty_months)


def effective_price(*, price: Decimal, score: Decimal, warranty_months: int) -> Decimal:
    """Price × score factor × warranty factor, rounded half up to the cent (as the SQL does)."""
    value = Decimal(price) * score_factor(score) * warranty_factor(warranty_months)
    return value.quantize(CENT, ROUND_HALF_UP)


def handicap_percent(score: Decimal) -> Decimal:
    """The score's surcharge as a percentage of price, e.g. 6.00 for a score of 70."""
    return ((score_factor(score) - 1) * 100).quantize(CENT, ROUND_HALF_UP)


def effective_price_sql(*, price: str = "price", score: str = "seller__quality_score",
                        warranty: str = "warranty_months") -> ExpressionWrapper:
    """The same effective price as a SQL expression over a listing's columns (PostgreSQL's
    numeric ROUND rounds half away from zero, which is half up for positive prices)."""
    money = DecimalField(max_digits=14, decimal_places=6)
    factor = (Value(1 + MAX_HANDICAP, output_field=money)
              - Value(MAX_HANDICAP / 100, output_field=money) * F(score))
    return ExpressionWrapper(
        Round(ExpressionWrapper(F(price) * factor * warranty_factor_sql(F(warranty)), output_field=money), 2),
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )


def warranty_factor_sql(warranty) -> ExpressionWrapper:
    """warranty_factor as a SQL expression over a warranty in months (a column, or an OuterRef)."""
    money = DecimalField(max_digits=14, decimal_places=6)
    # Integer division of integer columns (warranty ≥ 12 months) in PostgreSQL and SQLite alike.
    full_years = ExpressionWrapper((warranty - WARRANTY_BASE_MONTHS) / 12, output_field=IntegerField())
    years = Least(Value(WARRANTY_MAX_YEARS), Greatest(Value(0), full_years))
    return ExpressionWrapper(Value(Decimal(1), output_field=money)
                             - Value(WARRANTY_STEP, output_field=money) * Cast(years, output_field=money),
                             output_field=money)


def score_band(score: Decimal) -> str:
    """The score in words, as shoppers see it on the seller's page."""
    from django.utils.translation import gettext as _

    score = Decimal(score)
    if score >= 90:
        return _("Excellent")
    if score >= 80:
        return _("Very good")
    if score >= 70:
        return _("Good")
    if score >= 60:
        return _("Fair")
    return _("Needs improvement")


def shows_rating(rating_count: int) -> bool:
    """Whether an offer shows the seller's stars; below MIN_REVIEWS_FOR_RATING it says "New seller"."""
    return (rating_count or 0) >= MIN_REVIEWS_FOR_RATING
