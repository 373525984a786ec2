"""The buy box stored per product × grade (sellers.selectors.buy_box_standings_refresh): after any
sequence of writes through the real doors it equals the rule applied from scratch, the shop's buy
box and the seller's insight agree with it, and a write stores only its own boxes again."""
import json
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from catalog.cache import seller_products_changed_on_commit
from catalog.models import Grade
from catalog.selectors import product_buy_boxes
from orders import services as order_services
from sellers import services
from sellers.buy_box_insight import buy_box_insights
from sellers.models import BuyBoxStanding, Listing, Seller
from sellers.selectors import buy_box_positions, buy_box_standings_differences, buy_boxes
from tests.factories import ListingFactory, ProductFactory, SellerFactory
from tests.orders.conftest import ADDRESS, make_cart
from tests.sellers.factories_stock import api_key_for, bearer

pytestmark = pytest.mark.django_db
D = Decimal
GRADES = (Grade.GOOD, Grade.FAIR)


def _price(rng) -> Decimal:
    return D(rng.randint(20000, 24000)) / 100  # close prices: the winner changes often


def _write(rng, client, sellers, products, keys) -> str:
    """One random write through a real door; returns what it did."""
    listings = list(Listing.objects.filter(archived_at__isnull=True).select_related("seller"))
    door = rng.choice(["create", "price", "quantity", "pause", "warranty", "archive", "suspend", "score",
                       "order", "bulk"])
    if door == "create" or not listings:
        seller = Seller.objects.get(pk=rng.choice(sellers).pk)
        if seller.status != Seller.Status.APPROVED:
            return "none"
        services.listing_create(seller=seller, product=rng.choice(products), grade=rng.choice(GRADES),
                                sku=f"S-{rng.randrange(10**9)}", price=_price(rng),
                                quantity=rng.choice([0, 1, 3]), warranty_months=rng.choice([12, 24, 36]),
                                confirm_low_price=True)
        return door
    listing = rng.choice(listings)
    if door == "price":
        services.listing_update(listing=listing, price=_price(rng), confirm_low_price=True)
    elif door == "quantity":
        services.listing_update(listing=listing, quantity=max(listing.allocated, rng.choice([0, 1, 4])))
    elif door == "pause":
        services.listing_update(listing=listing, is_active=not listing.is_active)
    elif door == "warranty":
        services.listing_update(listing=listing, warranty_months=rng.choice([12, 24, 48]))
    elif door == "archive":
        services.listing_archive(listing=listing)
    elif door == "suspend":
        seller = Seller.objects.get(pk=listing.seller_id)
        if seller.status == Seller.Status.APPROVED:
            services.seller_suspend(seller=seller, reason="test")
        else:
            services.seller_reinstate(seller=seller, reason="test")
    elif door == "score":  # what sellers.performance stores, then its after-commit hook
        Seller.objects.filter(pk=listing.seller_id).update(quality_score=D(f"{rng.uniform(40, 100):.2f}"))
        seller_products_changed_on_commit(listing.seller_id)
    elif door == "order":  # the last available unit allocated: the offer goes off sale
        available = listing.quantity - listing.allocated
        if available < 1 or listing.seller.status != Seller.Status.APPROVED or not listing.is_active:
            return "none"
        order_services.order_place(cart=make_cart(lines=[(listing, available)]), email="a@example.test",
                                   address=ADDRESS)
    elif door == "bulk":  # the seller API's bulk writer (the CSV import's set-based path)
        mine = [x for x in listings if x.seller_id == listing.seller_id][:3]
        response = client.post("/api/v1/listings/bulk", json.dumps({"items": [
            {"sku": x.sku, "price": str(_price(rng)), "quantity": rng.choice([0, 2]),
             "confirm_low_price": True} for x in mine]}),
            content_type="application/json", **bearer(keys[listing.seller_id]))
        approved = Seller.objects.get(pk=listing.seller_id).status == Seller.Status.APPROVED
        assert response.status_code == (200 if approved else 401), response.content
    return door


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_stored_boxes_equal_the_rule_from_scratch_after_random_writes_through_every_door(
        client, django_capture_on_commit_callbacks, seed):
    rng = random.Random(seed)
    sellers = [SellerFactory(quality_score=D(f"{rng.uniform(50, 95):.2f}")) for _ in range(4)]
    keys = {seller.pk: api_key_for(seller) for seller in sellers}
    products = [ProductFactory() for _ in range(3)]
    for _ in range(10):
        ListingFactory(seller=rng.choice(sellers), product=rng.choice(products), grade=rng.choice(GRADES),
                       price=_price(rng), quantity=rng.choice([1, 3]))
    done = []
    for _ in range(40):
        with django_capture_on_commit_callbacks(execute=True):  # each write's after-commit refresh
            try:
                done.append(_write(rng, client, sellers, products, keys))
            except ValidationError:  # a rule refused it (e.g. a suspended seller's listing): no write
                done.append("refused")
        assert buy_box_standings_differences() == [], done
    assert {"price", "quantity", "suspend", "order", "bulk"} <= set(done)  # the doors were tried
    # The shop's buy box names the stored winner of every box.
    shop = {key: box for p in products for key, box in product_buy_boxes(model_id=p.model_id).items()}
    stored = {(b.product_id, b.grade): b.listing_id for b in BuyBoxStanding.objects.all()}
    assert {key: box.listing_id for key, box in shop.items()} == stored
    # Each seller's insight, from the stored boxes, agrees with the single-listing rule.
    for seller in Seller.objects.filter(pk__in=[s.pk for s in sellers]):
        mine = list(Listing.objects.filter(seller=seller).select_related("seller"))
        insights, positions = buy_box_insights(seller=seller, listings=mine), buy_box_positions(mine)
        for listing in mine:
            insight, position = insights[listing.pk], positions[listing.pk]
            assert (insight.holds_box, insight.own_listing_wins, insight.rival_price,
                    insight.rival_effective_price) == (position.is_winning, position.own_listing_wins,
                                                       position.winner_price, position.winner_effective_price)
            if not insight.holds_box:
                assert insight.price_to_win == position.price_to_win, listing


