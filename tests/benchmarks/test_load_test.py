"""The load test's scenario, run for a few seconds against a live server, so it cannot rot.

A tiny generated marketplace (50 products), the fixture the runner writes, and locust headless with
a handful of users (one seller by API, one by CSV and one integrator beside the shoppers) and
think times cut to a twentieth: every request answers as the scenario expects, shoppers pay for
orders, and afterwards the stock ledger and the orders check out, as after a full run.
"""

import json
from datetime import UTC, datetime

import pytest

from benchmarks.generate import generate
from benchmarks.load_test import build_fixture, orders_check, run_locust, stock_check

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_short_load_test_runs_without_errors_and_leaves_stock_and_orders_consistent(live_server, tmp_path):
    generate(scale=0.005, seed=11, log=lambda *_args: None)
    started_at = datetime.now(UTC)
    fixture = build_fixture(
        seed=11,
        started_at=started_at,
        api_sellers=1,
        csv_sellers=1,
        integrators=1,
        import_timeout_s=10,
        think_scale=0.05,
    )
    fixture["fixed_counts"] = {"SellerApi": 1, "SellerCsv": 1, "Integrator": 1}
    fixture["buy_weight"] = 10  # most visits buy: paid orders within seconds
    fixture_path = tmp_path / "fixture.json"
    fixture_path.write_text(json.dumps(fixture))

    run = run_locust(
        host=live_server.url,
        users=7,
        spawn_rate=7,
        duration=8,
        fixture_path=fixture_path,
        prefix=tmp_path / "smoke",
        servers={},
        database="",
    )

    assert run["exit_code"] == 0
    assert run["failures"] == []
    names = {row["name"] for row in run["rows"] if row["requests"]}
    assert {
        "POST /checkout/review/ (place order)",
        "POST /payments/test/[ref]/ (pay)",
        "POST /seller/stock/ (upload)",
        "GET /api/v1/listings?cursor",
        "GET /api/v1/orders/?updated_since",
    } <= names
    assert run["outcomes"].get("order paid", 0) >= 1
    assert run["outcomes"].get("stock import applied", 0) >= 1
    assert stock_check()["ok"]
    orders = orders_check(
        since=started_at,
        paid_by_users=run["outcomes"]["order paid"],
        cards_submitted=run["outcomes"]["success card submitted"],
    )
    assert orders["ok"], orders["problems"]
