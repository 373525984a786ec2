"""Smoke tests of the scale benchmarks at a tiny scale: the generator and the measuring harness."""
import pytest
from django.test import Client
from django.test.utils import override_settings

from benchmarks.big_seller import BIG_SELLER_EMAIL, big_seller_count
from benchmarks.generate import BENCH_SELLER_EMAIL, BENCH_SELLER_SLUG, dataset_info, generate, scaled
from benchmarks.run import (
    BARE_URL,
    Measurement,
    PageCase,
    measure,
    page_cases,
    page_row,
    percentile,
)
from benchmarks.throughput import parse_wrk, ratios_of, target_rows
from catalog.models import Category, Product, ProductModel
from orders.models import Order, OrderLine, SellerOrder
from sellers.models import Listing, Seller
from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

TINY = 0.005  # 50 products, 1,000 listings, 250 orders


def quiet(*_args, **_kwargs):
    pass


@pytest.fixture
def tiny_marketplace():
    return generate(scale=TINY, seed=7, log=quiet)


def test_generator_writes_the_scaled_counts_with_consistent_rows(tiny_marketplace):
    expected = scaled(TINY)
    assert Product.objects.count() == expected["products"] == 50
    assert ProductModel.objects.count() == expected["models"]
    assert Listing.objects.count() == expected["listings"] + big_seller_count(TINY)
    assert Order.objects.count() == expected["orders"]
    assert Category.objects.filter(parent__isnull=False).exists()
    # Each seller order belongs to an approved seller's listings and adds up.
    for seller_order in SellerOrder.objects.prefetch_related("lines")[:50]:
        assert seller_order.subtotal == sum(line.line_total for line in seller_order.lines.all())
        assert seller_order.total == seller_order.subtotal + seller_order.shipping_fee
    assert not OrderLine.objects.exclude(listing__seller__status=Seller.Status.APPROVED).exists()
    assert set(Seller.objects.values_list("status", flat=True)) >= {"approved"}
    big = Seller.objects.get(members__user__email=BIG_SELLER_EMAIL, status=Seller.Status.APPROVED)
    assert big.listings.count() == big_seller_count(TINY) and big.listings.filter(quantity=0).exists()
    bench_seller = Seller.objects.get(slug=BENCH_SELLER_SLUG)
    assert bench_seller.members.get().user.email == BENCH_SELLER_EMAIL
    assert Listing.objects.filter(quantity=0).exists()
    assert Listing.objects.buyable().exists()
    assert dataset_info()["counts"]["listings"] == expected["listings"] + big_seller_count(TINY)


def test_generator_fills_the_catalog_search_fields(tiny_marketplace):
    assert not ProductModel.objects.filter(search_vector__isnull=True).exists()


def test_generated_marketplace_passes_stock_check(tiny_marketplace):
    """Allocations are the units live orders hold, and every listing's numbers are its movements."""
    from io import StringIO

    from django.core.management import call_command

    from sellers.models import StockMovement

    out = StringIO()
    call_command("stock_check", stdout=out)
    assert "Stock ledger OK" in out.getvalue()
    assert Listing.objects.filter(allocated__gt=0).exists()
    assert StockMovement.objects.filter(reason=StockMovement.Reason.OPENING).count() == (
        Listing.objects.exclude(quantity=0, allocated=0).count())


def test_generator_resets_sequences_so_new_rows_do_not_collide(tiny_marketplace):
    listing = ListingFactory()
    assert listing.pk > Listing.objects.exclude(pk=listing.pk).order_by("-pk").first().pk


def test_generator_is_deterministic_for_a_seed():
    generate(scale=TINY, seed=7, log=quiet)
    first = list(Listing.objects.order_by("pk").values_list("sku", "price", "quantity", "seller_id"))
    generate(scale=TINY, seed=7, log=quiet)
    second = list(Listing.objects.order_by("pk").values_list("sku", "price", "quantity", "seller_id"))
    assert first == second


