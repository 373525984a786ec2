"""Smoke test of the 50,000-listing seller benchmark at a tiny scale: every page answers, in turns
with the bare view, and the report says pass or MISSED for each."""
import pytest
from django.test.utils import override_settings

from benchmarks.big_seller import BIG_SELLER_EMAIL, big_seller_count
from benchmarks.generate import generate
from benchmarks.seller_pages import TARGET_RATIO, render, run
from sellers.models import Listing

pytestmark = pytest.mark.django_db
TINY = 0.005


@override_settings(ROOT_URLCONF="benchmarks.urls")
def test_the_volume_seller_pages_are_measured_against_the_bare_view():
    generate(scale=TINY, seed=7, log=lambda *_args: None)
    volume = Listing.objects.filter(seller__members__user__email=BIG_SELLER_EMAIL)
    assert volume.count() == big_seller_count(TINY)
    report = run(iterations=2, warmup=0, cold=1, log=lambda *_args: None)
    pages = report["rows"][1:]
    # The dashboard, 8 lists, the performance page; the export's two requests (302), page and poll.
    assert len(pages) == 14 and all(row["status"] in (200, 302) for row in pages), pages
    assert all(row["queries"] and row["ratio"] > 0 for row in pages)
    facts = report["facts"]
    assert facts["winning"] + facts["losing"] <= facts["listings"]
    assert facts["boxes_held"] <= facts["boxes_competed"]
    markdown = render(report, seconds=1.0)
    assert f"≤ {TARGET_RATIO:.0f}×" in markdown and markdown.count("| Listing list") == 8
