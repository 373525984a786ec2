"""Payouts: commission at the seller's rate, refunds and returns, the return window, the ledger
reconciled to the cent, idempotent computation, payouts recorded by staff, and the pages."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orders import fulfilment, tasks
from orders.models import PayoutEntry
from tests.factories import SellerMemberFactory, UserFactory

from .fulfil_support import paid_order, seller_setup, to_state

pytestmark = pytest.mark.django_db


def ledger(seller):
    return {kind: sum((e.amount for e in PayoutEntry.objects.filter(seller=seller, kind=kind)), Decimal("0"))
            for kind in PayoutEntry.Kind.values}


def test_payable_after_delivery_plus_return_window_with_commission_refunds_and_returns(
        settings, django_capture_on_commit_callbacks):
    seller, phone = seller_setup(price=Decimal("399.00"), quantity=5, commission_rate=Decimal("0.1200"),
                                 shipping_fee=Decimal("4.90"))
    case = seller_setup(price=Decimal("19.99"), quantity=5)[1]
    case.seller = seller
    case.save()
    # Order A: 2 phones + 1 case = 817.98 goods + 4.90 shipping = 822.89; the case is returned.
    a = to_state(paid_order(lines=[(phone, 2), (case, 1)]).seller_orders.get(), "delivered")
    # Order B: 1 phone, a 25.00 goodwill refund.
    b = to_state(paid_order(lines=[(phone, 1)]).seller_orders.get(), "delivered")
    # Order C: refused, refunded in full: nothing earned, nothing owed.
    c = paid_order(lines=[(phone, 1)]).seller_orders.get()
    with django_capture_on_commit_callbacks(execute=True):
        case_line = a.lines.get(listing=case)
        ret = fulfilment.return_request_create(order_line=case_line, reason="changed_mind", comment="Blue")
        fulfilment.return_accept(ret=ret)
        fulfilment.refund_create(seller_order=b, amount=Decimal("25.00"), reason="Dent", idempotency_key="b")
        fulfilment.seller_order_refuse(seller_order=c, reason="No stock")
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.commission_amount == Decimal("98.16")  # 817.98 × 12 % = 98.1576

    window_end = max(a.delivered_at, b.delivered_at) + timedelta(days=settings.RETURN_WINDOW_DAYS, minutes=1)
    # An open return holds order A back; B is settled.
    assert fulfilment.payouts_compute(now=window_end) == 1
    assert ledger(seller) == {"earning": Decimal("403.90"), "refund": Decimal("-25.00"),
                              "commission": Decimal("-44.88"), "payout": Decimal("0"),  # (399 − 25) × 12 %
                              "trade_in": Decimal("0"), "trade_in_fee": Decimal("0")}
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.return_mark_received(ret=ret)
    assert fulfilment.payouts_compute(now=window_end) == 1
    assert fulfilment.payouts_compute(now=window_end) == 0  # idempotent
    a.refresh_from_db()
    assert a.refunded_amount == Decimal("19.99") and a.commission_amount == Decimal("95.76")
    assert ledger(seller) == {
        "earning": Decimal("403.90") + Decimal("822.89"),
        "refund": Decimal("-25.00") + Decimal("-19.99"),
        "commission": Decimal("-44.88") + Decimal("-95.76"),
        "payout": Decimal("0"), "trade_in": Decimal("0"), "trade_in_fee": Decimal("0"),
    }
    summary = fulfilment.payout_summary(seller=seller)
    assert summary.payable == Decimal("1041.16")
    assert summary.earned - summary.refunded - summary.commission - summary.paid == summary.payable

    payout = fulfilment.payout_record(seller=seller, reference="SEPA-1", actor=UserFactory(is_staff=True))
    assert payout.amount == Decimal("1041.16")
    summary = fulfilment.payout_summary(seller=seller)
    assert (summary.payable, summary.paid) == (Decimal("0.00"), Decimal("1041.16"))
    with pytest.raises(ValidationError, match="Nothing is payable"):
        fulfilment.payout_record(seller=seller, reference="SEPA-2026-002")


def test_nothing_is_payable_inside_the_return_window(settings):
    seller, listing = seller_setup()
    seller_order = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "delivered")
    assert fulfilment.payouts_compute(now=seller_order.delivered_at + timedelta(days=29)) == 0
    summary = fulfilment.payout_summary(seller=seller)
    assert summary.payable == 0
    assert summary.pending == Decimal("403.90") - Decimal("47.88")
    assert tasks.compute_payouts() == 0  # the scheduled task, today: still within the window


def test_a_refund_after_settlement_is_refused():
    seller, listing = seller_setup()
    seller_order = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "delivered")
    fulfilment.payouts_compute(now=seller_order.delivered_at + timedelta(days=31))
    seller_order.refresh_from_db()
    with pytest.raises(fulfilment.RefundError, match="payout ledger"):
        fulfilment.refund_create(seller_order=seller_order, amount=Decimal("5.00"), reason="late",
                                 idempotency_key="late-1")


def test_a_payout_above_the_balance_is_refused():
    seller, listing = seller_setup()
    seller_order = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "delivered")
    fulfilment.payouts_compute(now=seller_order.delivered_at + timedelta(days=31))
    with pytest.raises(ValidationError, match="At most 356.02"):
        fulfilment.payout_record(seller=seller, reference="X", amount=Decimal("400.00"))
    with pytest.raises(ValidationError, match="reference"):
        fulfilment.payout_record(seller=seller, reference=" ")


def test_payouts_page_shows_the_ledger_and_the_admin_shows_the_balance(client, django_assert_max_num_queries):
    seller, listing = seller_setup()
    for _ in range(3):
        so = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "delivered")
    fulfilment.payouts_compute(now=so.delivered_at + timedelta(days=31))
    member = SellerMemberFactory(seller=seller).user
    client.force_login(member)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("sellers:payouts"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "€1,068.06" in page  # 3 × (403.90 − 47.88)
    assert page.count("Commission") >= 4
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:orders_payoutentry_changelist") + f"?seller__id__exact={seller.pk}")
    assert response.status_code == 200
    assert "€1,068.06" in response.content.decode()
