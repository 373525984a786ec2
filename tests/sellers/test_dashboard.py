"""Dashboard figures from real orders and listings; the daily low-stock e-mail task."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, SellerOrder
from sellers.backoffice import seller_dashboard
from sellers.tasks import send_low_stock_alerts
from tests.factories import ListingFactory, SellerFactory, SellerMemberFactory

pytestmark = pytest.mark.django_db


def _seller_order(seller, *, state, total, paid_days_ago, number):
    order = Order.objects.create(
        number=number, email="shopper@example.test", ship_full_name="S", ship_line1="1 rue",
        ship_postal_code="75001", ship_city="Paris", ship_country="FR", subtotal=total,
        shipping_total=Decimal("0"), total=total)
    return SellerOrder.objects.create(
        order=order, seller=seller, state=state, subtotal=total, shipping_fee=Decimal("0"), total=total,
        commission_rate=Decimal("0.1"), paid_at=timezone.now() - timedelta(days=paid_days_ago))


def test_dashboard_is_all_zero_without_orders_and_says_so(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    page = client.get(reverse("sellers:dashboard")).content.decode()
    assert "No sales yet in the last 30 days" in page
    assert "Nothing to do: no paid order is waiting for you." in page
    figures = seller_dashboard(seller=member.seller)
    assert figures.orders_total == 0 and figures.revenue_total == Decimal("0")
    assert len(figures.days) == 30 and figures.winning_share is None


def test_dashboard_sums_real_orders_of_the_last_30_days_only(client):
    member = SellerMemberFactory()
    seller = member.seller
    _seller_order(seller, state=SellerOrder.State.PAID, total=Decimal("100.00"), paid_days_ago=0,
                  number="ORD-MINE-A1")
    _seller_order(seller, state=SellerOrder.State.DELIVERED, total=Decimal("250.50"), paid_days_ago=3,
                  number="A2")
    _seller_order(seller, state=SellerOrder.State.CANCELLED, total=Decimal("999.00"), paid_days_ago=1,
                  number="A3")
    _seller_order(seller, state=SellerOrder.State.DELIVERED, total=Decimal("500.00"), paid_days_ago=40,
                  number="A4")
    _seller_order(SellerFactory(), state=SellerOrder.State.PAID, total=Decimal("77.00"), paid_days_ago=0,
                  number="ORD-OTHER-B1")
    figures = seller_dashboard(seller=seller)
    assert figures.orders_total == 2
    assert figures.revenue_total == Decimal("350.50")
    assert figures.awaiting_count == 1 and figures.awaiting_orders[0].order.number == "ORD-MINE-A1"
    assert figures.days[-1].revenue == Decimal("100.00")
    client.force_login(member.user)
    page = client.get(reverse("sellers:dashboard")).content.decode()
    assert "€350.50" in page and "ORD-MINE-A1" in page and "ORD-OTHER-B1" not in page
    waiting = figures.awaiting_orders[0]
    assert reverse("sellers:order_detail", args=[waiting.pk]) in page  # one click to act on it
    assert "<svg" in page and 'role="img"' in page and "<table" in page


def test_dashboard_shows_lost_buy_boxes_low_stock_and_the_winning_share(client):
    member = SellerMemberFactory(seller__rating=Decimal("4.0"))
    seller = member.seller
    winning = ListingFactory(seller=seller, price=Decimal("300"), quantity=10)
    losing = ListingFactory(seller=seller, price=Decimal("300"), quantity=10)
    ListingFactory(product=losing.product, grade=losing.grade, price=Decimal("280"))
    low = ListingFactory(seller=seller, quantity=2)
    ListingFactory(seller=seller, quantity=1, is_active=False)  # paused: not low-stock, not on sale
    figures = seller_dashboard(seller=seller)
    assert figures.buyable_count == 3 and figures.winning_count == 2 and figures.winning_share == 67
    assert [row.listing.pk for row in figures.losing] == [losing.pk]
    assert figures.losing[0].position.price_to_win == Decimal("279.99")
    assert [listing.pk for listing in figures.low_stock] == [low.pk] and figures.low_stock_count == 1
    client.force_login(member.user)
    page = client.get(reverse("sellers:dashboard")).content.decode()
    assert "67 %" in page and "€279.99" in page and low.sku in page
    assert winning.pk != losing.pk


@pytest.mark.parametrize("count", [2, 40])
def test_dashboard_query_count_does_not_grow(client, django_assert_max_num_queries, count):
    member = SellerMemberFactory()
    for i in range(count):
        listing = ListingFactory(seller=member.seller, quantity=i % 4)
        ListingFactory(product=listing.product, grade=listing.grade, price=Decimal("10"))
        _seller_order(member.seller, state=SellerOrder.State.PAID, total=Decimal("10"), paid_days_ago=i % 30,
                      number=f"N{i}")
    client.force_login(member.user)
    # 14: the seller's boxes competed in, held and lost are one query over the stored boxes.
    with django_assert_max_num_queries(14):
        assert client.get(reverse("sellers:dashboard")).status_code == 200


def test_low_stock_email_goes_to_opted_in_sellers_once_a_day():
    member = SellerMemberFactory()
    low = ListingFactory(seller=member.seller, quantity=3, allocated=1, sku="LOW-1")
    ListingFactory(seller=member.seller, quantity=50, sku="PLENTY-1")
    opted_out = SellerMemberFactory(seller__low_stock_alerts=False)
    ListingFactory(seller=opted_out.seller, quantity=1)
    assert send_low_stock_alerts.delay().get() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert member.user.email in message.to and opted_out.user.email not in message.to
    assert "LOW-1" in message.body and "2 units" in message.body and "PLENTY-1" not in message.body
    assert "/seller/listings/?stock=low" in message.body
    assert low.pk
    # Safe to run twice: the second run of the day sends nothing.
    assert send_low_stock_alerts.delay().get() == 0
    assert len(mail.outbox) == 1


def test_low_stock_email_skips_sellers_with_healthy_stock_and_suspended_sellers():
    healthy = SellerMemberFactory()
    ListingFactory(seller=healthy.seller, quantity=20)
    suspended = SellerMemberFactory(seller__status="suspended")
    ListingFactory(seller=suspended.seller, quantity=1)
    assert send_low_stock_alerts.delay().get() == 0 and not mail.outbox
