"""The buy-box watch: after offers change, apply the repricing rules and tell sellers which boxes
they won or lost.

Every writer of offers calls catalog.cache.products_changed after commit, which calls
`boxes_changed`: each product is marked pending in Redis (SET NX, so a burst of changes enqueues
one task) with the time of its last change, and `sellers.tasks.watch_boxes` runs
REPRICING_DEBOUNCE_SECONDS later — again later while changes keep coming. The task applies the
rules of the products' boxes (sellers.repricing), then compares, set-based, the holder stored per
product × grade (BuyBoxHolder) with the winner the buy-box selector names now: each difference is
a box lost and a box won, written as notices and webhook events in one transaction. A task run
twice changes nothing twice: prices already at their target are left, holders already updated
show no difference. A stock import calls the watch itself after each batch (`watched_batch`), so
its report counts the boxes the seller won and lost.
"""
import threading
import time
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from .models import BuyBoxHolder, Listing, Seller, SellerNotice, StockImport
from .selectors import buy_boxes

PENDING_KEY = "repricing:pending:{}"
CHANGED_KEY = "repricing:changed:{}"
KEY_TTL = 3600
TASK_CHUNK = 500
MAX_ROUNDS = 100  # in-process rounds when tasks run eagerly (no broker): a bound, never reached by floors

_local = threading.local()


# --- Marking products changed ------------------------------------------------------------------------
@contextmanager
def boxes_deferred():
    """Collects the products changed inside the block instead of enqueueing them (the watch's own
    rounds, an import batch); yields the set."""
    outer = getattr(_local, "deferred", None)
    collected: set[int] = set()
    _local.deferred = collected
    try:
        yield collected
    finally:
        _local.deferred = outer
        if outer is not None:
            outer |= collected


@contextmanager
def standings_deferred():
    """Inside the block, the stored buy boxes of the products changed are left to the caller, who
    stores them once afterwards (sellers.selectors.buy_box_standings_refresh does nothing for a list
    of products): the batches of a stock import each change the same products, whose boxes are
    stored once when the import is done."""
    outer = getattr(_local, "standings_deferred", False)
    _local.standings_deferred = True
    try:
        yield
    finally:
        _local.standings_deferred = outer


def standings_are_deferred() -> bool:
    return getattr(_local, "standings_deferred", False)


def _redis():
    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    return client(write=True) if client else None


def _mark(product_ids: list[int]) -> list[int]:
    """Records each product's last change; returns those not pending yet (now pending)."""
    now = int(time.time() * 1000)  # milliseconds: an integer is stored as is
    redis = _redis()
    if redis is None:  # a local-memory cache: no Redis in this environment
        cache.set_many({CHANGED_KEY.format(pk): now for pk in product_ids}, KEY_TTL)
        return [pk for pk in product_ids if cache.add(PENDING_KEY.format(pk), now, KEY_TTL)]
    pipe = redis.pipeline(transaction=False)
    for pk in product_ids:
        pipe.set(cache.make_and_validate_key(CHANGED_KEY.format(pk)), now, ex=KEY_TTL)
        pipe.set(cache.make_and_validate_key(PENDING_KEY.format(pk)), now, ex=KEY_TTL, nx=True)
    answers = pipe.execute()
    return [pk for pk, claimed in zip(product_ids, answers[1::2], strict=True) if claimed]


def boxes_changed(product_ids: Iterable[int]) -> None:
    """Offers of these products changed (called after commit): watch their boxes soon, once."""
    ids = sorted({int(pk) for pk in product_ids})
    if not ids:
        return
    deferred = getattr(_local, "deferred", None)
    if deferred is not None:
        deferred.update(ids)
        return
    fresh = _mark(ids)
    if not fresh:
        return
    if settings.CELERY_TASK_ALWAYS_EAGER:  # no broker: run now, in turn, not nested
        boxes_watch_run(fresh)
        return
    from .tasks import watch_boxes

    for start in range(0, len(fresh), TASK_CHUNK):
        watch_boxes.apply_async(args=[fresh[start:start + TASK_CHUNK]],
                                countdown=settings.REPRICING_DEBOUNCE_SECONDS)


def boxes_changed_on_commit(product_ids: Iterable[int]) -> None:
    ids = list(product_ids)
    if ids:
        transaction.on_commit(lambda: boxes_changed(ids))


