"""The guard on mistaken prices: one rule for every door (back office, CSV import, API, repricing).

A price under PRICE_GUARD_MEDIAN_SHARE of the median buyable offer for the same product × grade, or
under PRICE_GUARD_NEW_SHARE of the product's price new (the variant's, else its device model's), is
not published unless the seller confirms it: the back office asks, the CSV import reports the row as
held, the API answers 422 unless the item says `confirm_low_price: true`. An iPhone 12 at €5.49 is a
typo, not a bargain. The bounds of many product × grade pairs are read in two queries.
"""
import logging
import threading
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Aggregate, DecimalField
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from catalog.models import Product

from .models import Listing

Key = tuple[int, str]  # (product id, grade)
LOW_PRICE = "low_price"  # the ValidationError code every door recognises
CENT = Decimal("0.01")
logger = logging.getLogger(__name__)


class _Median(Aggregate):
    function = "percentile_cont"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DecimalField(max_digits=12, decimal_places=4)


def _medians(keys: set[Key]) -> dict[Key, Decimal]:
    product_ids = {product_id for product_id, _grade in keys}
    offers = Listing.objects.buyable().filter(product_id__in=product_ids)
    if connection.vendor == "postgresql":
        rows = offers.values_list("product_id", "grade").annotate(median=_Median("price")).order_by()
        return {(p, g): Decimal(m) for p, g, m in rows if (p, g) in keys}
    from statistics import median

    prices: dict[Key, list[Decimal]] = {}
    for p, g, price in offers.values_list("product_id", "grade", "price"):
        prices.setdefault((p, g), []).append(price)
    return {key: Decimal(median(values)) for key, values in prices.items() if key in keys}


def _new_prices(product_ids: set[int]) -> dict[int, Decimal]:
    return dict(Product.objects.filter(pk__in=product_ids)
                .annotate(new=Coalesce("reference_price_new", "model__reference_price_new"))
                .values_list("pk", "new"))


def price_guard_bounds(keys: Iterable[Key]) -> dict[Key, tuple[Decimal, str]]:
    """For each product × grade, the lowest price published without confirmation and what sets it
    ("median" or "new"); a pair with neither bound is absent. Two queries for any number of pairs."""
    keys = set(keys)
    if not keys:
        return {}
    median_share = Decimal(settings.PRICE_GUARD_MEDIAN_SHARE)
    new_share = Decimal(settings.PRICE_GUARD_NEW_SHARE)
    medians = _medians(keys)
    news = _new_prices({product_id for product_id, _grade in keys})
    bounds = {}
    for key in keys:
        candidates = []
        if key in medians:
            candidates.append(((medians[key] * median_share).quantize(Decimal("0.01")), "median"))
        if news.get(key[0]):
            candidates.append(((news[key[0]] * new_share).quantize(Decimal("0.01")), "new"))
        if candidates:
            bounds[key] = max(candidates)
    return bounds


def low_price_message(price: Decimal, bound: tuple[Decimal, str]) -> str:
    from marketplace.templatetags.money import format_money

    amount, reason = bound
    if reason == "median":
        text = _("%(price)s is under %(share)s %% of the median offer for this product and grade "
                 "(under %(bound)s): it looks mistaken.")
        share = Decimal(settings.PRICE_GUARD_MEDIAN_SHARE)
    else:
        text = _("%(price)s is under %(share)s %% of this product's price new (under %(bound)s): "
                 "it looks mistaken.")
        share = Decimal(settings.PRICE_GUARD_NEW_SHARE)
    return text % {"price": format_money(price), "share": f"{share * 100:.0f}", "bound": format_money(amount)}


def low_prices(items: Iterable[tuple[object, int, str, Decimal]]) -> dict[object, str]:
    """The items (key, product id, grade, new price) whose price looks mistaken, with the reason."""
    items = list(items)
    bounds = price_guard_bounds((product_id, grade) for _key, product_id, grade, _price in items)
    return {key: low_price_message(price, bounds[(product_id, grade)])
            for key, product_id, grade, price in items
            if (product_id, grade) in bounds and price < bounds[(product_id, grade)][0]}


