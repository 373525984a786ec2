"""A suspended seller's paid orders are not stranded: the admin's suspend page names them (how
many, what they are worth) and staff reassign them to the next offer of the same product × grade
or cancel and refund them, on PostgreSQL, each refund created exactly once."""
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from orders.models import Refund, SellerOrder, SellerOrderTransition
from orders.suspension import CANCEL, REASSIGN, seller_open_orders, seller_open_orders_resolve
from sellers.models import Listing, Seller, StockMovement
from tests.factories import ListingFactory, SellerFactory, UserFactory

from .fulfil_support import paid_order, seller_setup, to_state
from .test_concurrency import run_concurrently

CHANGELIST = "admin:sellers_seller_changelist"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _act(client, sellers, **extra):
    return client.post(reverse(CHANGELIST), {"action": "suspend",
                                             "_selected_action": [s.pk for s in sellers], **extra})


def _stock_adds_up(*listings):
    for listing in listings:
        listing.refresh_from_db()
        moved = StockMovement.objects.filter(listing=listing)
        assert sum(moved.values_list("allocated_delta", flat=True)) == listing.allocated
        assert sum(moved.values_list("quantity_delta", flat=True)) == listing.quantity


@pytest.mark.django_db
def test_the_suspend_page_names_the_open_orders_their_value_and_the_choice(staff_client):
    seller, listing = seller_setup(quantity=5)
    paid_order(lines=[(listing, 1)])
    accepted = paid_order(lines=[(listing, 2)]).seller_orders.get()
    to_state(accepted, "accepted")
    shipped = paid_order(lines=[(listing, 1)]).seller_orders.get()
    to_state(shipped, "shipped")  # on its way: not stranded, not counted
    assert seller_open_orders(seller_ids=[seller.pk])[seller.pk].count == 2

    page = _act(staff_client, [seller]).content.decode()
    # 399.00 + 4.90 and 2 × 399.00 + 4.90
    assert "2 open orders worth €1,206.80" in page or "2 open orders worth 1,206.80" in page, page
    assert 'name="open_orders"' in page and 'value="reassign"' in page and 'value="cancel"' in page
    seller.refresh_from_db()
    assert seller.status == Seller.Status.APPROVED  # nothing done before confirming

    quiet = SellerFactory()
    page = _act(staff_client, [quiet]).content.decode()
    assert "no open orders" in page and 'name="open_orders"' not in page


@pytest.mark.django_db
def test_a_seller_with_open_orders_cannot_be_suspended_without_choosing(staff_client):
    seller, listing = seller_setup()
    paid_order(lines=[(listing, 1)])
    response = _act(staff_client, [seller], confirm="yes", reason="Fake IMEIs.")
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    seller.refresh_from_db()
    assert seller.status == Seller.Status.APPROVED


@pytest.mark.django_db
def test_reassign_moves_a_paid_order_to_the_next_offer_and_refunds_the_difference_once(
        staff_client, django_capture_on_commit_callbacks):
    seller, listing = seller_setup(price=Decimal("399.00"))
    old = paid_order(lines=[(listing, 1)]).seller_orders.get()
    other = SellerFactory(commission_rate=Decimal("0.1000"))
    cheaper = ListingFactory(seller=other, product=listing.product, grade=listing.grade,
                             price=Decimal("389.00"), quantity=2)
    dearer = ListingFactory(product=listing.product, grade=listing.grade, price=Decimal("409.00"), quantity=5)
    wrong_grade = ListingFactory(product=listing.product, grade="fair", price=Decimal("199.00"), quantity=5)

    with django_capture_on_commit_callbacks(execute=True):
        response = _act(staff_client, [seller], confirm="yes", reason="Fake IMEIs.", open_orders=REASSIGN)
    assert response.status_code == 302
    seller.refresh_from_db()
    assert seller.status == Seller.Status.SUSPENDED
    old.refresh_from_db()
    assert (old.state, old.cancel_cause) == (SellerOrder.State.CANCELLED, SellerOrder.CancelCause.STAFF)
    new = SellerOrder.objects.get(order=old.order, seller=other)
    assert new.state == SellerOrder.State.PAID and new.paid_at is not None
    line = new.lines.get()
    assert (line.listing, line.unit_price, line.quantity) == (cheaper, Decimal("389.00"), 1)
    assert (new.subtotal, new.shipping_fee, new.total) == (Decimal("389.00"), old.shipping_fee,
                                                           Decimal("389.00") + old.shipping_fee)
    assert new.commission_amount == Decimal("38.90")
    assert SellerOrderTransition.objects.filter(seller_order=new, to_state="paid").count() == 1
    # The €10 the cheaper offer saves goes back to the shopper, once.
    refunds = Refund.objects.filter(seller_order=old)
    assert [(r.amount, r.idempotency_key) for r in refunds] == [
        (Decimal("10.00"), f"refurb-so-{old.pk}-reassigned")]
    assert refunds.get().status == Refund.Status.SUCCEEDED
    listing.refresh_from_db()
    cheaper.refresh_from_db()
    assert (listing.allocated, cheaper.allocated) == (0, 1)
    _stock_adds_up(listing, cheaper, dearer, wrong_grade)

    # Running it again finds nothing open: no second order, no second refund.
    assert seller_open_orders_resolve(seller=seller, choice=REASSIGN).reassigned == []
    assert SellerOrder.objects.filter(order=old.order).count() == 2 and Refund.objects.count() == 1


