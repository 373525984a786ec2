"""Every event type of issue 16 is written by the change that causes it, in its transaction: seller
orders paid, cancelled and auto-cancelled, a return requested, a stock import finished, low stock
and a payout recorded. The buy-box and repricing types are registered for the code that records
them."""
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction

from marketplace.api import api
from orders import fulfilment
from sellers.models import Event, WebhookDelivery
from sellers.services import low_stock_alerts_send
from sellers.stock_sync import stock_import_apply, stock_import_create
from sellers.webhooks import EVENT_TYPES, event_record, webhook_endpoint_create
from tests.factories import ListingFactory, ProductFactory
from tests.orders.fulfil_support import paid_order, seller_setup, to_state
from tests.sellers.factories_stock import csv_bytes, listing_row
from tests.sellers.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db


def _events(seller, type_):  # noqa: A002
    return list(Event.objects.filter(seller=seller, type=type_).order_by("id"))


def test_every_event_type_of_the_issue_is_registered_and_offered_by_the_api():
    assert set(EVENT_TYPES) == {
        "seller_order.paid", "seller_order.cancelled", "seller_order.auto_cancelled", "return.requested",
        "buy_box.lost", "buy_box.won", "listing.price_changed", "stock_import.finished",
        "listing.low_stock", "payout.recorded"}
    schema = api.get_openapi_schema(path_prefix="/api/v1")["components"]["schemas"]
    offered = schema["WebhookIn"]["properties"]["event_types"]["items"]["enum"]
    assert set(offered) == set(EVENT_TYPES)


def test_a_seller_order_not_accepted_in_time_is_an_auto_cancelled_event_and_a_refusal_a_cancelled_one():
    seller, listing = seller_setup(quantity=5)
    late = paid_order(lines=[(listing, 1)]).seller_orders.get()
    refused = paid_order(lines=[(listing, 1)]).seller_orders.get()
    fulfilment.seller_order_refuse(seller_order=refused, reason="No stock")
    fulfilment.seller_orders_cancel_unaccepted(
        now=late.paid_at + timedelta(hours=settings.SELLER_ACCEPT_HOURS, minutes=1))
    [auto] = _events(seller, "seller_order.auto_cancelled")
    assert auto.payload["seller_order_id"] == late.pk and auto.payload["cancel_cause"] == "not_accepted"
    [cancelled] = _events(seller, "seller_order.cancelled")
    assert (cancelled.payload["seller_order_id"], cancelled.payload["cancel_cause"]) == (
        refused.pk, "refused")
    assert len(_events(seller, "seller_order.paid")) == 2


def test_a_return_request_is_an_event_of_the_seller_written_with_the_return(
        django_capture_on_commit_callbacks):
    seller, listing = seller_setup()
    receiver = Receiver()
    try:
        webhook_endpoint_create(seller=seller, url=receiver.url, event_types=["return.requested"])
        seller_order = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "delivered")
        with django_capture_on_commit_callbacks(execute=True):
            ret = fulfilment.return_request_create(order_line=seller_order.lines.get(), reason="defective",
                                                   comment="The screen flickers")
        [event] = _events(seller, "return.requested")
        assert event.payload["return_id"] == ret.pk and event.payload["amount"] == "399.00"
        assert [json.loads(body)["type"] for _p, _h, body in receiver.hits] == ["return.requested"]
    finally:
        receiver.stop()


def test_a_refused_return_request_writes_no_event():
    seller, listing = seller_setup()
    seller_order = paid_order(lines=[(listing, 1)]).seller_orders.get()  # not delivered: refused
    with pytest.raises(fulfilment.TransitionError):
        fulfilment.return_request_create(order_line=seller_order.lines.get(), reason="defective", comment="x")
    assert _events(seller, "return.requested") == []


def test_a_recorded_payout_is_an_event_with_its_amount():
    seller, listing = seller_setup()
    seller_order = to_state(paid_order(lines=[(listing, 1)]).seller_orders.get(), "delivered")
    window_end = seller_order.delivered_at + timedelta(days=settings.RETURN_WINDOW_DAYS + 1)
    fulfilment.payouts_compute(now=window_end)
    payout = fulfilment.payout_record(seller=seller, reference="VIR-2026-12-01")
    [event] = _events(seller, "payout.recorded")
    assert event.payload == {"payout_id": payout.pk, "amount": str(payout.amount),
                             "reference": "VIR-2026-12-01", "balance_after": "0.00"}


def test_a_finished_stock_import_is_an_event_with_its_counts(django_capture_on_commit_callbacks):
    seller, _listing = seller_setup()
    product = ProductFactory()
    data = csv_bytes([listing_row(product, "NEW-1"), listing_row(product, "BAD-1", price="abc")])
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="stock.csv", data=data)
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import_apply(stock_import_id=stock_import.pk)  # a second run finishes nothing again
    [event] = _events(seller, "stock_import.finished")
    assert event.payload["stock_import_id"] == stock_import.pk
    assert (event.payload["status"], event.payload["created"], event.payload["failed"]) == ("done", 1, 1)


def test_low_stock_is_one_event_a_day_for_a_subscribed_seller_without_the_e_mail(mailoutbox):
    seller, _listing = seller_setup(quantity=50)
    seller.low_stock_alerts = False
    seller.save(update_fields=["low_stock_alerts"])
    low = ListingFactory(seller=seller, quantity=1)
    webhook_endpoint_create(seller=seller, url="https://erp.example.test/h",
                            event_types=["listing.low_stock"])
    low_stock_alerts_send()
    low_stock_alerts_send()  # the same day: claimed already
    [event] = _events(seller, "listing.low_stock")
    assert [item["sku"] for item in event.payload["listings"]] == [low.sku]
    assert event.payload["listings"][0]["available"] == 1
    assert WebhookDelivery.objects.filter(event=event).count() == 1
    assert mailoutbox == []  # the e-mail stays off


def test_a_seller_with_neither_the_e_mail_nor_a_subscription_gets_no_low_stock_event():
    seller, _listing = seller_setup(quantity=1)
    seller.low_stock_alerts = False
    seller.save(update_fields=["low_stock_alerts"])
    low_stock_alerts_send()
    assert _events(seller, "listing.low_stock") == []


def test_the_events_the_repricing_code_records_are_accepted():
    seller, listing = seller_setup()
    with transaction.atomic():
        for type_ in ("buy_box.lost", "buy_box.won", "listing.price_changed"):
            event_record(seller_id=seller.pk, type=type_, payload={"listing_id": listing.pk,
                                                                   "price": Decimal("389.00")})
    assert Event.objects.filter(seller=seller).count() == 3