def price_guard_check(*, product_id: int, grade: str, price: Decimal, confirmed: bool = False) -> None:
    """Raises ValidationError (code LOW_PRICE, on "price") for a price that looks mistaken, unless
    the seller confirmed it."""
    if confirmed:
        return
    found = low_prices([(None, product_id, grade, price)])
    if found:
        raise ValidationError({"price": ValidationError(
            found[None] + " " + _("Confirm the price to publish it."), code=LOW_PRICE)})


def is_low_price_error(error: ValidationError) -> bool:
    """Whether a ValidationError is (only) the guard asking for confirmation."""
    if not hasattr(error, "error_dict"):
        return False
    return set(error.error_dict) == {"price"} and all(e.code == LOW_PRICE for e in error.error_dict["price"])


class BoundsMemo(dict):
    """The bounds one stock import works out once for all its batches ({product id: {key: bound}}).
    Its batches run side by side on threads: the first to need a product's bounds works them out,
    the others wait for them instead of running the same query at once."""

    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()

    def work_out_meanwhile(self, product_ids_of: Callable[[], Iterable[int]]) -> None:
        """Works out the bounds of the products `product_ids_of()` names on a thread and a database
        connection of their own, while the caller goes on (an import validates its first batch
        meanwhile); a batch that needs them waits for them. Only for a caller whose data other
        connections see (not inside a transaction). If it fails, the batches work them out."""
        self.lock.acquire()  # taken here, so no batch can start the same query first

        def work() -> None:
            try:
                product_ids = set(product_ids_of())
                self._store(product_ids, _bounds_of(product_ids))
            except Exception:
                logger.exception("price guard bounds not worked out ahead; the batches will")
            finally:
                self.lock.release()
                connections.close_all()  # this thread's connection only

        threading.Thread(target=work, name="price-guard-bounds", daemon=True).start()

    def _store(self, product_ids: set[int], fresh: dict[Key, tuple[Decimal, str]]) -> None:
        for product_id in product_ids:
            self[product_id] = {}
        for key, bound in fresh.items():
            self[key[0]][key] = bound


def low_price_rows_held(*, seller_id: int, rows: list,
                        bounds_memo: BoundsMemo | None = None) -> tuple[list, list]:
    """Bulk rows (sellers.ledger.RowInput) whose new price looks mistaken are held, not applied:
    returns (rows to apply, RowResults "held" with the reason). A row that keeps its listing's
    price, or says `confirm_low_price`, is never held.

    The bounds come first (one query: each grade's median and the price new of the rows'
    products); only the rows under their bound, and the rows that name no product or grade (a
    partial file), are then looked up among the seller's listings (one more query, of a few rows
    in most files: a 25,000-row batch of sane prices costs no lookup at all)."""
    from .ledger import RowResult

    priced = [row for row in rows if row.price is not None and not row.confirm_low_price]
    if not priced:
        return rows, []
    if connection.vendor != "postgresql":
        return _held_portable(seller_id=seller_id, rows=rows, priced=priced)
    named = [row for row in priced if row.product_id is not None and row.grade]
    unnamed = [row for row in priced if row.product_id is None or not row.grade]
    found = _listings_of(seller_id, unnamed)
    checked = [(row, row.product_id, row.grade) for row in named]  # (row, product id, grade)
    checked += [(row, found[row.sku][1], found[row.sku][2]) for row in unnamed
                if row.sku in found and not found[row.sku][0]]
    if not checked:
        return rows, []
    bounds = _bounds_of({product_id for _row, product_id, _grade in checked}, memo=bounds_memo)
    under = [(row, product_id, grade) for row, product_id, grade in checked
             if (product_id, grade) in bounds and row.price < bounds[(product_id, grade)][0]]
    # A named row under its bound is held unless its listing already has that price.
    kept = _listings_of(seller_id, [row for row, _p, _g in under if row.product_id is not None and row.grade])
    held = {row.key: low_price_message(row.price, bounds[(product_id, grade)])
            for row, product_id, grade in under
            if not (row.sku in kept and kept[row.sku][0] and row.product_id is not None)}
    return _split(rows, held, RowResult)


