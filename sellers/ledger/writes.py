"""The single-listing writers of stock: create, set, allocate, release, consume, restock.

Each changes `quantity` and/or `allocated` with a guarded statement and writes its movement in the
same transaction; nothing outside sellers.ledger writes those two columns (tests/sellers/
test_ledger_single_writer.py scans the code base for it).
"""
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.cache import products_changed_on_commit

from ..models import Listing, StockMovement, live_q

Reason = StockMovement.Reason
# The two columns only this package writes.
STOCK_FIELDS = ("quantity", "allocated")


@dataclass(frozen=True)
class StockCause:
    """Why stock moves and what caused it: the door (reason) and the import, order, user or key."""

    reason: str
    stock_import_id: int | None = None
    order_id: int | None = None
    seller_order_id: int | None = None
    user_id: int | None = None
    api_key_id: int | None = None

    def __post_init__(self):
        if self.reason not in Reason.values:
            raise ValueError(f"unknown stock movement reason {self.reason!r}")

    def fields(self) -> dict:
        return asdict(self)


def stock_cause(reason: str, *, user=None, api_key=None, stock_import=None, order=None,
                seller_order=None) -> StockCause:
    """A StockCause from objects (any may be None; an anonymous user counts as none)."""
    return StockCause(
        reason=reason,
        user_id=getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None,
        api_key_id=getattr(api_key, "pk", None), stock_import_id=getattr(stock_import, "pk", None),
        order_id=getattr(order, "pk", None), seller_order_id=getattr(seller_order, "pk", None))


def _movement(*, listing_id: int, seller_id: int, quantity_delta: int, allocated_delta: int,
              cause: StockCause, now=None) -> StockMovement:
    return StockMovement(listing_id=listing_id, seller_id=seller_id, quantity_delta=quantity_delta,
                         allocated_delta=allocated_delta, created_at=now or timezone.now(),
                         **cause.fields())


def _seller_ids(listing_ids: Iterable[int]) -> dict[int, int]:
    return dict(Listing.objects.filter(pk__in=set(listing_ids)).values_list("pk", "seller_id"))


def _require_transaction() -> None:
    assert connection.in_atomic_block, "stock writers run inside the caller's transaction.atomic"


@transaction.atomic
def stock_listing_insert(*, listing: Listing, cause: StockCause) -> Listing:
    """Saves a new listing; its quantity on hand is its first movement. Nothing is allocated yet."""
    assert listing.pk is None, "stock_listing_insert saves new listings only"
    listing.allocated = 0
    listing.save()
    if listing.quantity:
        _movement(listing_id=listing.pk, seller_id=listing.seller_id, quantity_delta=listing.quantity,
                  allocated_delta=0, cause=cause, now=listing.created_at).save()
    return listing


def _refused_below_allocated(allocated: int) -> ValidationError:
    return ValidationError({"quantity": _(
        "%(allocated)s units are already sold and waiting to ship; the quantity cannot be lower.")
        % {"allocated": allocated}})


@transaction.atomic
def stock_set(*, listing_id: int, quantity: int, cause: StockCause, now=None) -> int:
    """Sets a listing's quantity on hand (back office, API, admin); returns the change (0: none).

    The row is locked first, so the change recorded is exactly the one made; the quantity can never
    drop below the units allocated to orders (ValidationError)."""
    current, allocated, seller_id = (Listing.objects.select_for_update().filter(pk=listing_id)
                                     .values_list("quantity", "allocated", "seller_id").get())
    if quantity < allocated:
        raise _refused_below_allocated(allocated)
    delta = quantity - current
    if delta:
        now = now or timezone.now()
        Listing.objects.filter(pk=listing_id).update(quantity=quantity, updated_at=now)
        _movement(listing_id=listing_id, seller_id=seller_id, quantity_delta=delta, allocated_delta=0,
                  cause=cause, now=now).save()
    return delta


def stock_allocate(*, listing_id: int, quantity: int) -> bool:
    """Holds `quantity` units of a live listing for an order being placed: one guarded UPDATE, False
    when not enough is available. The caller records the movements of the whole order with
    `stock_allocations_record` once its lines exist, in the same transaction (order_place)."""
    _require_transaction()
    # Live by the one definition (sellers.models); the seller's status is checked by the caller:
    # a join here would turn the guarded UPDATE into a sub-select.
    return bool(Listing.objects.filter(
        live_q(), pk=listing_id, quantity__gte=F("allocated") + quantity,
    ).update(allocated=F("allocated") + quantity))


_ALLOCATIONS_RECORD_SQL = """
INSERT INTO sellers_stockmovement (listing_id, seller_id, quantity_delta, allocated_delta, reason,
                                   order_id, seller_order_id, user_id, created_at)
SELECT line.listing_id, so.seller_id, 0, line.quantity, %s, so.order_id, so.id, %s, %s
FROM orders_orderline AS line JOIN orders_sellerorder AS so ON so.id = line.seller_order_id
WHERE so.order_id = %s ORDER BY line.listing_id
"""


