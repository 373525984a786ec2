"""One writer per state: nothing but orders/states.py moves an order's status or a seller order's
or a return's state. The code base is read as Python (its syntax tree), so a rename or a line
break cannot hide a write; the scanner is proven on planted writes first."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["catalog", "sellers", "orders", "marketplace"]
THE_WRITER = ROOT / "orders" / "states.py"


def _names_an_order(node: ast.AST) -> bool:
    """`order`, `Order.objects…`, `seller_order`; not `order.payments…` (a payment's status)."""
    text = ast.unparse(node).lower()
    return "order" in text and not any(other in text for other in ("payment", "refund", "import"))


def state_writes(source: str) -> list[str]:
    """Each place that assigns `x.state`, an order's `.status`, or updates them in bulk."""
    found = []
    for node in ast.walk(ast.parse(source)):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Attribute) and (
                    target.attr == "state" or (target.attr == "status" and _names_an_order(target.value))):
                found.append(f"line {node.lineno}: {ast.unparse(target)} = …")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            if node.func.attr == "update":
                for keyword in node.keywords:
                    if keyword.arg == "state" or (keyword.arg == "status" and _names_an_order(receiver)):
                        found.append(f"line {node.lineno}: .update({keyword.arg}=…)")
            if node.func.attr == "bulk_update" and any(
                    isinstance(c, ast.Constant) and c.value in ("state", "status")
                    for arg in node.args for c in ast.walk(arg)) and _names_an_order(node):
                found.append(f"line {node.lineno}: bulk_update of a state")
    return found


@pytest.mark.parametrize("planted", [
    "seller_order.state = 'paid'",
    "so.state = S.SHIPPED",
    "order.status = Order.Status.REFUNDED",
    "SellerOrder.objects.filter(pk=1).update(state='cancelled', updated_at=now)",
    "order.seller_orders.filter(pk__in=ids).update(\n    state=State.PAID)",
    "Order.objects.filter(pk=1).update(status='paid')",
    "SellerOrder.objects.bulk_update(orders, ['state'])",
    "ret.state = R.REFUNDED",
])
def test_the_scanner_finds_a_planted_state_write(planted):
    assert state_writes(planted), planted


def test_the_scanner_leaves_other_statuses_alone():
    assert state_writes("payment.status = Payment.Status.FAILED\nseller.status = 'approved'\n"
                        "Payment.objects.filter(pk=1).update(status='cancelled')\n"
                        "order.payments.filter(pk__in=ids).update(status='cancelled')") == []


def test_only_orders_states_writes_order_and_seller_order_states():
    offenders = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path == THE_WRITER:
                continue
            writes = state_writes(path.read_text(encoding="utf-8"))
            if writes:
                offenders[str(path.relative_to(ROOT))] = writes
    assert not offenders, f"move these through orders.states: {offenders}"
    assert state_writes(THE_WRITER.read_text(encoding="utf-8")), "the writer itself must be seen writing"
