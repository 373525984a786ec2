"""Smoke test of the export part of the 50,000-listing seller benchmark, at a tiny scale: the request,
the export's page and poll against the bare view, the job's rows a second, and a section of its own in
the results file that leaves the rest of the file as it was."""
import pytest
from django.test.utils import override_settings

from benchmarks.big_seller import BIG_SELLER_EMAIL
from benchmarks.generate import generate
from benchmarks.seller_pages import EXPORT_HEADING, export_section_written, render_export, run_export_only
from marketplace.queues import IMPORTS, queue_kind_of
from sellers.models import Listing, ListingExport

pytestmark = pytest.mark.django_db


@override_settings(ROOT_URLCONF="benchmarks.urls")
def test_the_export_is_measured_and_written_as_its_own_section():
    generate(scale=0.005, seed=7, log=lambda *_args: None)
    stock = Listing.objects.filter(seller__members__user__email=BIG_SELLER_EMAIL).count()
    report = run_export_only(iterations=2, log=lambda *_args: None)
    rows = report["export"]["rows"]
    assert [row["status"] for row in rows] == [302, 302, 200, 200], rows
    assert all(row["queries"] and row["ratio"] > 0 for row in rows), rows
    builds = report["export"]["builds"]
    assert [(b["format"], b["status"], b["rows"]) for b in builds] == [
        ("csv", "done", stock), ("csv", "done", stock), ("csv", "done", stock), ("xlsx", "done", stock)]
    assert all(b["rows_per_second"] > 0 for b in builds)
    assert report["export"]["former_stream"]["rows"] == stock
    assert not ListingExport.objects.exists()  # the benchmark leaves no export (nor file) behind
    section = render_export(report["export"], bare_row=report["bare"])
    assert section.startswith(EXPORT_HEADING) and "| Export request again" in section
    others = "# Results\n\ntable\n\n## Three runs\n\nmore\n"
    written = export_section_written(others, section)
    assert written.startswith(others.rstrip("\n")) and written.endswith(section)
    again = export_section_written(written + "\n## Later section\n\nkept\n", render_export(report["export"]))
    assert again.count(EXPORT_HEADING) == 1 and again.endswith("## Later section\n\nkept\n")
    assert again.startswith(others.rstrip("\n"))


def test_the_export_job_runs_on_the_imports_queue():
    assert queue_kind_of("sellers.tasks.build_listing_export") == IMPORTS
