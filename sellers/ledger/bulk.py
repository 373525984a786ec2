"""The bulk writer of stock: rows of a CSV import or a bulk API call applied set-based, with their
stock movements written by the same statements.

Rows already validated (sellers.stock_sync) are written with a few statements per batch, never one
query per row. On PostgreSQL a batch is streamed with COPY into a temporary staging table and
applied from there: one statement matching it to the seller's listings, one locking read of the
listings that change (in primary-key order), one UPDATE ... FROM the staging table whose changes
of quantity go into the ledger in the same statement (a data-modifying CTE: INSERT ... SELECT from
the UPDATE's RETURNING), and one INSERT ... SELECT of the new listings, their opening movements
likewise. Unchanged listings are neither locked nor written.
Other databases (SQLite under `make run`) take a portable path through the ORM's bulk_update and
bulk_create. The CSV import and the API's bulk endpoint share `listings_apply_bulk`.
"""
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter, itemgetter

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.cache import products_changed_after_bulk
from marketplace.db import copy_in, last_rows

from ..models import MIN_WARRANTY_MONTHS, Listing, Seller, StockMovement
from .writes import StockCause


@dataclass(slots=True)
class RowInput:
    """One row to apply. None means "not given": keep the listing's value (or the default)."""

    key: int  # line number in the file, or the item index in an API call
    sku: str
    product_id: int | None = None
    product_active: bool = True
    grade: str | None = None
    price: object = None
    quantity: int | None = None
    warranty_months: int | None = None
    is_active: bool | None = None
    # The device itself (sellers.services.DEVICE_FIELDS), checked by its rules; None: not given.
    battery_health: int | None = None
    battery_new: bool | None = None
    includes_charger: bool | None = None
    includes_cable: bool | None = None
    includes_box: bool | None = None
    is_unlocked: bool | None = None
    has_esim: bool | None = None
    # The repricing rule's fields given (sellers.repricing.FIELDS), and the seller's confirmation of
    # a price the guard would hold (sellers.price_guard); most rows give neither.
    rule: dict | None = None
    confirm_low_price: bool = False


@dataclass(slots=True)
class RowResult:
    key: int
    sku: str
    status: str  # created | updated | unchanged | failed | held (a price to confirm, not applied)
    errors: dict[str, list[str]] = field(default_factory=dict)
    listing_id: int | None = None


# Raw SQL names the tables; this keeps it honest if a model's table ever moves.
assert Listing._meta.db_table == "sellers_listing"
assert StockMovement._meta.db_table == "sellers_stockmovement"


def listings_apply_bulk(*, seller: Seller, rows: Sequence[RowInput], allow_create: bool,
                        cause: StockCause | None = None, guard_bounds: dict | None = None) -> list[RowResult]:
    """Applies already-validated rows to the seller's listings with a few set-based statements.

    Must run inside a transaction: the seller's listings that change are locked (in primary-key
    order, as every stock writer does) so `allocated` cannot move while quantities are checked.
    A row may change price, quantity, warranty and active flag; product and grade of an existing
    SKU never change, and quantity never drops below the units allocated to orders. Unchanged
    listings are neither locked nor written (their updated_at stays). After commit, the cached
    pages of the products whose listings were created or changed are invalidated.

    Every change of quantity, and the quantity of every new listing, is a stock movement of
    `cause` (by default a stock import with no named import), written by the same statements.
    """
    if not rows:
        return []
    assert connection.in_atomic_block, "listings_apply_bulk must run inside transaction.atomic"
    from ..services import device_rows_refused  # services writes through the ledger

    refused = device_rows_refused(seller_id=seller.pk, rows=rows)  # {} and no query in most batches
    failed = [RowResult(row.key, row.sku, "failed", refused[row.key]) for row in rows if row.key in refused]
    if refused:
        rows = [row for row in rows if row.key not in refused]
    from ..price_guard import low_price_rows_held

    # Mistaken prices are held, not applied. `guard_bounds`: the bounds one import works out once,
    # for all its batches (the market as the file started to apply).
    rows, held = low_price_rows_held(seller_id=seller.pk, rows=rows, bounds_memo=guard_bounds)
    failed += held
    apply = _apply_postgresql if connection.vendor == "postgresql" else _apply_portable
    results, changed_product_ids = apply(seller=seller, rows=rows, allow_create=allow_create,
                                         now=timezone.now(),
                                         cause=cause or StockCause(StockMovement.Reason.IMPORT))
    results += failed
    ruled = [row for row in rows if row.rule]
    if ruled:
        from ..repricing import repricing_rows_apply

        repricing_rows_apply(seller=seller, rows=ruled, results=results)
    if changed_product_ids:
        transaction.on_commit(partial(products_changed_after_bulk, sorted(changed_product_ids)))
    results.sort(key=attrgetter("key"))
    return results