def test_a_price_change_stores_again_only_the_boxes_of_its_product(django_capture_on_commit_callbacks):
    changed = ListingFactory(price=D("300.00"))
    ListingFactory(product=changed.product, grade=Grade.FAIR, price=D("250.00"))
    untouched = ListingFactory(price=D("300.00"))
    before = {b.product_id: b.refreshed_at for b in BuyBoxStanding.objects.all()}
    rival = ListingFactory.build(product=changed.product, grade=changed.grade)
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_create(seller=SellerFactory(), product=rival.product, grade=rival.grade, sku="R-1",
                                price=D("290.00"), quantity=1, confirm_low_price=True)
    boxes = {(b.product_id, b.grade): b for b in BuyBoxStanding.objects.all()}
    assert boxes[(changed.product_id, changed.grade)].price == D("290.00")
    assert boxes[(changed.product_id, changed.grade)].runner_up_listing_id == changed.pk
    assert boxes[(changed.product_id, changed.grade)].offers == 2
    assert boxes[(untouched.product_id, untouched.grade)].refreshed_at == before[untouched.product_id]
    shop = buy_boxes(product_ids=[changed.product_id])
    assert shop[(changed.product_id, changed.grade)].price == D("290.00")


def test_the_check_finds_a_write_that_skipped_the_refresh_and_refresh_all_repairs_it(capsys):
    listing = ListingFactory(price=D("300.00"))
    ListingFactory(product=listing.product, grade=listing.grade, price=D("320.00"))
    call_command("buybox_refresh", "--all", "--check")
    Listing.objects.filter(pk=listing.pk).update(price=D("330.00"))  # behind the services' back
    with pytest.raises(CommandError, match="1 stored buy box"):
        call_command("buybox_refresh", "--all", "--check")
    assert f"box {listing.product_id}/{listing.grade}" in capsys.readouterr().out
    call_command("buybox_refresh", "--all")
    call_command("buybox_refresh", "--all", "--check")
    assert BuyBoxStanding.objects.get(product=listing.product, grade=listing.grade).price == D("320.00")


