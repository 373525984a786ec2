"""The stock ledger: the only writer of a listing's `quantity` and `allocated`.

Every change is a StockMovement row written in the same transaction: single listings through
`writes` (create, set, allocate, release, consume, restock), batches of rows through `bulk` (the
CSV import and the bulk API, set-based). `stock_check` (checks.py) proves the sums.
"""
from .bulk import RowInput, RowResult, listings_apply_bulk
from .writes import (
    STOCK_FIELDS,
    Reason,
    StockCause,
    stock_allocate,
    stock_allocate_one,
    stock_allocations_record,
    stock_cause,
    stock_consume,
    stock_listing_insert,
    stock_listings_insert,
    stock_release,
    stock_restock,
    stock_set,
)

__all__ = [
    "STOCK_FIELDS", "Reason", "RowInput", "RowResult", "StockCause", "listings_apply_bulk", "stock_allocate",
    "stock_allocate_one", "stock_allocations_record", "stock_cause", "stock_consume", "stock_listing_insert",
    "stock_listings_insert", "stock_release", "stock_restock", "stock_set",
]