def _failed_not_yours(row: RowInput) -> RowResult:
    return RowResult(row.key, row.sku, "failed", {"sku": [
        _("You have no listing with the SKU %(sku)s.") % {"sku": row.sku}]})


def _failed_product_inactive(row: RowInput) -> RowResult:
    return RowResult(row.key, row.sku, "failed", {"product_reference": [
        _("This product is not sold on the marketplace.")]})


def _rule_errors(row: RowInput, *, archived: bool, product_id: int, grade: str) -> dict[str, list[str]]:
    """What the listing service's rules refuse in this row (a product and grade change, an archived
    listing activated): the same rules as every other door."""
    from ..services import listing_rule_errors  # services writes through the ledger

    errors = listing_rule_errors(sku=row.sku, archived=archived, product_id=product_id, grade=grade,
                                 new_product_id=row.product_id,
                                 new_grade=row.grade,
                                 is_active=row.is_active)
    if "is_active" in errors:  # the file's column
        errors["active"] = errors.pop("is_active")
    return errors


def _failed_allocated(row: RowInput, listing_id: int, allocated: int) -> RowResult:
    return RowResult(row.key, row.sku, "failed", {"quantity": [
        _("%(allocated)s units are already sold and waiting to ship; the quantity cannot be "
          "lower.") % {"allocated": allocated}]}, listing_id)


def _failed_created_meanwhile(row: RowInput) -> RowResult:
    return RowResult(row.key, row.sku, "failed", {"sku": [
        _("A listing with the SKU %(sku)s was created meanwhile; upload again.") % {"sku": row.sku}]})


# PostgreSQL: COPY into a staging table, then set-based statements joined to it. The staging table
# lives until the end of the transaction (a batch); it is emptied first in case an enclosing
# transaction already holds one from an earlier batch.
_STAGE_SQL = (
    "CREATE TEMP TABLE IF NOT EXISTS listing_stage (key integer NOT NULL, sku varchar(64) NOT NULL, "
    "product_id bigint, product_active boolean NOT NULL, grade varchar(10), price numeric(10, 2), "
    "quantity integer, warranty_months smallint, is_active boolean, battery_health smallint, "
    "battery_new boolean, includes_charger boolean, includes_cable boolean, includes_box boolean, "
    "is_unlocked boolean, has_esim boolean) ON COMMIT DROP; TRUNCATE listing_stage"
)
# The device columns: a NULL in the staging table keeps the listing's value, like the others.
_DEVICE = ("battery_health", "battery_new", "includes_charger", "includes_cable", "includes_box",
           "is_unlocked", "has_esim")
_DEVICE_NEW = "".join(f", COALESCE(s.{name}, l.{name})" for name in _DEVICE)
_DEVICE_OLD = "".join(f", l.{name}" for name in _DEVICE)
_DEVICE_SET = "".join(f", {name} = COALESCE(s.{name}, l.{name})" for name in _DEVICE)
_DEVICE_COLUMNS = "".join(f", {name}" for name in _DEVICE)
_DEVICE_VALUES = (", s.battery_health, COALESCE(s.battery_new, false), "
                  "COALESCE(s.includes_charger, false), COALESCE(s.includes_cable, false), "
                  "COALESCE(s.includes_box, false), s.is_unlocked, s.has_esim")
_DEVICE_OF = attrgetter(*_DEVICE)
_NO_DEVICE = (None,) * len(_DEVICE)
_COPY_SQL = ("COPY listing_stage (key, sku, product_id, product_active, grade, price, quantity, "
             "warranty_months, is_active" + _DEVICE_COLUMNS + ") "
             "FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (sku))")
