"""The generated reviews of delivered seller orders, then every seller's quality score."""
from __future__ import annotations

import time

from benchmarks.generator.values import NOW

# Reviews: about 40 % of delivered seller orders of shoppers with an account, a day after delivery,
# stars around the seller's generated rating (PostgreSQL's random(), seeded for the same rows).
_REVIEWS_SQL = (
    "SELECT setseed(0.2026); "
    "INSERT INTO reviews_review (seller_order_id, seller_id, author_id, stars, comment, created_at, "
    "hidden_reason, reply) "
    "SELECT so.id, so.seller_id, o.user_id, LEAST(5, GREATEST(1, ROUND(s.rating + (random() - 0.5) * 2))), "
    "'', so.delivered_at + INTERVAL '1 day', '', '' "
    "FROM orders_sellerorder AS so JOIN orders_order AS o ON o.id = so.order_id "
    "JOIN sellers_seller AS s ON s.id = so.seller_id "
    "WHERE so.delivered_at IS NOT NULL AND o.user_id IS NOT NULL AND s.rating > 0 AND random() < 0.4 "
    "ORDER BY so.id"
)


def gen_reviews_and_scores(cursor) -> tuple[int, float]:
    """Reviews of delivered seller orders, then every seller's quality score computed by the nightly
    job's own function; returns the reviews written and that job's seconds."""
    from sellers.performance import seller_scores_compute

    cursor.execute(_REVIEWS_SQL)
    cursor.execute("SELECT COUNT(*) FROM reviews_review")
    reviews = cursor.fetchone()[0]
    started = time.perf_counter()
    seller_scores_compute(now=NOW)
    return reviews, round(time.perf_counter() - started, 2)
