"""The generated stock ledger: the allocations live orders hold and every listing's opening movement."""
from __future__ import annotations

# A generated marketplace holds what `manage.py stock_check` proves of a real one: each listing's
# allocated is the units its live seller orders hold (awaiting payment, paid, accepted; on hand
# raised to cover them), and its numbers are its opening stock movement.
_LEDGER_SQL = (
    "UPDATE sellers_listing AS l SET allocated = COALESCE(h.units, 0), "
    "quantity = GREATEST(l.quantity, COALESCE(h.units, 0)) "
    "FROM sellers_listing AS x LEFT JOIN (SELECT line.listing_id, SUM(line.quantity) AS units "
    "FROM orders_orderline AS line JOIN orders_sellerorder AS so ON so.id = line.seller_order_id "
    "WHERE so.state IN ('awaiting_payment', 'paid', 'accepted') GROUP BY line.listing_id) AS h "
    "ON h.listing_id = x.id WHERE x.id = l.id AND (l.allocated <> COALESCE(h.units, 0) "
    "OR l.quantity < COALESCE(h.units, 0)); "
    "INSERT INTO sellers_stockmovement (listing_id, seller_id, quantity_delta, allocated_delta, reason, "
    "created_at) SELECT id, seller_id, quantity, allocated, 'opening', created_at FROM sellers_listing "
    "WHERE quantity <> 0 OR allocated <> 0 ORDER BY id"
)
_BUYABLE_SQL = (
    "SELECT COUNT(*) FROM sellers_listing AS l JOIN sellers_seller AS s ON s.id = l.seller_id "
    "WHERE l.is_active AND l.archived_at IS NULL AND l.quantity > l.allocated AND s.status = 'approved'"
)


def gen_stock_ledger(cursor) -> int:
    """Allocations that live orders hold and every listing's opening movement; returns the buyable
    listings (the allocations moved)."""
    cursor.execute(_LEDGER_SQL)
    cursor.execute(_BUYABLE_SQL)
    return cursor.fetchone()[0]
