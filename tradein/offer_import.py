"""The bulk CSV (or XLSX) of trade-in offers, a kind of file of the stock import machinery
(sellers.stock_sync.kinds): the same upload check, encodings, separators, number formats, stored
import, report and failed-rows file as stock files. Each row is saved by offers.offer_save (a product)
or offers.offer_save_for_model (a model and storage: one offer, one cap for all its variants)."""
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Product
from marketplace.numbers import NumberError, parse_decimal
from sellers.ledger import RowResult
from sellers.models import StockImport
from sellers.stock_sync.kinds import FileKind
from sellers.stock_sync.rows import products_by_reference, reference_error, unquote_formula
from sellers.stock_sync.words import FALSE_WORDS, HEADER_NAMES, TRUE_WORDS, _table, fold
from sellers.stock_sync.worker import _finish, _record

from .models import Condition
from .offers import offer_save, offer_save_for_model

KIND = "trade_in_offers"
# A row names a product by its reference, or every variant of a model with a storage (model, storage_gb):
# one offer whose cap counts all those variants together.
COLUMNS = ("product_reference", "model", "storage_gb", "condition", "price", "cap", "active")
REQUIRED = ("condition", "price", "cap")
HEADERS = {
    **{word: column for word, column in HEADER_NAMES.items() if column in ("product_reference", "price")},
    **_table({
        "condition": ("etat", "estado", "zustand", "trade_in_condition", "grade"),
        "cap": ("max", "wanted", "quantity", "qty", "quantite", "cantidad", "menge", "plafond", "limite"),
        "active": ("actif", "activo", "aktiv", "enabled", "on"),
        "model": ("modele", "modelo", "modell", "model_name", "device"),
        "storage_gb": ("storage", "stockage", "capacite", "capacity", "almacenamiento", "speicher", "gb",
                       "go"),
    }),
}
CONDITION_WORDS = _table({
    Condition.FLAWLESS: ("parfait", "parfait etat", "perfecto", "einwandfrei", "mint", "like new"),
    Condition.WORN: ("used", "use", "rayures", "desgastado", "gebraucht", "scratched"),
    Condition.CRACKED: ("broken screen", "ecran casse", "casse", "roto", "pantalla rota", "gebrochen"),
    Condition.DEAD: ("does not power on", "doesn't power on", "ne s'allume pas", "no enciende",
                     "schaltet nicht ein", "hs", "broken"),
})


def _cells(columns: tuple[str, ...], row: list[str]) -> dict[str, str]:
    return {column: unquote_formula(row[at].strip()) for at, column in enumerate(columns)
            if column and at < len(row)}


def _row_values(cells: dict[str, str], decimal_mark) -> tuple[dict, dict[str, list[str]]]:
    values, errors = {}, {}
    for column in REQUIRED:
        if not cells.get(column):
            errors[column] = [_("This column is required.")]
    if not cells.get("product_reference") and not (cells.get("model") and cells.get("storage_gb")):
        errors["product_reference"] = [_("Name the product (product_reference), or a model and its "
                                         "storage (model, storage_gb).")]
    if cells.get("condition"):
        word = CONDITION_WORDS.get(fold(cells["condition"]))
        if word is None:
            errors["condition"] = [_("Choose a condition: %(names)s.")
                                   % {"names": ", ".join(Condition.values)}]
        values["condition"] = word
    for column in ("price", "cap"):
        if cells.get(column):
            try:
                values[column] = parse_decimal(cells[column], decimal_mark=decimal_mark)
            except NumberError as exc:
                errors[column] = [str(exc)]
    active = fold(cells.get("active", "") or "yes")
    if active not in TRUE_WORDS | FALSE_WORDS:
        errors["active"] = [_("Enter yes or no (or true/false, 1/0, oui/non, sí/no, ja/nein).")]
    values["is_active"] = active in TRUE_WORDS
    return values, errors


def offer_import_apply(stock_import: StockImport, checked) -> None:
    """Saves each row as an offer (its own transaction: a bad row fails alone, with its line)."""
    rows = [(line, _cells(checked.columns, row)) for line, row in checked.rows]
    references = {cells.get("product_reference", "") for _line, cells in rows} - {""}
    by_reference, _inactive = products_by_reference(references)
    products = Product.objects.in_bulk(set(by_reference.values()))
    seller, user = stock_import.seller, stock_import.uploaded_by
    results, counts = [], Counter()
    for line, cells in rows:
        values, errors = _row_values(cells, checked.decimal_mark)
        errors.update(checked.row_errors.get(line, {}))
        reference = cells.get("product_reference", "")
        product = products.get(by_reference.get(reference))
        if reference and product is None:
            errors["product_reference"] = [reference_error(reference)]
        if not errors:
            try:
                with transaction.atomic():
                    if product is not None:
                        _offer, status = offer_save(seller=seller, product=product, actor=user, **values)
                    else:
                        _offer, status = offer_save_for_model(
                            seller=seller, model_ref=cells["model"], storage_gb=cells["storage_gb"],
                            actor=user, **values)
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"row": exc.messages}
        status = "failed" if errors else status
        counts[status] += 1
        results.append(RowResult(key=line, sku=reference or cells.get("model", ""), status=status,
                                 errors=errors))
    stock_import.processed_rows = len(rows)
    _record(stock_import, results)
    stock_import.save(update_fields=["processed_rows", "created_count", "updated_count", "unchanged_count",
                                     "failed_count", "errors"])
    _finish(stock_import)


OFFER_FILE_KIND = FileKind(name=KIND, columns=COLUMNS, required=REQUIRED, header_names=HEADERS,
                           number_columns=("price", "cap"), apply=offer_import_apply)
