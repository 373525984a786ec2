"""Buy-box alerts: boxes won and lost found set-based, notices with an unread count, webhook events,
the import report's count, the daily digest (once, opt-out), and the seller's pages."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from sellers.buybox_watch import box_changes_detect
from sellers.models import Event, Seller, SellerNotice, StockImport
from sellers.notices import buy_box_digests_send
from sellers.services import listing_update
from sellers.stock_sync import stock_import_apply, stock_import_create
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory
from tests.sellers.factories_stock import csv_bytes, listing_row

pytestmark = pytest.mark.django_db
D = Decimal


def _unread(seller) -> int:
    return Seller.objects.get(pk=seller.pk).unread_notices


def test_a_box_taken_by_another_seller_is_lost_for_one_and_won_for_the_other():
    mine = ListingFactory(price=D("400.00"))
    changes = box_changes_detect([mine.product_id])
    assert [(c.won_by, c.lost_by) for c in changes] == [(mine.seller_id, None)]  # the first holder
    rival = ListingFactory(product=mine.product, grade=mine.grade, price=D("389.00"))
    (change,) = box_changes_detect([mine.product_id])
    assert (change.lost_by, change.won_by, change.price, change.old_price) == (
        mine.seller_id, rival.seller_id, D("389.00"), D("400.00"))
    assert box_changes_detect([mine.product_id]) == []  # seen once
    lost = SellerNotice.objects.get(seller=mine.seller, kind=SellerNotice.Kind.BOX_LOST)
    assert (lost.listing_id, lost.price, lost.other_price) == (mine.pk, D("400.00"), D("389.00"))
    assert _unread(mine.seller) == 2 and _unread(rival.seller) == 1
    types = list(Event.objects.filter(seller=mine.seller).values_list("type", flat=True).order_by("id"))
    assert types == ["buy_box.won", "buy_box.lost"]
    assert Event.objects.get(seller=rival.seller).payload["sku"] == rival.sku


def test_a_price_change_within_the_same_seller_is_no_alert():
    mine = ListingFactory(price=D("400.00"))
    box_changes_detect([mine.product_id])
    listing_update(listing=mine, price="390.00")
    assert box_changes_detect([mine.product_id]) == []


def test_detection_is_set_based(django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sellers.webhooks import event_record

    products = ProductFactory.create_batch(3)
    for product in products:
        ListingFactory(product=product)
    box_changes_detect([p.pk for p in products])
    more = ProductFactory.create_batch(12)
    for product in more:
        ListingFactory(product=product)
    rivals = [ListingFactory(product=p, price=D("300.00")) for p in products]
    with CaptureQueriesContext(connection) as one_event:
        event_record(seller_id=rivals[0].seller_id, type="buy_box.won", payload={})
    events = 2 * len(rivals) + len(more)  # a box changing hands is two events, a new box one
    # Locks, holders, winners, their writes, the notices, the sellers' counts and the SKUs: a fixed
    # number of queries for any number of boxes; then the outbox's own cost per event.
    with django_assert_max_num_queries(10 + len(one_event) * events):
        changes = box_changes_detect([p.pk for p in products + more])
    assert len(changes) == len(products) + len(more)


@pytest.mark.django_db(transaction=True)  # the batches commit: the watch runs after each
def test_the_import_report_counts_the_boxes_it_won_and_lost():
    member = SellerMemberFactory()
    products = ProductFactory.create_batch(3)
    other = SellerFactory()
    for product in products:
        ListingFactory(seller=other, product=product, price=D("400.00"))
    ListingFactory(seller=member.seller, product=products[2], sku="KEEP", price=D("390.00"))
    box_changes_detect([p.pk for p in products])  # the boxes as they stand before the file
    data = csv_bytes([listing_row(products[0], "WIN-0", price="380.00"),
                      listing_row(products[1], "WIN-1", price="381.00"),
                      listing_row(products[2], "KEEP", price="450.00")])
    stock_import = stock_import_create(seller=member.seller, uploaded_by=None, name="s.csv", data=data)
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()
    assert stock_import.status == StockImport.Status.DONE
    assert (stock_import.boxes_won, stock_import.boxes_lost) == (2, 1)


def test_daily_digest_goes_once_to_members_who_want_it():
    keen = SellerMemberFactory()
    quiet = SellerMemberFactory(seller=keen.seller, buy_box_digest=False)
    mine = ListingFactory(seller=keen.seller)
    box_changes_detect([mine.product_id])
    assert buy_box_digests_send() == 1
    assert buy_box_digests_send() == 0  # a retried task mails once
    (sent,) = mail.outbox
    assert sent.to == [keen.user.email] and quiet.user.email not in sent.to
    assert "1 won, 0 lost" in sent.subject and mine.sku in sent.body
    SellerNotice.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert buy_box_digests_send(now=timezone.now() + timedelta(days=1)) == 0  # nothing new: no e-mail


def test_notices_page_lists_them_marks_them_read_and_the_nav_shows_the_count(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    mine = ListingFactory(seller=member.seller)
    box_changes_detect([mine.product_id])
    dashboard = client.get(reverse("sellers:dashboard")).content.decode()
    assert 'class="badge badge-count"' in dashboard
    page = client.get(reverse("sellers:notices")).content.decode()
    assert "Buy box won" in page and mine.sku in page
    assert _unread(member.seller) == 0
    assert 'class="badge badge-count"' not in client.get(reverse("sellers:dashboard")).content.decode()


def test_a_member_turns_the_digest_off(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    assert client.post(reverse("sellers:notices_digest"), {}).status_code == 302
    member.refresh_from_db()
    assert member.buy_box_digest is False
    client.post(reverse("sellers:notices_digest"), {"buy_box_digest": "on"})
    member.refresh_from_db()
    assert member.buy_box_digest is True


def test_notices_and_repricing_pages_have_a_fixed_query_count(client, django_assert_max_num_queries):
    from sellers.models import PriceChange

    member = SellerMemberFactory()
    client.force_login(member.user)
    for count in (1, 8):
        listings = [ListingFactory(seller=member.seller) for _ in range(count)]
        box_changes_detect([listing.product_id for listing in listings])
        PriceChange.objects.bulk_create([PriceChange(
            listing=listing, seller=member.seller, source="rule", strategy="match", old_price=D("400"),
            new_price=D("390"), competitor_price=D("390.01")) for listing in listings])
        with django_assert_max_num_queries(12):
            assert client.get(reverse("sellers:notices")).status_code == 200
        with django_assert_max_num_queries(10):
            assert client.get(reverse("sellers:repricing")).status_code == 200


def test_recording_the_holders_once_sends_no_notice_and_later_changes_do():
    from django.core.management import call_command

    from sellers.models import BuyBoxHolder

    mine = ListingFactory(price=D("400.00"))
    call_command("buy_box_holders_record")
    assert BuyBoxHolder.objects.get(product=mine.product).seller_id == mine.seller_id
    assert not SellerNotice.objects.exists() and not Event.objects.exists()
    ListingFactory(product=mine.product, grade=mine.grade, price=D("380.00"))
    assert len(box_changes_detect([mine.product_id])) == 1
    assert SellerNotice.objects.filter(seller=mine.seller, kind=SellerNotice.Kind.BOX_LOST).exists()