_STAGED_FIELDS = attrgetter("key", "sku", "product_id", "product_active", "grade", "price", "quantity",
                            "warranty_months", "is_active", *_DEVICE)
_STAGED_FIELDS_PLAIN = attrgetter("key", "sku", "product_id", "product_active", "grade", "price", "quantity",
                                  "warranty_months", "is_active")
# 1. Each row against the seller's listing with that SKU: its listing, whether it names another
#    product or grade (each may be given alone), whether it would change anything (a NULL in the
#    staging table keeps the listing's value). Read, not written back to the staging table: an
#    UPDATE of the staged rows took 207-233 ms for a batch of 25,000 existing SKUs, this SELECT
#    123-154 ms; the statements below find the rows again by SKU (step 3) or key (step 4). Nested
#    loops are off until step 4: right after a large import the statistics still say the seller has
#    almost no listings, and the planner would probe the seller_id index once per staged row
#    (minutes instead of a fraction of a second). A hash join is one pass over the seller's
#    listings, whatever the statistics say.
_COMPARE_SQL = (  # built from constants only
    "SET LOCAL enable_nestloop = off; "  # noqa: S608
    "SELECT s.key, l.id, "
    "(s.product_id IS NOT NULL AND l.product_id <> s.product_id) "
    "OR (s.grade IS NOT NULL AND l.grade <> s.grade), "
    "(COALESCE(s.price, l.price), COALESCE(s.quantity, l.quantity), "
    "COALESCE(s.warranty_months, l.warranty_months), COALESCE(s.is_active, l.is_active)" + _DEVICE_NEW + ") "
    "IS DISTINCT FROM (l.price, l.quantity, l.warranty_months, l.is_active" + _DEVICE_OLD + "), "
    "l.product_id, l.grade, l.archived_at IS NOT NULL "
    "FROM listing_stage AS s JOIN sellers_listing AS l ON l.seller_id = %s AND l.sku = s.sku"
)
# 2. The listings that change, locked in primary-key order. They are named by an array of their
#    ids, so the planner reads exactly those rows through the primary key: a join to the staging
#    table would be planned from a guess (a temporary table has no statistics) and read the whole
#    listing table, every seller's, once per batch.
_LOCK_SQL = (
    "SELECT id, allocated, quantity FROM sellers_listing WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE"
)
# 3. The locked listings that still differ (a concurrent writer may have set the same values),
#    still without nested loops: the staging table has no statistics, and a nested loop probing
#    the id array once per staged row would cost rows × rows. The change of quantity of each row
#    updated goes into the ledger by the same statement: the quantities read by the lock above
#    cannot move until commit, so the changes are known before the UPDATE and passed as two
#    arrays (listing ids, changes), joined to the rows it returns (joining the listing a second
#    time to read its old quantity cost a tenth of the UPDATE).
_UPDATE_SQL = (
    "WITH changed AS ("  # noqa: S608 - built from constants only
    "UPDATE sellers_listing AS l SET price = COALESCE(s.price, l.price), "
    "quantity = COALESCE(s.quantity, l.quantity), "
    "warranty_months = COALESCE(s.warranty_months, l.warranty_months), "
    "is_active = COALESCE(s.is_active, l.is_active), updated_at = %(now)s" + _DEVICE_SET + " "
    "FROM listing_stage AS s "
    "WHERE l.id = ANY(%(ids)s::bigint[]) AND l.seller_id = %(seller)s AND l.sku = s.sku "
    "AND COALESCE(s.quantity, l.quantity) >= l.allocated "
    "AND (COALESCE(s.price, l.price), COALESCE(s.quantity, l.quantity), "
    "COALESCE(s.warranty_months, l.warranty_months), COALESCE(s.is_active, l.is_active)" + _DEVICE_NEW + ") "
    "IS DISTINCT FROM (l.price, l.quantity, l.warranty_months, l.is_active" + _DEVICE_OLD + ") "
    "RETURNING l.id, l.product_id), "
    "moved AS (INSERT INTO sellers_stockmovement (listing_id, seller_id, quantity_delta, "
    "allocated_delta, reason, stock_import_id, order_id, seller_order_id, user_id, api_key_id, "
    "created_at) "
    "SELECT c.id, %(seller)s, m.delta, 0, %(reason)s, %(stock_import_id)s, %(order_id)s, "
    "%(seller_order_id)s, %(user_id)s, %(api_key_id)s, %(now)s FROM changed AS c "
    "JOIN unnest(%(moved_ids)s::bigint[], %(deltas)s::integer[]) AS m(id, delta) ON m.id = c.id "
    "ORDER BY c.id) "
    "SELECT id, product_id FROM changed"
)
# 4. The new SKUs of products on sale. A plain INSERT, about an eighth faster than one with
#    ON CONFLICT (no speculative insertion per row); if someone else created one of these SKUs
#    since step 1, it fails on the unique index and runs again with ON CONFLICT DO NOTHING, which
#    leaves that listing alone. The rows step 1 matched are left out by their keys (a hashed
#    NOT IN; nothing to leave out in a batch of new SKUs only).
#    The quantity of each new listing is its opening movement, written by the same statement.
_INSERT_SQL = (
    "SET LOCAL enable_nestloop TO DEFAULT; "  # noqa: S608 - built from constants only
    "WITH created AS ("
    "INSERT INTO sellers_listing (seller_id, product_id, grade, sku, price, quantity, allocated, "
    "warranty_months, is_active, created_at, updated_at" + _DEVICE_COLUMNS + ") "
    "SELECT %(seller)s, s.product_id, s.grade, s.sku, s.price, s.quantity, 0, "
    "COALESCE(s.warranty_months, %(warranty)s), COALESCE(s.is_active, true), %(now)s, %(now)s"
    + _DEVICE_VALUES + " "
    "FROM listing_stage AS s WHERE s.product_active{matched} ORDER BY s.key "
    "{on_conflict}RETURNING sku, id, product_id, quantity), "
    "moved AS (INSERT INTO sellers_stockmovement (listing_id, seller_id, quantity_delta, "
    "allocated_delta, reason, stock_import_id, order_id, seller_order_id, user_id, api_key_id, "
    "created_at) "
    "SELECT id, %(seller)s, quantity, 0, %(reason)s, %(stock_import_id)s, %(order_id)s, "
    "%(seller_order_id)s, %(user_id)s, %(api_key_id)s, %(now)s FROM created WHERE quantity <> 0 "
    "ORDER BY id) "
    "SELECT sku, id, product_id FROM created"
)
_ON_CONFLICT = "ON CONFLICT (seller_id, sku) DO NOTHING "
_UNMATCHED = " AND s.key NOT IN (SELECT unnest(%(matched)s::integer[]))"