# --- The merge (PostgreSQL) and the bulk write's follow-up --------------------------------------------
def test_a_refresh_rewrites_only_the_boxes_that_changed_and_deletes_a_box_gone():
    from sellers.selectors import buy_box_standings_refresh

    kept = ListingFactory(price=D("300.00"))
    gone = ListingFactory(product=kept.product, grade=Grade.FAIR, price=D("250.00"))
    before = {b.grade: (b.pk, b.refreshed_at) for b in BuyBoxStanding.objects.filter(product=kept.product)}
    assert buy_box_standings_refresh(product_ids=[kept.product_id]) == 2
    again = {b.grade: (b.pk, b.refreshed_at) for b in BuyBoxStanding.objects.filter(product=kept.product)}
    assert again == before, "nothing changed: the same rows, not rewritten"
    Listing.objects.filter(pk=gone.pk).update(is_active=False)  # a test's shortcut past the services
    assert buy_box_standings_refresh(product_ids=[kept.product_id]) == 1
    stored = BuyBoxStanding.objects.filter(product=kept.product).values_list("grade", flat=True)
    assert set(stored) == {kept.grade}
    assert buy_box_standings_differences(product_ids=[kept.product_id]) == []


def test_a_bulk_write_of_many_products_refreshes_them_in_a_worker_after_commit(settings, monkeypatch):
    from catalog import tasks as catalog_tasks
    from catalog.cache import BULK_INLINE_PRODUCTS, products_changed_after_bulk

    listings = [ListingFactory(price=D("300.00")) for _ in range(BULK_INLINE_PRODUCTS + 1)]
    Listing.objects.filter(pk__in=[listing.pk for listing in listings]).update(price=D("280.00"))
    sent = []
    monkeypatch.setattr(catalog_tasks.refresh_products, "delay", lambda ids: sent.append(ids))
    settings.CELERY_TASK_ALWAYS_EAGER = False
    products_changed_after_bulk([listing.product_id for listing in listings])
    assert sent == [sorted(listing.product_id for listing in listings)]
    assert set(BuyBoxStanding.objects.values_list("price", flat=True)) == {D("300.00")}, "not in the call"
    catalog_tasks.refresh_products(*sent)  # the worker's run
    assert set(BuyBoxStanding.objects.values_list("price", flat=True)) == {D("280.00")}
    assert buy_box_standings_differences() == []


def test_a_bulk_write_of_a_few_products_refreshes_them_at_once(settings, monkeypatch):
    from catalog import tasks as catalog_tasks
    from catalog.cache import products_changed_after_bulk

    listing = ListingFactory(price=D("300.00"))
    Listing.objects.filter(pk=listing.pk).update(price=D("280.00"))
    monkeypatch.setattr(catalog_tasks.refresh_products, "delay",
                        lambda ids: pytest.fail("no task for one product"))
    settings.CELERY_TASK_ALWAYS_EAGER = False
    products_changed_after_bulk([listing.product_id])
    assert BuyBoxStanding.objects.get(product=listing.product).price == D("280.00")


def test_a_seller_suspended_with_many_products_has_its_boxes_refreshed_in_a_worker(
        settings, monkeypatch, django_capture_on_commit_callbacks):
    from catalog import tasks as catalog_tasks
    from catalog.cache import BULK_INLINE_PRODUCTS

    seller = SellerFactory()
    listings = [ListingFactory(seller=seller, price=D("300.00")) for _ in range(BULK_INLINE_PRODUCTS + 1)]
    assert BuyBoxStanding.objects.filter(seller=seller).count() == len(listings)
    sent = []
    monkeypatch.setattr(catalog_tasks.refresh_products, "delay", lambda ids: sent.append(ids))
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with django_capture_on_commit_callbacks(execute=True):
        services.seller_suspend(seller=seller, reason="test")
    assert sent == [sorted(listing.product_id for listing in listings)], "one task, every product"
    assert BuyBoxStanding.objects.filter(seller=seller).count() == len(listings), "not in the request"
    catalog_tasks.refresh_products(*sent)  # the worker's run
    assert not BuyBoxStanding.objects.filter(seller=seller).exists()
    assert buy_box_standings_differences() == []
