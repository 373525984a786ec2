"""Repricing rules: the price each strategy sets, floors and ceilings, the log and its event, two
rules facing each other converging, and the debounced, idempotent watch run."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sellers import buybox_watch
from sellers.models import Event, Listing, PriceChange
from sellers.repricing import (
    box_reprice,
    listing_repricing_set,
    repricing_rows_apply,
    rule_of,
    seller_repricing_set,
    target_price,
)
from sellers.selectors import buy_box_positions
from tests.factories import ListingFactory, ProductFactory, SellerFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _pair(mine_price="400.00", rival_price="389.00", **rule):
    mine = ListingFactory(price=D(mine_price))
    rival = ListingFactory(product=mine.product, grade=mine.grade, price=D(rival_price))
    for name, value in rule.items():
        setattr(mine, name, value)
    mine.save()
    return mine, rival


def _target(listing):
    listing = Listing.objects.select_related("seller").get(pk=listing.pk)
    return target_price(listing, buy_box_positions([listing])[listing.pk], rule_of(listing, listing.seller))


def test_match_sets_the_price_to_win():
    mine, _rival = _pair(floor_price=D("300.00"), reprice_strategy="match")
    target = _target(mine)
    assert (target.price, target.competitor_price, target.strategy) == (D("388.99"), D("389.00"), "match")


def test_beat_goes_the_amount_under_the_price_to_win():
    mine, _rival = _pair(floor_price=D("300.00"), reprice_strategy="beat", reprice_beat_by=D("5.00"))
    assert _target(mine).price == D("383.99")


def test_beat_stops_at_the_floor_when_the_floor_still_wins():
    mine, _rival = _pair(floor_price=D("386.00"), reprice_strategy="beat", reprice_beat_by=D("5.00"))
    assert _target(mine).price == D("386.00")


def test_a_floor_above_the_price_to_win_leaves_the_price():
    mine, _rival = _pair(floor_price=D("390.00"), reprice_strategy="match")
    assert _target(mine) is None


def test_without_a_floor_no_rule_acts_even_with_a_default_strategy():
    mine, _rival = _pair()
    seller_repricing_set(seller=mine.seller, strategy="match")
    assert _target(mine) is None


def test_the_sellers_default_applies_to_a_listing_with_a_floor():
    mine, _rival = _pair(floor_price=D("300.00"))
    seller_repricing_set(seller=mine.seller, strategy="beat", beat_by="2.00")
    assert _target(mine).price == D("386.99")


def test_raise_when_winning_goes_just_under_the_runner_up_and_stops_at_the_ceiling():
    mine, _rival = _pair(mine_price="399.00", rival_price="583.00", floor_price=D("350.00"),
                         reprice_strategy="match", reprice_raise=True)
    assert _target(mine).price == D("582.99") and _target(mine).strategy == "raise"
    listing_repricing_set(listing=mine, ceiling_price="450.00")
    assert _target(mine).price == D("450.00")


def test_winning_without_raise_keeps_the_price():
    mine, _rival = _pair(mine_price="399.00", rival_price="583.00", floor_price=D("350.00"),
                         reprice_strategy="match")
    assert _target(mine) is None


def test_rule_needs_a_floor_and_a_ceiling_not_below_it():
    listing = ListingFactory()
    with pytest.raises(ValidationError) as refused:
        listing_repricing_set(listing=listing, reprice_strategy="match")
    assert "floor_price" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        listing_repricing_set(listing=listing, floor_price="300.00", ceiling_price="200.00")
    assert "ceiling_price" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        listing_repricing_set(listing=listing, floor_price="abc", reprice_strategy="sometimes")
    assert {"floor_price", "reprice_strategy"} <= set(refused.value.message_dict)
    assert listing_repricing_set(listing=listing, floor_price="300.00", reprice_strategy="match") == (
        "floor_price", "reprice_strategy")
    listing.refresh_from_db()
    assert listing.floor_price == D("300.00") and listing.reprice_strategy == "match"


def test_box_reprice_changes_the_price_through_the_listing_service_with_its_log_and_event():
    mine, rival = _pair(floor_price=D("300.00"), reprice_strategy="match")
    quantity = mine.quantity
    changes = box_reprice(product_id=mine.product_id)
    mine.refresh_from_db()
    assert mine.price == D("388.99") and mine.quantity == quantity
    (logged,) = changes
    assert (logged.old_price, logged.new_price, logged.competitor_price, logged.source) == (
        D("400.00"), D("388.99"), D("389.00"), PriceChange.Source.RULE)
    event = Event.objects.get(seller=mine.seller, type="listing.price_changed")
    assert event.payload["new_price"] == "388.99" and event.payload["competitor_price"] == "389.00"
    assert box_reprice(product_id=mine.product_id) == []  # run again: nothing changes twice


def test_bulk_rows_write_rules_and_refuse_bad_ones():
    from sellers.ledger import RowInput, RowResult

    seller = SellerFactory()
    good, bad = ListingFactory(seller=seller), ListingFactory(seller=seller)
    rows = [RowInput(1, good.sku, rule={"floor_price": D("300.00"), "reprice_strategy": "beat",
                                        "reprice_beat_by": D("1.00")}),
            RowInput(2, bad.sku, rule={"reprice_strategy": "match"})]
    results = [RowResult(1, good.sku, "unchanged", listing_id=good.pk),
               RowResult(2, bad.sku, "unchanged", listing_id=bad.pk)]
    repricing_rows_apply(seller=seller, rows=rows, results=results)
    good.refresh_from_db()
    assert (good.floor_price, good.reprice_strategy, good.reprice_beat_by) == (D("300.00"), "beat", D("1.00"))
    assert results[0].status == "updated"
    assert results[1].status == "failed" and "floor_price" in results[1].errors


# --- Two rules facing each other ------------------------------------------------------------------
def _run_until_quiet(product_ids, *, limit=500):
    """Runs the watch's rounds as the tasks would, each on the products the previous one moved."""
    rounds, pending = 0, set(product_ids)
    while pending:
        rounds += 1
        assert rounds <= limit, "the rules never settle"
        with buybox_watch.boxes_deferred() as moved:
            buybox_watch.boxes_watch_once(sorted(pending))
        pending = moved
    return rounds


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("strategy_a", "strategy_b", "raise_a", "start_a", "start_b"), [
    ("beat", "beat", False, "420.00", "415.00"), ("beat", "match", True, "420.00", "415.00"),
    # Two "match" rules undercut each other a cent at a time: a short gap keeps the test short.
    ("match", "match", True, "401.30", "401.00")])
