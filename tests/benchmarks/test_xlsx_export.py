"""Smoke test of the XLSX export benchmark (benchmarks/xlsx_export.py) at a tiny scale: both writers'
jobs are timed, their files hold the same cells, and nothing is left behind."""
import pytest

from benchmarks.big_seller import BIG_SELLER_EMAIL
from benchmarks.generate import generate
from benchmarks.xlsx_export import render, run
from sellers import listing_exports
from sellers.models import Listing, ListingExport

pytestmark = pytest.mark.django_db


def test_both_writers_are_timed_on_the_same_export_and_write_the_same_cells():
    generate(scale=0.005, seed=7, log=lambda *_args: None)
    stock = Listing.objects.filter(seller__members__user__email=BIG_SELLER_EMAIL).count()
    current = listing_exports._write
    report = run(runs=2, log=lambda *_args: None)
    assert report["same_cells"]
    assert [(row["rows"], row["runs"]) for row in report["rows"]] == [(stock, 2), (stock, 2)]
    assert all(row["seconds"] > 0 and row["bytes"] > 0 for row in report["rows"])
    assert listing_exports._write is current  # the writer put back
    assert not ListingExport.objects.exists()
    assert "| current (sellers.xlsx) |" in render(report)
