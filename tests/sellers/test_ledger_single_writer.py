"""Nothing but sellers.ledger writes a listing's quantity or allocated.

The code base is parsed (ast, not grep, so comments and strings in docstrings do not count and
formatting cannot hide a call) and every construct that can write those columns is reported:
an ORM update/create/bulk write naming them, a save() or bulk_update() listing them, an assignment
to `.allocated` or to the `.quantity` of a listing, and raw SQL that updates, inserts or copies into
sellers_listing. The scanner is tested on planted violations of each kind, so it cannot pass by
finding nothing. Runtime proof comes on top: stock_check and the property test compare every
listing with the sums of its movements.
"""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ["catalog", "marketplace", "orders", "sellers", "benchmarks"]
LEDGER = ROOT / "sellers" / "ledger"
# Benchmark baselines write the table on purpose, to measure the database alone (no app code);
# the generator writes its listings' opening movements with them.
ALLOWED = {
    ("benchmarks/import_bench.py", "raw SQL"),
    ("benchmarks/generator/ledger.py", "raw SQL"),
}
STOCK_FIELDS = {"quantity", "allocated"}
# Other models with a `quantity` (cart and order lines): their own writes are not stock.
OTHER_QUANTITY_MODELS = {"CartLine", "OrderLine", "line", "into", "order_line", "cart_line"}
WRITE_METHODS = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}
RAW_SQL = re.compile(r"\b(UPDATE|INSERT\s+INTO|COPY)\s+\"?sellers_listing\b", re.IGNORECASE)


def _chain_names(node: ast.AST) -> set[str]:
    names = set()
    while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        node = node.func if isinstance(node, ast.Call) else node.value
    if isinstance(node, ast.Name):
        names.add(node.id)
    return names


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _is_listing(names: set[str]) -> bool:
    return not names & OTHER_QUANTITY_MODELS


def stock_writes(source: str) -> list[tuple[int, str]]:
    """(line, kind) of every construct in `source` that may write quantity or allocated."""
    found = []
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            keywords = {kw.arg for kw in node.keywords}
            names = _chain_names(node.func.value)
            if method in WRITE_METHODS and keywords & STOCK_FIELDS and (
                    "allocated" in keywords or _is_listing(names)):
                found.append((node.lineno, f"{method}() with {sorted(keywords & STOCK_FIELDS)}"))
            for kw in node.keywords:
                if method in ("save", "bulk_update") and kw.arg in ("update_fields", "fields"):
                    fields = _strings(kw.value) & STOCK_FIELDS
                    if "allocated" in fields or (fields and _is_listing(names)):
                        found.append((node.lineno, f"{method}({kw.arg}={sorted(fields)})"))
            if method == "bulk_update" and len(node.args) > 1:
                fields = _strings(node.args[1]) & STOCK_FIELDS
                if "allocated" in fields or (fields and _is_listing(names)):
                    found.append((node.lineno, f"bulk_update({sorted(fields)})"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Listing":
            keywords = {kw.arg for kw in node.keywords}
            if keywords & STOCK_FIELDS and "pk" in keywords | {None} and "pk" in keywords:
                found.append((node.lineno, "Listing(pk=…, quantity=…) for a bulk write"))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for element in (target.elts if isinstance(target, ast.Tuple) else [target]):
                    if isinstance(element, ast.Attribute) and element.attr in STOCK_FIELDS:
                        owner = _chain_names(element.value)
                        if element.attr == "allocated" or "listing" in " ".join(owner).lower():
                            found.append((node.lineno, f"assignment to .{element.attr}"))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
              and RAW_SQL.search(node.value)):
            found.append((node.lineno, "raw SQL"))
    return found


def _python_files():
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if LEDGER in path.parents or "migrations" in path.parts:
                continue
            yield path


def test_nothing_outside_the_ledger_writes_quantity_or_allocated():
    offences = []
    for path in _python_files():
        relative = path.relative_to(ROOT).as_posix()
        for line, kind in stock_writes(path.read_text()):
            if (relative, kind) not in ALLOWED:
                offences.append(f"{relative}:{line}: {kind}")
    assert offences == [], "write stock through sellers.ledger:\n" + "\n".join(offences)


def test_the_scan_covers_the_apps_and_skips_only_the_ledger():
    scanned = {path.relative_to(ROOT).as_posix() for path in _python_files()}
    assert {"orders/services.py", "orders/fulfilment.py", "sellers/services.py", "sellers/admin.py",
            "sellers/stock_sync/worker.py", "sellers/api.py", "sellers/demo.py"} <= scanned
    assert not any(name.startswith("sellers/ledger/") for name in scanned)


@pytest.mark.parametrize(("source", "kind"), [
    ("Listing.objects.filter(pk=1).update(allocated=F('allocated') + 1)", "update() with ['allocated']"),
    ("Listing.objects.filter(pk=1).update(\n    quantity=3)", "update() with ['quantity']"),
    ("seller.listings.update(quantity=0)", "update() with ['quantity']"),
    ("Listing.objects.create(seller=s, quantity=5)", "create() with ['quantity']"),
    ("listing.save(update_fields=['price', 'quantity'])", "save(update_fields=['quantity'])"),
    ("locked.save(update_fields=('allocated',))", "save(update_fields=['allocated'])"),
    ("Listing.objects.bulk_update(rows, ['quantity', 'price'])", "bulk_update(['quantity'])"),
    ("Listing.objects.bulk_update(rows, fields=['allocated'])", "bulk_update(fields=['allocated'])"),
    ("listing.quantity = 4", "assignment to .quantity"),
    ("obj.allocated += 1", "assignment to .allocated"),
    ("x = Listing(pk=1, quantity=2)", "Listing(pk=…, quantity=…) for a bulk write"),
    ("cursor.execute('UPDATE sellers_listing SET quantity = 1')", "raw SQL"),
    ("SQL = ('INSERT INTO sellers_listing (seller_id, quantity) '\n       'VALUES (1, 2)')", "raw SQL"),
    ("cursor.copy_expert('COPY sellers_listing (id) FROM STDIN', f)", "raw SQL"),
])
def test_the_scanner_finds_each_kind_of_stock_write(source, kind):
    assert [found_kind for _line, found_kind in stock_writes(source)] == [kind]


@pytest.mark.parametrize("source", [
    "CartLine.objects.filter(cart=c).update(quantity=2)",
    "line.quantity = wanted",
    "into.save(update_fields=['quantity'])",
    "OrderLine(seller_order=so, quantity=line.quantity)",
    "def f():\n    '''UPDATE sellers_listing in a docstring is prose.'''",
    "Listing.objects.filter(pk=1).update(price=1)",
    "listing.save(update_fields=['is_active', 'archived_at', 'updated_at'])",
])
def test_the_scanner_leaves_other_writes_alone(source):
    assert stock_writes(source) == []