def stock_allocations_record(*, order, user=None) -> None:
    """The movements of an order just placed: one per line, allocated + its units (one INSERT)."""
    _require_transaction()
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    with connection.cursor() as cursor:
        cursor.execute(_ALLOCATIONS_RECORD_SQL, [Reason.ORDER_PLACED, user_id, timezone.now(), order.pk])


_SELLER_ORDERS_SQL = """
SELECT line.listing_id, line.seller_order_id FROM orders_orderline AS line
JOIN orders_sellerorder AS so ON so.id = line.seller_order_id WHERE so.order_id = %s
"""


def _seller_orders_of(cause: StockCause) -> dict[int, int]:
    """For an order released as a whole: each listing's seller order, so that each seller's history
    links to its own part of the order."""
    if cause.order_id is None or cause.seller_order_id is not None:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_SELLER_ORDERS_SQL, [cause.order_id])
        return dict(cursor.fetchall())


def stock_release(*, lines: Iterable[tuple[int, int]], cause: StockCause) -> list[int]:
    """Gives back the units an order held: (listing id, units) in listing order, one guarded UPDATE
    each (never below zero). Returns the listings released."""
    _require_transaction()
    released: list[tuple[int, int]] = []
    for listing_id, quantity in lines:
        if Listing.objects.filter(pk=listing_id, allocated__gte=quantity).update(
                allocated=F("allocated") - quantity):
            released.append((listing_id, quantity))
    if released:
        sellers = _seller_ids(listing_id for listing_id, _units in released)
        seller_orders = _seller_orders_of(cause)
        now = timezone.now()
        StockMovement.objects.bulk_create([
            _movement(listing_id=listing_id, seller_id=sellers[listing_id], quantity_delta=0,
                      allocated_delta=-quantity, now=now, cause=replace(
                          cause, seller_order_id=seller_orders.get(listing_id, cause.seller_order_id)))
            for listing_id, quantity in released])
    return [listing_id for listing_id, _units in released]


def stock_consume(*, listing_id: int, quantity: int, cause: StockCause) -> bool:
    """Shipping: the units held leave the warehouse, quantity and allocated both drop (guarded:
    False when the listing does not hold them)."""
    _require_transaction()
    consumed = Listing.objects.filter(
        pk=listing_id, allocated__gte=quantity, quantity__gte=quantity,
    ).update(quantity=F("quantity") - quantity, allocated=F("allocated") - quantity)
    if consumed:
        _movement(listing_id=listing_id, seller_id=_seller_ids([listing_id])[listing_id],
                  quantity_delta=-quantity, allocated_delta=-quantity, cause=cause).save()
    return bool(consumed)


def stock_restock(*, listing_id: int, quantity: int, cause: StockCause) -> StockMovement:
    """Units come back into stock (a return restocked, a trade-in received): quantity + units.
    Returns the movement, for the cause to link to it (a trade-in names its movement)."""
    _require_transaction()
    if quantity <= 0:
        raise ValueError("a restock adds at least one unit")
    now = timezone.now()
    Listing.objects.filter(pk=listing_id).update(quantity=F("quantity") + quantity, updated_at=now)
    movement = _movement(listing_id=listing_id, seller_id=_seller_ids([listing_id])[listing_id],
                         quantity_delta=quantity, allocated_delta=0, cause=cause, now=now)
    movement.save()
    return movement


@transaction.atomic
def stock_listings_insert(*, listings: list[Listing], cause: StockCause) -> list[Listing]:
    """Saves new listings in bulk (demo data, a generated marketplace); their quantities on hand are
    their first movements, written in one more INSERT. Their products' buy boxes and pages are
    refreshed after commit, as after every write to offers."""
    for listing in listings:
        assert listing.pk is None, "stock_listings_insert saves new listings only"
        listing.allocated = 0
    created = Listing.objects.bulk_create(listings)
    now = timezone.now()
    StockMovement.objects.bulk_create([
        _movement(listing_id=listing.pk, seller_id=listing.seller_id, quantity_delta=listing.quantity,
                  allocated_delta=0, cause=cause, now=now)
        for listing in created if listing.quantity])
    products_changed_on_commit({listing.product_id for listing in created})
    return created


def stock_allocate_one(*, listing_id: int, quantity: int, cause: StockCause) -> bool:
    """Holds `quantity` units of a live listing for one seller order (a paid order reassigned to
    this listing's seller) and writes its movement: False when not enough is available."""
    if not stock_allocate(listing_id=listing_id, quantity=quantity):
        return False
    _movement(listing_id=listing_id, seller_id=_seller_ids([listing_id])[listing_id], quantity_delta=0,
              allocated_delta=quantity, cause=cause).save()
    return True