def _without_device(sql: str) -> str:
    for part in (_DEVICE_SET, _DEVICE_NEW, _DEVICE_OLD, _DEVICE_VALUES, _DEVICE_COLUMNS):
        sql = sql.replace(part, "")
    return sql


# A batch that gives no device detail (most files, every file without those columns) stages, compares
# and writes none of their columns: the same statements without them, the listings' values untouched.
_STATEMENTS = {
    True: (_COPY_SQL, _STAGED_FIELDS, _COMPARE_SQL, _UPDATE_SQL, _INSERT_SQL),
    False: (_without_device(_COPY_SQL), _STAGED_FIELDS_PLAIN, _without_device(_COMPARE_SQL),
            _without_device(_UPDATE_SQL), _without_device(_INSERT_SQL)),
}
assert "battery" not in "".join(sql for sql in _STATEMENTS[False] if isinstance(sql, str))
_PLANNER_RESET_SQL = "SET LOCAL enable_nestloop TO DEFAULT"


def _integers(values) -> str:
    """Whole numbers as one PostgreSQL array literal (`{1,2,3}`, cast in the statement): 3.5 ms for
    25,000 ids, against 21 ms for psycopg adapting a list of ints element by element."""
    return "{" + ",".join(map(str, values)) + "}"


def _apply_postgresql(*, seller: Seller, rows: Sequence[RowInput], allow_create: bool,
                      now, cause: StockCause) -> tuple[list[RowResult], set[int]]:
    params = {"seller": seller.pk, "now": now, "warranty": MIN_WARRANTY_MONTHS, **cause.fields()}
    by_key = {row.key: row for row in rows}
    buffer = io.StringIO()
    # CSV: an empty unquoted field is NULL ("not given"), except a SKU, which stays a string.
    device = set(map(_DEVICE_OF, rows)) != {_NO_DEVICE}
    copy_sql, staged_fields, compare_sql, update_sql, insert_sql = _STATEMENTS[device]
    csv.writer(buffer, lineterminator="\n").writerows(map(staged_fields, rows))
    buffer.seek(0)
    results: list[RowResult] = []
    changed_product_ids: set[int] = set()
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_SQL)
        copy_in(cursor, copy_sql, buffer.getvalue())

        cursor.execute(compare_sql, [seller.pk])
        matched: set[int] = set()
        differing: dict[int, int] = {}  # listing id -> row key
        for key, listing_id, other_identity, differs, product_id, grade, archived in last_rows(cursor):
            matched.add(key)
            row = by_key[key]
            # The listing service's rules decide; SQL only spares calling them for the many rows
            # that neither name another product or grade nor activate an archived listing.
            errors = (_rule_errors(row, archived=archived, product_id=product_id, grade=grade)
                      if other_identity or (archived and row.is_active) else None)
            if errors:
                results.append(RowResult(key, row.sku, "failed", errors, listing_id))
            elif differs:
                differing[listing_id] = key
            else:
                results.append(RowResult(key, row.sku, "unchanged", listing_id=listing_id))
        planner_reset = False

        # 2. Lock the listings that change, in primary-key order; none may drop below its allocated
        #    units (the UPDATE checks the same on the locked rows).
        if differing:
            cursor.execute(_LOCK_SQL, [_integers(sorted(differing))])
            moved_ids, deltas = [], []  # the listings whose quantity the UPDATE changes, and by how much
            for listing_id, allocated, quantity in cursor.fetchall():
                row = by_key[differing[listing_id]]
                if row.quantity is not None and row.quantity < allocated:
                    results.append(_failed_allocated(row, listing_id, allocated))
                    del differing[listing_id]
                elif row.quantity is not None and row.quantity != quantity:
                    moved_ids.append(listing_id)
                    deltas.append(row.quantity - quantity)
            cursor.execute(update_sql, {**params, "ids": _integers(differing),
                                        "moved_ids": _integers(moved_ids), "deltas": _integers(deltas)})
            updated = dict(cursor.fetchall())
            changed_product_ids.update(updated.values())
            for listing_id, key in differing.items():
                status = "updated" if listing_id in updated else "unchanged"
                results.append(RowResult(key, by_key[key].sku, status, listing_id=listing_id))

        to_create: list[RowInput] = []
        for row in rows:
            if row.key in matched:
                continue
            if not allow_create:
                results.append(_failed_not_yours(row))
            elif not row.product_active:
                results.append(_failed_product_inactive(row))
            else:
                to_create.append(row)
        if to_create:
            unmatched, insert_params = "", params
            if matched:
                unmatched = _UNMATCHED
                insert_params = {**params, "matched": _integers(sorted(matched))}
            try:
                with transaction.atomic():
                    cursor.execute(insert_sql.format(on_conflict="", matched=unmatched), insert_params)
            except IntegrityError:  # a SKU created meanwhile
                cursor.execute(insert_sql.format(on_conflict=_ON_CONFLICT, matched=unmatched), insert_params)
            planner_reset = True
            inserted = last_rows(cursor)
            changed_product_ids.update(map(itemgetter(2), inserted))
            created = dict(map(itemgetter(0, 1), inserted))  # sku -> listing id
            results += [RowResult(row.key, row.sku, "created", listing_id=created[row.sku])
                        if row.sku in created else _failed_created_meanwhile(row) for row in to_create]
        if not planner_reset:
            cursor.execute(_PLANNER_RESET_SQL)
    return results, changed_product_ids


