"""Two workers draining the same endpoint at once (real threads, real connections): each event
is sent once, in order — the endpoint's lease lets one of them send and the other leave it."""
import json
import threading

import pytest
from django.db import connection, transaction

from sellers import webhooks
from sellers.models import WebhookAttempt, WebhookDelivery
from sellers.webhook_delivery import webhook_endpoint_drain
from sellers.webhooks import event_record, webhook_endpoint_create
from tests.orders.fulfil_support import seller_setup
from tests.sellers.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workers_on_one_endpoint_send_each_event_once_and_in_order(monkeypatch):
    monkeypatch.setattr(webhooks, "_kick_on_commit", lambda endpoint_ids: None)  # the two workers send
    receiver = Receiver()
    try:
        seller, _listing = seller_setup()
        endpoint, _secret = webhook_endpoint_create(seller=seller, url=receiver.url,
                                                    event_types=["seller_order.paid"])
        with transaction.atomic():
            for n in range(60):
                event_record(seller_id=seller.pk, type="seller_order.paid", payload={"n": n})
        receiver.delay = 0.002  # long enough for the two to overlap
        start, results = threading.Barrier(2), []

        def worker():
            try:
                start.wait()
                results.append(webhook_endpoint_drain(endpoint_id=endpoint.pk))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [0, 60]  # one sent them all, the other found the endpoint taken
        sent = [json.loads(body)["data"]["n"] for _p, _h, body in receiver.hits]
        assert sent == list(range(60))  # in order, no event twice
        assert WebhookAttempt.objects.count() == 60
        assert not WebhookDelivery.objects.filter(status="pending").exists()
    finally:
        receiver.stop()
