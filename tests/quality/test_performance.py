"""Seller performance over 90 days and the stored quality score: each part from the right orders,
returns and reviews, set-based for all sellers, one history row a day, product pages invalidated."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from redis import Redis

from catalog.cache import product_versions
from marketplace.queues import DEFAULT, queue_name
from orders.models import ReturnRequest
from reviews.services import review_create
from sellers.models import Seller, SellerScoreDay
from sellers.performance import PENDING_KEY, seller_performance_changed_on_commit, seller_scores_compute
from sellers.quality import quality_score
from sellers.tasks import recompute_seller_scores
from tests.factories import ListingFactory, SellerFactory, UserFactory

from .history import MONDAY, return_of, review_of, seller_order

pytestmark = pytest.mark.django_db
NOW = MONDAY + timedelta(days=10)
THURSDAY = MONDAY + timedelta(days=3)
R = ReturnRequest.Reason


def test_a_seller_without_history_scores_70_with_every_count_zero():
    seller = SellerFactory()
    seller_scores_compute(seller_ids=[seller.pk], now=NOW)
    seller.refresh_from_db()
    assert seller.quality_score == Decimal("70.00")
    assert {name: part["count"] for name, part in seller.quality_parts.items()} == {
        "rating": 0, "fulfilment": 0, "on_time": 0, "defect": 0}


def test_each_part_counts_the_right_orders_returns_and_reviews():
    listing = ListingFactory(price=Decimal("100.00"))
    seller = listing.seller
    on_time = seller_order(seller=seller, listing=listing, quantity=3)
    shipped_thursday = seller_order(seller=seller, listing=listing, shipped_after=timedelta(days=3))
    accepted_late = seller_order(seller=seller, listing=listing, accepted_after=timedelta(hours=50))
    seller_order(seller=seller, listing=listing, cancel_cause="refused")
    seller_order(seller=seller, listing=listing, cancel_cause="not_accepted")
    seller_order(seller=seller, listing=listing, cancel_cause="staff")  # not the seller's doing
    seller_order(seller=seller, listing=listing, shipped_after=None)  # accepted, never shipped
    # Accepted on a Thursday, shipped the next Monday: within 2 business days.
    thursday = seller_order(seller=seller, listing=listing, paid_at=THURSDAY,
                            accepted_after=timedelta(hours=1), shipped_after=timedelta(days=4),
                            delivered_after=timedelta(days=1))
    seller_order(seller=seller, listing=listing, paid_at=NOW - timedelta(days=91), cancel_cause="refused")
    return_of(on_time, R.DEFECTIVE)
    return_of(shipped_thursday, R.NOT_AS_DESCRIBED)
    return_of(accepted_late, R.CHANGED_MIND)  # a change of mind is no defect
    return_of(thursday, R.DEFECTIVE, state=ReturnRequest.State.REJECTED)  # a rejected claim neither
    review_of(on_time, 5)
    review_of(shipped_thursday, 3)
    review_of(accepted_late, 1, hidden=True)  # hidden reviews count nowhere

    seller_scores_compute(seller_ids=[seller.pk], now=NOW)
    seller.refresh_from_db()
    assert seller.quality_parts == {
        "rating": {"value": "4.00", "count": 2},
        "fulfilment": {"value": "0.7500", "count": 8},  # 2 of 8 paid refused or not accepted
        "on_time": {"value": "0.3333", "count": 6},  # 2 of the 6 due
        "defect": {"value": "0.3333", "count": 6},  # 2 faults over 6 units delivered
    }
    expected = quality_score(rating=Decimal("4.00"), rating_count=2, fulfilment=Decimal("0.75"),
                             fulfilment_count=8, on_time=Decimal("0.3333"), on_time_count=6,
                             defect=Decimal("0.3333"), defect_count=6)
    assert seller.quality_score == expected == Decimal("68.67")
    assert (seller.rating, seller.rating_count) == (Decimal("4.00"), 2)


def test_all_sellers_are_scored_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    for _ in range(3):
        listing = ListingFactory()
        seller_order(seller=listing.seller, listing=listing)
    with django_assert_max_num_queries(9):
        seller_scores_compute(now=NOW)
    for _ in range(25):
        listing = ListingFactory()
        review_of(seller_order(seller=listing.seller, listing=listing), 4)
    with django_assert_max_num_queries(9):
        seller_scores_compute(now=NOW)
    assert SellerScoreDay.objects.filter(day=NOW.date()).count() == Seller.objects.count()


def test_the_nightly_job_keeps_one_history_row_a_seller_a_day():
    listing = ListingFactory()
    recompute_seller_scores()
    review_of(seller_order(seller=listing.seller, listing=listing), 1)
    recompute_seller_scores()
    rows = list(SellerScoreDay.objects.filter(seller=listing.seller))
    assert len(rows) == 1
    listing.seller.refresh_from_db()
    assert rows[0].score == listing.seller.quality_score < Decimal("70.00")


def test_a_score_change_invalidates_the_product_pages_of_its_offers(django_capture_on_commit_callbacks):
    listing = ListingFactory()
    untouched = ListingFactory()
    before = product_versions([listing.product_id, untouched.product_id])
    review_of(seller_order(seller=listing.seller, listing=listing), 5)
    with django_capture_on_commit_callbacks(execute=True):
        assert seller_scores_compute(seller_ids=[listing.seller_id], now=NOW) == 1
    after = product_versions([listing.product_id, untouched.product_id])
    assert after[listing.product_id] != before[listing.product_id]
    assert after[untouched.product_id] == before[untouched.product_id]


def test_a_review_recomputes_the_sellers_score_after_commit(django_capture_on_commit_callbacks):
    listing = ListingFactory()
    so = seller_order(seller=listing.seller, listing=listing)
    user = UserFactory()
    so.order.user = user
    so.order.save()
    with django_capture_on_commit_callbacks(execute=True):
        review_create(seller_order=so, user=user, stars=1, now=so.delivered_at + timedelta(days=1))
    listing.seller.refresh_from_db()
    assert listing.seller.quality_parts["rating"] == {"value": "1.00", "count": 1}


def test_with_a_worker_changes_within_the_debounce_window_enqueue_one_run(settings,
                                                                         django_capture_on_commit_callbacks):
    """With a worker, the first change takes the cache key and puts one delayed run on the broker
    (the real Redis queue of this test database); later changes while the key lives add none."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    broker = Redis.from_url(settings.CELERY_BROKER_URL)
    seller = ListingFactory().seller
    cache.delete(PENDING_KEY.format(seller.pk))
    queue = queue_name(DEFAULT)  # the queue of its kind (marketplace.queues)
    before = broker.llen(queue)
    try:
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                seller_performance_changed_on_commit(seller.pk)
        assert broker.llen(queue) == before + 1
        cache.delete(PENDING_KEY.format(seller.pk))  # the window has passed: the next change enqueues
        with django_capture_on_commit_callbacks(execute=True):
            seller_performance_changed_on_commit(seller.pk)
        assert broker.llen(queue) == before + 2
    finally:
        for _ in range(broker.llen(queue) - before):
            broker.lpop(queue)  # the newest, this test's: leave no run behind for a worker
        cache.delete(PENDING_KEY.format(seller.pk))
