"""The checks after a load test: the stock ledger (`manage.py stock_check`) and the orders it placed."""
from __future__ import annotations

from datetime import datetime
from io import StringIO


def stock_check() -> dict:
    from django.core.management import CommandError, call_command

    out = StringIO()
    try:
        call_command("stock_check", stdout=out)
        ok = True
    except CommandError as exc:
        out.write(str(exc))
        ok = False
    lines = out.getvalue().strip().splitlines()
    return {"ok": ok, "summary": lines[-1] if lines else "", "mismatches": lines[:-1][:20]}


def orders_check(*, since: datetime, paid_by_users: int, cards_submitted: int) -> dict:
    """The orders the run placed: each paid one once, for its total, with its seller orders paid (or
    accepted); the others awaiting payment or cancelled with no payment taken; as many paid as the
    simulated shoppers saw paid, and at most as many as they submitted the success card."""
    from django.db.models import Count, Sum

    from orders.models import Order, Payment, SellerOrder

    orders = Order.objects.filter(created_at__gte=since)
    problems = []
    by_status = dict(orders.values_list("status").annotate(n=Count("pk")).order_by())
    paid = orders.filter(status=Order.Status.PAID)
    # Two grouped queries (one join each would multiply the other's rows).
    captured = {
        row["order_id"]: row
        for row in Payment.objects.filter(order__in=paid, status=Payment.Status.SUCCEEDED)
        .values("order_id")
        .annotate(amount=Sum("amount"), n=Count("pk"))
        .order_by()
    }
    parts = dict(
        SellerOrder.objects.filter(order__in=paid)
        .values("order_id")
        .annotate(total=Sum("total"))
        .order_by()
        .values_list("order_id", "total")
    )
    for order in paid.only("pk", "number", "total"):
        capture = captured.get(order.pk, {"amount": None, "n": 0})
        if capture["n"] != 1 or capture["amount"] != order.total:
            problems.append(
                f"order {order.number}: {capture['n']} succeeded payment(s) of {capture['amount']}, "
                f"total {order.total}"
            )
        if parts.get(order.pk) != order.total:
            problems.append(
                f"order {order.number}: seller orders add up to {parts.get(order.pk)}, total {order.total}"
            )
    wrong_parts = SellerOrder.objects.filter(order__in=paid).exclude(
        state__in=[SellerOrder.State.PAID, SellerOrder.State.ACCEPTED]
    )
    problems += [
        f"seller order {so.pk} of paid order {so.order.number} is {so.state}"
        for so in wrong_parts.select_related("order")[:20]
    ]
    unpaid_captured = Payment.objects.filter(
        order__in=orders.exclude(status=Order.Status.PAID), status=Payment.Status.SUCCEEDED
    )
    problems += [
        f"order {p.order.number} is {p.order.status} with a succeeded payment"
        for p in unpaid_captured.select_related("order")[:20]
    ]
    unexpected = set(by_status) - {Order.Status.PAID, Order.Status.AWAITING_PAYMENT, Order.Status.CANCELLED}
    if unexpected:
        problems.append(f"orders in unexpected states: {sorted(unexpected)}")
    paid_count = by_status.get(Order.Status.PAID, 0)
    # Users stopped at the end of a run may have paid without reading the answer.
    if not paid_by_users <= paid_count <= cards_submitted:
        problems.append(
            f"{paid_count} orders paid in the database, the shoppers saw {paid_by_users} paid and "
            f"submitted the success card {cards_submitted} times"
        )
    return {
        "ok": not problems,
        "by_status": by_status,
        "paid": paid_count,
        "paid_seen_by_shoppers": paid_by_users,
        "success_cards_submitted": cards_submitted,
        "problems": problems[:30],
    }
