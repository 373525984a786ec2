"""The proof of the ledger: each listing's numbers against its movements and its live orders."""
from dataclasses import dataclass

from django.db import connection

from ..models import StockMovement

# The seller-order states that hold stock: placed and not yet paid, paid, accepted (shipping
# consumes the units; cancelling or expiry gives them back).
HOLDING_STATES = ("awaiting_payment", "paid", "accepted")

assert StockMovement._meta.db_table == "sellers_stockmovement"

_MISMATCHES_SQL = """
SELECT l.id, l.sku, l.quantity, l.allocated, COALESCE(m.quantity, 0), COALESCE(m.allocated, 0),
       COALESCE(h.units, 0)
FROM sellers_listing AS l
LEFT JOIN (SELECT listing_id, SUM(quantity_delta) AS quantity, SUM(allocated_delta) AS allocated
           FROM sellers_stockmovement GROUP BY listing_id) AS m ON m.listing_id = l.id
LEFT JOIN (SELECT line.listing_id, SUM(line.quantity) AS units
           FROM orders_orderline AS line
           JOIN orders_sellerorder AS so ON so.id = line.seller_order_id
           WHERE so.state IN (%s, %s, %s) GROUP BY line.listing_id) AS h ON h.listing_id = l.id
WHERE l.quantity <> COALESCE(m.quantity, 0) OR l.allocated <> COALESCE(m.allocated, 0)
   OR l.allocated <> COALESCE(h.units, 0)
ORDER BY l.id
"""


@dataclass(frozen=True)
class StockMismatch:
    listing_id: int
    sku: str
    quantity: int
    allocated: int
    movements_quantity: int
    movements_allocated: int
    held_by_orders: int

    def describe(self) -> str:
        problems = []
        if self.quantity != self.movements_quantity:
            problems.append(f"quantity {self.quantity} but movements sum to {self.movements_quantity}")
        if self.allocated != self.movements_allocated:
            problems.append(f"allocated {self.allocated} but movements sum to {self.movements_allocated}")
        if self.allocated != self.held_by_orders:
            problems.append(f"allocated {self.allocated} but live orders hold {self.held_by_orders}")
        return f"listing {self.listing_id} ({self.sku}): " + "; ".join(problems)


def stock_mismatches() -> list[StockMismatch]:
    """Every listing whose quantity or allocated is not the sum of its movements, or whose allocated
    is not the units its live orders hold (one query over the whole table)."""
    with connection.cursor() as cursor:
        cursor.execute(_MISMATCHES_SQL, HOLDING_STATES)
        return [StockMismatch(*row) for row in cursor.fetchall()]


_ORPHANS_SQL = """
SELECT m.listing_id, COUNT(*) FROM sellers_stockmovement AS m
LEFT JOIN sellers_listing AS l ON l.id = m.listing_id WHERE l.id IS NULL
GROUP BY m.listing_id ORDER BY m.listing_id
"""


def stock_orphan_movements() -> list[tuple[int, int]]:
    """(listing id, movements) of movements whose listing does not exist (the table has no database
    foreign key, for the bulk import's speed; the ledger and Django's PROTECT keep this empty)."""
    with connection.cursor() as cursor:
        cursor.execute(_ORPHANS_SQL)
        return cursor.fetchall()