def test_two_rules_facing_each_other_converge_and_never_cross_their_floors(strategy_a, strategy_b, raise_a,
                                                                            start_a, start_b):
    product = ProductFactory()
    a = ListingFactory(product=product, price=D(start_a), floor_price=D("395.00"),
                       reprice_strategy=strategy_a,
                       reprice_beat_by=D("2.00"), reprice_raise=raise_a)
    b = ListingFactory(product=product, grade=a.grade, price=D(start_b), floor_price=D("400.00"),
                       reprice_strategy=strategy_b, reprice_beat_by=D("1.50"), reprice_raise=True)
    rounds = _run_until_quiet([product.pk])
    a.refresh_from_db()
    b.refresh_from_db()
    assert rounds > 1  # they did answer each other
    for listing in (a, b):
        logged = PriceChange.objects.filter(listing=listing)
        assert all(change.new_price >= listing.floor_price for change in logged)
        assert listing.price >= listing.floor_price
    # The floors end the war: b cannot go under 400, a wins under it (and raised to just under b).
    position = buy_box_positions([a])[a.pk]
    assert position.is_winning and a.price < b.price
    if raise_a:
        assert a.price == b.price - D("0.01")
    # Quiet means quiet: one more round changes nothing.
    assert _run_until_quiet([product.pk]) == 1


# --- The watch: debounced, idempotent ---------------------------------------------------------------
def test_a_burst_of_changes_marks_a_product_pending_once(settings):
    product = ProductFactory()
    first = buybox_watch._mark([product.pk])
    second = buybox_watch._mark([product.pk])
    assert first == [product.pk] and second == []
    assert product.pk in buybox_watch.pending_products()
    ready, busy = buybox_watch._release([product.pk], debounce=True)
    assert (ready, busy) == ([], [product.pk])  # changed just now: wait for quiet
    settings.REPRICING_DEBOUNCE_SECONDS = 0
    ready, busy = buybox_watch._release([product.pk], debounce=True)
    assert (ready, busy) == ([product.pk], []) and product.pk not in buybox_watch.pending_products()
    assert buybox_watch._mark([product.pk]) == [product.pk]  # a change after the run enqueues again


def test_a_change_enqueues_the_task_after_commit_with_the_debounce(settings, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    from sellers import tasks
    from sellers.services import listing_update

    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent = []
    # The broker is the edge: the call it would get is recorded instead.
    monkeypatch.setattr(tasks.watch_boxes, "apply_async",
                        lambda args, countdown: sent.append((args, countdown)))
    listing = ListingFactory()
    with django_capture_on_commit_callbacks(execute=True):
        listing_update(listing=listing, price="390.00")
        assert sent == []  # nothing before commit
    with django_capture_on_commit_callbacks(execute=True):
        listing_update(listing=listing, price="391.00")
    assert sent == [([[listing.product_id]], settings.REPRICING_DEBOUNCE_SECONDS)]


def test_a_retried_watch_run_changes_nothing_twice(settings):
    settings.REPRICING_DEBOUNCE_SECONDS = 0
    mine, _rival = _pair(floor_price=D("300.00"), reprice_strategy="match")
    assert buybox_watch.boxes_watch_run([mine.product_id]) >= 1
    prices, notices, events = (list(Listing.objects.values_list("price", flat=True).order_by("pk")),
                               mine.seller.notices.count(), Event.objects.count())
    assert buybox_watch.boxes_watch_run([mine.product_id]) == 0
    assert list(Listing.objects.values_list("price", flat=True).order_by("pk")) == prices
    assert (mine.seller.notices.count(), Event.objects.count()) == (notices, events)