def _listings_of(seller_id: int, rows: list) -> dict[str, tuple]:
    """{sku: (keeps its price, product id, grade)} of the seller's listings these rows name: the
    SKUs and prices as two arrays compared in SQL (no Decimal made per listing)."""
    if not rows:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT l.sku, l.price = r.price, l.product_id, l.grade "  # noqa: S608 - constants
                       f"FROM {Listing._meta.db_table} AS l "
                       "JOIN unnest(%s::text[], %s::numeric[]) AS r(sku, price) ON l.sku = r.sku "
                       "WHERE l.seller_id = %s",
                       [[row.sku for row in rows], [row.price for row in rows], seller_id])
        return {sku: (same, product_id, grade) for sku, same, product_id, grade in cursor.fetchall()}


def _bounds_of(product_ids: set[int], *, memo: BoundsMemo | None = None) -> dict[Key, tuple[Decimal, str]]:
    """Each grade's bound of these products, worked out once per product × grade (a file has few).
    `memo` (shared by one import's batches) keeps the bounds of the products already worked out: a
    100,000-row file reads each product's medians once."""
    if memo is not None:
        with memo.lock:
            missing = product_ids - memo.keys()
            if missing:
                memo._store(missing, _bounds_of(missing))
        return {key: bound for product_id in product_ids for key, bound in memo[product_id].items()}
    median_share = Decimal(settings.PRICE_GUARD_MEDIAN_SHARE)
    new_share = Decimal(settings.PRICE_GUARD_NEW_SHARE)
    bounds = {}
    for key, (median, new) in _product_bounds(product_ids).items():
        candidates = [((Decimal(median) * median_share).quantize(CENT), "median")] if median else []
        if new:
            candidates.append(((new * new_share).quantize(CENT), "new"))
        if candidates:
            bounds[key] = max(candidates)
    return bounds


def _product_bounds(product_ids: set[int]) -> dict[tuple[int, str], tuple]:
    """(median, price new) of each grade of these products, in two queries: the medians of every
    product × grade grouped in one pass over their buyable offers (the buy-box index), which at
    100,000 offers takes less than half the time of a median subquery per product and grade."""
    from catalog.models import Grade

    news = _new_prices(product_ids)
    medians = {(product_id, grade): median for product_id, grade, median in
               Listing.objects.buyable().filter(product_id__in=product_ids)
               .values_list("product_id", "grade").annotate(median=_Median("price")).order_by()}
    return {(pk, grade): (medians.get((pk, grade)), new)
            for pk, new in news.items() for grade in Grade.values}


def _held_portable(*, seller_id: int, rows: list, priced: list) -> tuple[list, list]:
    from .ledger import RowResult

    existing = {sku: (product_id, grade, price) for sku, product_id, grade, price in
                Listing.objects.filter(seller_id=seller_id, sku__in=[row.sku for row in priced])
                .values_list("sku", "product_id", "grade", "price")}
    items = []
    for row in priced:
        if row.sku in existing:
            product_id, grade, price = existing[row.sku]
            if price == row.price:
                continue
        elif row.product_id is not None and row.grade:
            product_id, grade = row.product_id, row.grade
        else:
            continue
        items.append((row.key, product_id, grade, row.price))
    return _split(rows, low_prices(items), RowResult)


def _split(rows: list, held: dict, result_class) -> tuple[list, list]:
    if not held:
        return rows, []
    hint = _("Confirm it with confirm_low_price set to yes (the row was not applied).")
    return ([row for row in rows if row.key not in held],
            [result_class(row.key, row.sku, "held", {"price": [f"{held[row.key]} {hint}"]}) for row in rows
             if row.key in held])
