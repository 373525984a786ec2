"""Stock sync in bulk: a seller's CSV or XLSX file checked at upload (file_check, workbook; the words
of four languages in words, numbers by marketplace.numbers), its rows validated with the services'
rules (rows), applied in batches by the threaded worker (worker), the failed rows sent back as
uploaded (failed_rows). The rows are
written, with their stock movements, by the stock ledger's set-based bulk writer
(sellers.ledger.bulk.listings_apply_bulk), which the API's bulk endpoint shares: the ledger is
the only writer of stock.
"""
from ..ledger import RowInput, RowResult, listings_apply_bulk
from .file_check import (
    BATCH_SIZE,
    COLUMNS,
    FORMULA_PREFIXES,
    MAX_FILE_BYTES,
    MAX_REPORTED_ERRORS,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    CheckedFile,
    decode_upload,
    normalise_header,
    stock_file_check,
    stock_import_create,
)
from .rows import parse_stock_rows, repeated_skus, unquote_formula
from .worker import stock_import_apply, stock_imports_resume_stalled

__all__ = [
    "BATCH_SIZE", "COLUMNS", "FORMULA_PREFIXES", "MAX_FILE_BYTES", "MAX_REPORTED_ERRORS", "MAX_ROWS",
    "REQUIRED_COLUMNS", "CheckedFile", "RowInput", "RowResult", "decode_upload", "listings_apply_bulk",
    "normalise_header", "parse_stock_rows", "repeated_skus", "stock_file_check", "stock_import_apply",
    "stock_import_create", "stock_imports_resume_stalled", "unquote_formula",
]