def pending_products() -> list[int]:
    """The products marked pending (tests and the admin look; the tasks carry their own ids)."""
    redis = _redis()
    if redis is None:
        return []
    prefix = cache.make_and_validate_key(PENDING_KEY.format(""))
    return sorted(int(key.decode()[len(prefix):]) for key in redis.scan_iter(match=prefix + "*"))


def _release(product_ids: list[int], *, debounce: bool) -> tuple[list[int], list[int]]:
    """(products to watch now, products still changing): the pending mark of the first is dropped,
    so a change from now on enqueues a new run."""
    if not debounce:
        cache.delete_many([PENDING_KEY.format(pk) for pk in product_ids])
        return product_ids, []
    changed = cache.get_many([CHANGED_KEY.format(pk) for pk in product_ids])
    quiet_since = int((time.time() - settings.REPRICING_DEBOUNCE_SECONDS) * 1000)
    busy = [pk for pk in product_ids if changed.get(CHANGED_KEY.format(pk), 0) > quiet_since]
    ready = [pk for pk in product_ids if pk not in set(busy)]
    cache.delete_many([PENDING_KEY.format(pk) for pk in ready])
    return ready, busy


# --- The run -------------------------------------------------------------------------------------
def boxes_watch_run(product_ids: Iterable[int], *, debounce: bool = False) -> int:
    """The task's body: reprice and watch these products' boxes; the products its own price
    changes moved are watched in a next round (a new task, or in turn here without a broker).
    Returns the number of price changes."""
    ids = sorted(set(product_ids))
    ready, busy = _release(ids, debounce=debounce)
    if busy:
        from .tasks import watch_boxes

        watch_boxes.apply_async(args=[busy], countdown=settings.REPRICING_DEBOUNCE_SECONDS)
    changes = 0
    rounds = 0
    while ready:
        rounds += 1
        with boxes_deferred() as moved:
            changes += boxes_watch_once(ready)
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            boxes_changed(moved)
            break
        if rounds >= MAX_ROUNDS:  # marked, left for the next change
            _mark(sorted(moved))
            break
        ready = sorted(moved)
    return changes


def boxes_watch_once(product_ids: list[int]) -> int:
    """One round: the rules of these products, then the boxes won and lost. Returns price changes."""
    from .repricing import box_reprice, products_with_rules

    changes = 0
    for product_id in products_with_rules(product_ids):
        changes += len(box_reprice(product_id=product_id))
    box_changes_detect(product_ids)
    return changes


# --- Boxes won and lost --------------------------------------------------------------------------
@dataclass(frozen=True)
class BoxChange:
    product_id: int
    grade: str
    lost_by: int | None  # seller ids
    won_by: int | None
    lost_listing_id: int | None
    won_listing_id: int | None
    price: Decimal | None  # the new winner's price
    old_price: Decimal | None  # the previous holder's


def box_changes_detect(product_ids: Iterable[int], *, notify: bool = True) -> list[BoxChange]:
    """Compares the stored holders of these products' boxes with the winners now, in one
    transaction: holders updated, a notice and a webhook event for each box won or lost (none
    with `notify=False`: the holders are only recorded, as `buy_box_holders_record` does once)."""
    from .repricing import _lock_products

    ids = sorted(set(product_ids))
    if not ids:
        return []
    with transaction.atomic():
        _lock_products(ids)
        holders = {(h.product_id, h.grade): h for h in BuyBoxHolder.objects.filter(product_id__in=ids)}
        winners = buy_boxes(product_ids=ids)
        now = timezone.now()
        changes, to_create, to_update, to_delete = [], [], [], []
        for key in sorted(holders.keys() | winners.keys()):
            old, new = holders.get(key), winners.get(key)
            if new is None:
                to_delete.append(old.pk)
                continue
            if old is None:
                to_create.append(BuyBoxHolder(product_id=key[0], grade=key[1], seller_id=new.seller_id,
                                              listing_id=new.pk, price=new.price, changed_at=now))
            elif (old.seller_id, old.listing_id, old.price) != (new.seller_id, new.pk, new.price):
                old_seller, old_listing, old_price = old.seller_id, old.listing_id, old.price
                old.seller_id, old.listing_id, old.price = new.seller_id, new.pk, new.price
                old.changed_at = now
                to_update.append(old)
                if old_seller != new.seller_id:
                    changes.append(BoxChange(key[0], key[1], old_seller, new.seller_id, old_listing, new.pk,
                                             new.price, old_price))
                continue
            else:
                continue
            changes.append(BoxChange(key[0], key[1], None, new.seller_id, None, new.pk, new.price, None))
        if to_delete:
            BuyBoxHolder.objects.filter(pk__in=to_delete).delete()
        if to_create:
            BuyBoxHolder.objects.bulk_create(to_create)
        if to_update:
            BuyBoxHolder.objects.bulk_update(to_update, ["seller", "listing_id", "price", "changed_at"])
        if changes and notify:
            _notify(changes)
    return changes