# Other databases (SQLite for `make run`): the same rules through the ORM, a few hundred rows per
# statement. SQLite has no row locks; its writers take the whole database in turn.
_PORTABLE_CHUNK = 500


def _chunks(items: Sequence, size: int = _PORTABLE_CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _apply_portable(*, seller: Seller, rows: Sequence[RowInput], allow_create: bool,
                    now, cause: StockCause) -> tuple[list[RowResult], set[int]]:
    fields = ("id", "sku", "product_id", "grade", "price", "quantity", "allocated", "warranty_months",
              "is_active", "archived_at", *_DEVICE)
    existing = {}
    for skus in _chunks([row.sku for row in rows]):
        for record in (Listing.objects.select_for_update().filter(seller=seller, sku__in=skus)
                       .order_by("pk").values_list(*fields)):
            existing[record[1]] = record

    results: list[RowResult] = []
    to_update: list[Listing] = []
    to_create: list[RowInput] = []
    movements: list[StockMovement] = []
    changed_product_ids: set[int] = set()
    for row in rows:
        current = existing.get(row.sku)
        if current is None:
            if not allow_create:
                results.append(_failed_not_yours(row))
            elif not row.product_active:
                results.append(_failed_product_inactive(row))
            else:
                to_create.append(row)
            continue
        pk, _sku, product_id, grade, price, quantity, allocated, warranty, is_active, archived_at = \
            current[:10]
        device = current[10:]
        errors = _rule_errors(row, archived=archived_at is not None, product_id=product_id, grade=grade)
        if errors:
            results.append(RowResult(row.key, row.sku, "failed", errors, pk))
            continue
        if row.quantity is not None and row.quantity < allocated:
            results.append(_failed_allocated(row, pk, allocated))
            continue
        new = (
            price if row.price is None else row.price,
            quantity if row.quantity is None else row.quantity,
            warranty if row.warranty_months is None else row.warranty_months,
            is_active if row.is_active is None else row.is_active,
        )
        new_device = tuple(old if given is None else given
                           for old, given in zip(device, map(row.__getattribute__, _DEVICE), strict=True))
        if new == (price, quantity, warranty, is_active) and new_device == device:
            results.append(RowResult(row.key, row.sku, "unchanged", listing_id=pk))
        else:
            to_update.append(Listing(pk=pk, price=new[0], quantity=new[1], warranty_months=new[2],
                                     is_active=new[3], updated_at=now,
                                     **dict(zip(_DEVICE, new_device, strict=True))))
            if new[1] != quantity:
                movements.append(StockMovement(listing_id=pk, seller_id=seller.pk,
                                               quantity_delta=new[1] - quantity, allocated_delta=0,
                                               created_at=now, **cause.fields()))
            changed_product_ids.add(product_id)
            results.append(RowResult(row.key, row.sku, "updated", listing_id=pk))

    if to_update:
        Listing.objects.bulk_update(to_update, ["price", "quantity", "warranty_months", "is_active",
                                                "updated_at", *_DEVICE], batch_size=_PORTABLE_CHUNK)
    if to_create:
        Listing.objects.bulk_create([
            Listing(seller=seller, product_id=row.product_id, grade=row.grade, sku=row.sku, price=row.price,
                    quantity=row.quantity, allocated=0,
                    warranty_months=row.warranty_months or MIN_WARRANTY_MONTHS,
                    is_active=True if row.is_active is None else row.is_active,
                    created_at=now, updated_at=now,
                    **{name: value for name in _DEVICE if (value := getattr(row, name)) is not None})
            for row in to_create], batch_size=_PORTABLE_CHUNK, ignore_conflicts=True)
        created = {}
        for skus in _chunks([row.sku for row in to_create]):
            created.update((sku, (pk, product_id)) for sku, pk, product_id in Listing.objects.filter(
                seller=seller, sku__in=skus).values_list("sku", "pk", "product_id"))
        for row in to_create:
            if row.sku in created and created[row.sku][1] == row.product_id:
                listing_id, product_id = created[row.sku]
                changed_product_ids.add(product_id)
                results.append(RowResult(row.key, row.sku, "created", listing_id=listing_id))
                if row.quantity:
                    movements.append(StockMovement(listing_id=listing_id, seller_id=seller.pk,
                                                   quantity_delta=row.quantity, allocated_delta=0,
                                                   created_at=now, **cause.fields()))
            else:
                results.append(_failed_created_meanwhile(row))
    StockMovement.objects.bulk_create(movements, batch_size=_PORTABLE_CHUNK)
    return results, changed_product_ids
