"""The seller API's scorecard: the seller's quality score with its parts and trend, and its
reviews — the same numbers as the back office's Performance page (sellers.scorecard)."""
from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from . import quality
from .api import ERRORS
from .api_auth import ApiKeyAuth
from .api_types import MAX_OFFSET, QueryInteger, forbid_unknown_query_parameters
from .scorecard import seller_scorecard

router = Router(tags=["performance"], auth=ApiKeyAuth())


class PartOut(Schema):
    key: str = Field(description="rating, fulfilment, on_time or defect.", examples=["on_time"])
    value: Decimal | None = Field(description="Mean stars (rating) or a rate 0–1; null without history.",
                                  examples=["0.9500"])
    count: int = Field(description="The reviews, orders or units it rests on.", examples=[120])
    blended: Decimal = Field(description="What the score uses: value blended with 0.70 by n ÷ (n + 20).",
                             examples=["0.9135"])
    weight: Decimal = Field(examples=["0.20"])


class DayOut(Schema):
    day: date
    score: Decimal


class PerformanceOut(Schema):
    score: Decimal = Field(description="Quality score 0–100.", examples=["92.90"])
    band: str
    handicap_percent: Decimal = Field(
        description="Your effective price is your price plus this percentage (before any warranty bonus).",
        examples=["1.42"])
    computed_at: datetime | None
    days: int = quality.PERFORMANCE_DAYS
    parts: list[PartOut]
    trend: list[DayOut]


class ReviewOut(Schema):
    id: int
    seller_order_id: int
    stars: int
    comment: str
    created_at: datetime
    reply: str
    replied_at: datetime | None


class ReviewPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ReviewOut]


class PageFilters(Schema):
    limit: QueryInteger(50, ge=1, le=200)
    offset: QueryInteger(0, ge=0, le=MAX_OFFSET)


@router.get("/performance", response={200: PerformanceOut, **ERRORS},
            summary="Your quality score, its parts and its 90-day trend")
def performance_get(request):
    card = seller_scorecard(seller=request.seller, with_drags=False)
    return {"score": card.score, "band": card.band, "handicap_percent": card.handicap,
            "computed_at": card.computed_at,
            "parts": [{"key": p.key, "value": p.value, "count": p.count, "blended": p.blended,
                       "weight": p.weight} for p in card.parts],
            "trend": [{"day": day, "score": score} for day, score in card.trend]}


@router.get("/reviews", response={200: ReviewPage, **ERRORS}, summary="Your visible reviews, newest first")
def reviews_list(request, filters: Query[PageFilters]):
    from reviews.selectors import seller_reviews

    reviews = seller_reviews(seller=request.seller)
    page = list(reviews[filters.offset:filters.offset + filters.limit])
    return {"count": reviews.count(), "limit": filters.limit, "offset": filters.offset,
            "items": [{"id": r.pk, "seller_order_id": r.seller_order_id, "stars": r.stars,
                       "comment": r.comment, "created_at": r.created_at, "reply": r.reply,
                       "replied_at": r.replied_at} for r in page]}


forbid_unknown_query_parameters(router)