@override_settings(ROOT_URLCONF="benchmarks.urls")
def test_harness_measures_the_bare_view_and_a_product_page(tiny_marketplace):
    client = Client()
    bare = measure(client, "bare", BARE_URL, iterations=3, warmup=1)
    assert bare.ok, bare.error
    assert bare.median_ms > 0 and bare.p95_ms >= bare.median_ms
    assert bare.queries <= 1  # the layout's category navigation, cached after the first request

    product = next(case for case in page_cases() if case.key == "product")
    result = measure(client, product.name, product.url, iterations=3, warmup=1, baseline_url=BARE_URL,
                     cold_iterations=2)
    assert result.ok, result.error
    assert result.median_ms > 0 and result.paired_baseline_ms > 0 and result.queries is not None
    # Right after emptying the cache the page has to read the database.
    assert result.cold_queries >= 1 and result.cold_iterations == 2 and result.cold_median_ms > 0


def test_harness_reports_a_missing_page_instead_of_raising(tiny_marketplace):
    result = measure(Client(), "missing", "/p/no-such-model/", iterations=3, warmup=1)
    assert result.status == 404
    assert result.error == "HTTP 404"
    assert result.median_ms is None


def test_a_missed_target_is_reported_as_missed_with_the_number():
    case = PageCase("product", "Product page", "/p/x/", query_target=12, median_target_ms=30)
    slow = Measurement(name="Product page", url="/p/x/", status=200, median_ms=41.5, p95_ms=50.0,
                       queries=9, paired_baseline_ms=4.0)
    verdict, cells = page_row(case, slow, Measurement(name="bare", url=BARE_URL, median_ms=4.0))
    assert verdict == "**MISSED**"
    assert "41.5" in cells
    fast = Measurement(name="Product page", url="/p/x/", status=200, median_ms=12.0, p95_ms=20.0, queries=9)
    assert page_row(case, fast, Measurement(name="bare", url=BARE_URL, median_ms=4.0))[0] == "**pass**"
    missing = Measurement(name="Product page", url="/p/x/", status=404, error="HTTP 404")
    assert page_row(case, missing, Measurement(name="bare", url=BARE_URL))[0] == "**MISSED**"


def test_wrk_output_is_parsed():
    output = """Running 5s test @ http://127.0.0.1:8000/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.10ms    3.02ms  40.01ms   80.00%
  Latency Distribution
     50%   11.50ms
     75%   13.00ms
     90%   15.20ms
     99%    1.20s
  3210 requests in 5.00s, 40.12MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    642.00
Transfer/sec:      8.02MB
"""
    parsed = parse_wrk(output)
    assert parsed["requests_per_s"] == 642.0
    assert parsed["requests"] == 3210
    assert parsed["p50_ms"] == 11.5
    assert parsed["p99_ms"] == 1200.0
    assert parsed["non_2xx"] == 3


def test_throughput_targets_are_judged_on_the_trivial_view_with_djangos_middleware():
    rates = {"trivial": 4000.0, "trivial_django": 2000.0, "bare": 1000.0, "product_warm": 1000.0,
             "product_cold": 400.0}
    found = ratios_of(rates)
    assert found["ratios"]["product_warm"] == 0.5 and found["ratios"]["product_cold"] == 0.2
    assert found["ratios_floor"]["product_warm"] == 0.25 and found["ratio"] == 1.0
    (warm, warm_measured, warm_ok), (_cold, cold_measured, cold_ok) = target_rows(found)
    assert warm_ok is True and cold_ok is False
    assert "0.50×" in warm_measured and "no-middleware view: 0.25×" in warm_measured
    assert "0.20×" in cold_measured


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 95) == 95
    assert percentile([3.0], 95) == 3.0


def test_report_shows_the_shape_of_a_slow_query_not_its_column_list():
    from benchmarks.run import shorten_sql

    sql = ('SELECT "m"."id", "m"."name", (SELECT U0."price" FROM "l" U0 WHERE U0."m" = ("m"."id") LIMIT 1) '
           'AS "from_price" FROM "m" WHERE "m"."id" = 1')
    assert shorten_sql(sql) == ('SELECT …, (SELECT U0."price" FROM "l" U0 WHERE U0."m" = ("m"."id") LIMIT 1) '
                                'AS "from_price" FROM "m" WHERE "m"."id" = 1')
