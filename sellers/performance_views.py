"""The seller back office's Performance page: the scorecard (sellers.scorecard), thin."""
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import quality
from .access import seller_required
from .scorecard import seller_scorecard


@require_GET
@seller_required
def performance(request):
    card = seller_scorecard(seller=request.seller)
    return render(request, "sellers/performance.html", {
        "section": "performance", "card": card,
        "weights": {"rating": quality.WEIGHT_RATING * 100, "fulfilment": quality.WEIGHT_FULFILMENT * 100,
                    "on_time": quality.WEIGHT_ON_TIME * 100, "defect": quality.WEIGHT_NO_DEFECT * 100},
        "neutral": quality.NEUTRAL, "blend_weight": quality.BLEND_WEIGHT,
        "max_handicap": quality.MAX_HANDICAP * 100, "warranty_step": quality.WARRANTY_STEP * 100,
        "warranty_max_years": quality.WARRANTY_MAX_YEARS, "days": quality.PERFORMANCE_DAYS,
        "example_price": quality.effective_price(price=100, score=card.score, warranty_months=12),
    })
