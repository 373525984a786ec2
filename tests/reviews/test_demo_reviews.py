"""Demo data writes reviews and history, so offers and scorecards show real numbers, once."""
import pytest
from django.core.management import call_command

from reviews.models import Review
from sellers.models import Seller, SellerScoreDay

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_sellers_reviews_and_scores_and_a_second_run_adds_none():
    call_command("seed_demo", "--allow-demo-users", verbosity=0)
    reviews = Review.objects.count()
    renew = Seller.objects.get(slug="renew-tech")
    assert renew.rating_count >= 5 and renew.quality_computed_at is not None
    demo_reviews = Review.objects.filter(seller__slug="green-phone-lab", author__email="shopper@refurb.test")
    assert demo_reviews.count() == 2
    budget = Seller.objects.get(slug="budget-bytes")
    assert budget.quality_score < renew.quality_score  # late, refused and faulty orders weigh
    call_command("seed_demo", "--allow-demo-users", verbosity=0)
    assert Review.objects.count() == reviews
    assert SellerScoreDay.objects.filter(seller=renew).count() == 1