def _notify(changes: list[BoxChange]) -> None:
    from .webhooks import event_record

    skus = dict(Listing.objects.filter(pk__in={c.lost_listing_id for c in changes} | {c.won_listing_id
                                                                                          for c in changes})
                .values_list("pk", "sku"))
    notices = []
    for c in changes:
        notices.append(SellerNotice(seller_id=c.won_by, kind=SellerNotice.Kind.BOX_WON,
                                    listing_id=c.won_listing_id, price=c.price, other_price=c.old_price))
        if c.lost_by is not None:
            notices.append(SellerNotice(seller_id=c.lost_by, kind=SellerNotice.Kind.BOX_LOST,
                                        listing_id=c.lost_listing_id, price=c.old_price, other_price=c.price))
    SellerNotice.objects.bulk_create(notices)
    counts = Counter(n.seller_id for n in notices)
    Seller.objects.filter(pk__in=counts).update(unread_notices=F("unread_notices") + Case(
        *[When(pk=seller_id, then=Value(count)) for seller_id, count in counts.items()], default=Value(0)))
    for notice in notices:
        won = notice.kind == SellerNotice.Kind.BOX_WON
        event_record(seller_id=notice.seller_id, type="buy_box.won" if won else "buy_box.lost", payload={
            "listing_id": notice.listing_id, "sku": skus.get(notice.listing_id, ""),
            "your_price": notice.price, ("previous_price" if won else "winner_price"): notice.other_price})


# --- A stock import's batches ------------------------------------------------------------------------
def watched_batch(apply, *, moved: set[int]):
    """Wraps an import's batch: the products its changes moved are gathered in `moved` (batches run
    side by side on threads), to be watched once when the import is done (`import_boxes_watched`),
    not after every batch: the whole file's boxes in one pass, off the import's way."""
    lock = threading.Lock()

    def run(number, batch, **kwargs):
        with boxes_deferred() as changed, standings_deferred():
            going_on = apply(number, batch, **kwargs)
        with lock:
            moved.update(changed)
        return going_on
    return run


def import_boxes_watch_later(*, stock_import_id: int, seller_id: int, product_ids: Iterable[int]) -> None:
    """The import's boxes, watched by a task once the import has committed (in turn here when
    tasks run in-process)."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    if settings.CELERY_TASK_ALWAYS_EAGER:
        import_boxes_watched(stock_import_id=stock_import_id, seller_id=seller_id, product_ids=ids)
        return
    from .tasks import watch_import_boxes

    transaction.on_commit(partial(watch_import_boxes.delay, stock_import_id, seller_id, ids))


def import_boxes_watched(*, stock_import_id: int, seller_id: int, product_ids: list[int]) -> tuple[int, int]:
    """The boxes an import moved: holders updated, notices and events for each box won or lost,
    the seller's own counts added to the import's report; then the competitors' rules, later.
    Returns (won, lost) by the import's seller. A second run finds the holders recorded: (0, 0).

    First the products' stored buy boxes and cached pages, once for the whole file (the import's
    batches left them: standings_deferred): this follow-up, not the import, pays for ranking their
    offers, so the stock is applied as soon as its rows are written."""
    from catalog.cache import products_changed

    with boxes_deferred():  # watched just below, once
        products_changed(product_ids)
    changes = box_changes_detect(product_ids)
    won = sum(change.won_by == seller_id for change in changes)
    lost = sum(change.lost_by == seller_id for change in changes)
    if won or lost:
        StockImport.objects.filter(pk=stock_import_id).update(
            boxes_won=F("boxes_won") + won, boxes_lost=F("boxes_lost") + lost)
    boxes_changed(product_ids)
    return won, lost
