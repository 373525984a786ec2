"""The published quality rule (sellers/quality.py) on the worked examples of DOMAIN.md and issue 21."""
from decimal import Decimal

from sellers.quality import (
    effective_price,
    handicap_percent,
    quality_score,
    warranty_years,
)


def _eff(price: str, score: str, months: int = 12) -> Decimal:
    return effective_price(price=Decimal(price), score=Decimal(score), warranty_months=months)


NO_HISTORY = dict(rating=None, rating_count=0, fulfilment=None, fulfilment_count=0,
                  on_time=None, on_time_count=0, defect=None, defect_count=0)


def test_a_seller_scoring_50_competes_at_a_ten_percent_handicap():
    assert handicap_percent(Decimal("50")) == Decimal("10.00")
    assert _eff("100.00", "50") == Decimal("110.00")


def test_a_perfect_seller_competes_at_face_price():
    assert _eff("776.00", "100") == Decimal("776.00")


def test_a_seller_without_history_scores_70_and_competes_at_plus_six_percent():
    score = quality_score(**NO_HISTORY)
    assert score == Decimal("70.00")
    assert handicap_percent(score) == Decimal("6.00")
    assert effective_price(price=Decimal("699.00"), score=score, warranty_months=12) == Decimal("740.94")


def test_the_485_star_seller_with_24_months_at_776_is_about_771_effective_and_loses_to_the_new_seller():
    score = quality_score(rating=Decimal("4.85"), rating_count=180, fulfilment=Decimal("0.97"),
                          fulfilment_count=400, on_time=Decimal("0.88"), on_time_count=400,
                          defect=Decimal("0.05"), defect_count=420)
    # 100 × (0.35·blend(0.9625, 180) + 0.25·blend(0.97, 400) + 0.20·blend(0.88, 400) + 0.20·blend(0.95, 420))
    assert score == Decimal("92.90")
    # 776 × (1 + 0.20 × 0.071) × (1 − 0.02 × 1) = 776 × 1.0142 × 0.98 = 771.279… → 771.28
    assert effective_price(price=Decimal("776.00"), score=score, warranty_months=24) == Decimal("771.28")


def test_each_part_is_blended_with_the_neutral_070_by_n_over_n_plus_20():
    # 20 perfect on-time orders: t = (20·1 + 20·0.70) / 40 = 0.85; others neutral 0.70.
    score = quality_score(**{**NO_HISTORY, "on_time": Decimal("1"), "on_time_count": 20})
    assert score == Decimal("73.00")  # 100 × (0.80·0.70 + 0.20·0.85)


def test_warranty_counts_full_years_beyond_12_months_at_most_three():
    assert [warranty_years(m) for m in (12, 23, 24, 35, 36, 48, 60, 120)] == [0, 0, 1, 1, 2, 3, 3, 3]
    assert _eff("100.00", "100", 60) == Decimal("94.00")


def test_effective_price_rounds_half_up_to_the_cent():
    # 0.05 × 1.06 = 0.053 → 0.05; 0.25 × 1.06 = 0.265 → 0.27
    assert effective_price(price=Decimal("0.05"), score=Decimal("70"), warranty_months=12) == Decimal("0.05")
    assert effective_price(price=Decimal("0.25"), score=Decimal("70"), warranty_months=12) == Decimal("0.27")