@pytest.mark.django_db
def test_without_an_offer_at_or_below_the_price_paid_the_order_is_cancelled_and_refunded(
        staff_client, django_capture_on_commit_callbacks):
    seller, listing = seller_setup(price=Decimal("399.00"))
    old = paid_order(lines=[(listing, 1)]).seller_orders.get()
    ListingFactory(product=listing.product, grade=listing.grade, price=Decimal("450.00"), quantity=5)
    ListingFactory(product=listing.product, grade=listing.grade, price=Decimal("300.00"), quantity=0)
    with django_capture_on_commit_callbacks(execute=True):
        _act(staff_client, [seller], confirm="yes", reason="Fake IMEIs.", open_orders=REASSIGN)
    old.refresh_from_db()
    assert old.state == SellerOrder.State.REFUNDED and old.cancel_cause == SellerOrder.CancelCause.STAFF
    assert list(Refund.objects.values_list("amount", "idempotency_key")) == [
        (old.total, f"refurb-so-{old.pk}-cancel")]
    assert SellerOrder.objects.filter(order=old.order).count() == 1
    _stock_adds_up(listing)


@pytest.mark.django_db
def test_cancel_and_refund_hands_back_every_open_order_and_its_stock(staff_client,
                                                                     django_capture_on_commit_callbacks):
    seller, listing = seller_setup(quantity=5)
    first = paid_order(lines=[(listing, 1)]).seller_orders.get()
    second = to_state(paid_order(lines=[(listing, 2)]).seller_orders.get(), "accepted")
    ListingFactory(product=listing.product, grade=listing.grade, price=Decimal("300.00"), quantity=5)
    with django_capture_on_commit_callbacks(execute=True):
        _act(staff_client, [seller], confirm="yes", reason="Fake IMEIs.", open_orders=CANCEL)
    for seller_order in (first, second):
        seller_order.refresh_from_db()
        assert seller_order.state == SellerOrder.State.REFUNDED
        assert Refund.objects.filter(seller_order=seller_order).count() == 1
    listing.refresh_from_db()
    assert listing.allocated == 0
    _stock_adds_up(listing)


@pytest.mark.django_db
def test_open_orders_left_by_an_earlier_suspension_are_handed_over_now(staff_client,
                                                                       django_capture_on_commit_callbacks):
    seller, listing = seller_setup()
    old = paid_order(lines=[(listing, 1)]).seller_orders.get()
    Seller.objects.filter(pk=seller.pk).update(status=Seller.Status.SUSPENDED)
    with django_capture_on_commit_callbacks(execute=True):
        _act(staff_client, [seller], confirm="yes", reason="Orders left waiting.", open_orders=CANCEL)
    old.refresh_from_db()
    assert old.state == SellerOrder.State.REFUNDED


@pytest.mark.django_db(transaction=True)
def test_two_staff_resolving_at_once_refund_each_order_exactly_once():
    assert connection.vendor == "postgresql"
    seller, listing = seller_setup(quantity=4)
    orders = [paid_order(lines=[(listing, 1)]).seller_orders.get() for _ in range(3)]
    Seller.objects.filter(pk=seller.pk).update(status=Seller.Status.SUSPENDED)
    seller.refresh_from_db()
    results = run_concurrently([lambda: seller_open_orders_resolve(seller=seller, choice=CANCEL)] * 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(len(r.cancelled) for r in results) == 3  # each order cancelled by one of them
    for seller_order in orders:
        assert Refund.objects.filter(seller_order=seller_order).count() == 1
        moves = SellerOrderTransition.objects.filter(seller_order=seller_order, to_state="cancelled")
        assert moves.count() == 1
    listing = Listing.objects.get(pk=listing.pk)
    assert listing.allocated == 0
