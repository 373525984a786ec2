"""A seller connects their ERP in real Chromium: adds a webhook endpoint (the secret shown once),
sends a test event to a receiver that fails, sees the attempt, resends it and sees it delivered."""
import shutil
from pathlib import Path

import pytest

from sellers.models import WebhookAttempt, WebhookEndpoint
from tests.factories import ListingFactory, SellerMemberFactory
from tests.helpers import SCREENSHOTS, browser_login, journey_step
from tests.orders.fulfil_support import paid_order
from tests.sellers.webhook_receiver import Receiver, signature_verified

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOTES = Path("/work/notes/shots/h4")


def _keep(name: str) -> None:
    if NOTES.parent.exists():
        NOTES.mkdir(exist_ok=True)
        shutil.copy(SCREENSHOTS / f"{name}.png", NOTES / f"{name}.png")


def test_seller_adds_an_endpoint_sees_each_attempt_and_resends_a_failed_one(page, live_server):
    receiver = Receiver()
    try:
        member = SellerMemberFactory(seller__name="Green Phone Lab")
        listing = ListingFactory(seller=member.seller, quantity=5)
        browser_login(page, live_server, member.user.email)
        page.goto(f"{live_server.url}/seller/")
        page.get_by_role("link", name="Webhooks").click()
        page.get_by_role("heading", name="Webhooks").wait_for()
        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("seller_order.paid — A seller order is paid and waits for you to accept it").check()
        page.get_by_label("return.requested — A shopper asks to return an item").check()
        page.get_by_role("button", name="Add endpoint").click()
        secret = page.get_by_role("textbox", name="Secret").input_value()
        assert secret.startswith("whsec_")
        journey_step(page, "webhooks-secret-shown-once")
        _keep("webhooks-secret-shown-once")
        page.reload()
        assert secret not in page.content()  # shown once, and the reload made no second endpoint
        assert WebhookEndpoint.objects.count() == 1

        receiver.statuses = [500]
        paid_order(lines=[(listing, 1)])  # a seller_order.paid event: its first attempt fails
        page.goto(f"{live_server.url}/seller/webhooks/")
        page.get_by_role("link", name=receiver.url).click()
        page.get_by_role("button", name="Send a test event").click()
        page.get_by_text("A test event was sent").wait_for()
        rows = page.locator("table.webhook-deliveries tbody tr")
        assert rows.count() == 2
        assert "webhook.test" in rows.nth(0).inner_text() and "Delivered" in rows.nth(0).inner_text()
        failed = rows.nth(1)
        assert "seller_order.paid" in failed.inner_text() and "500" in failed.inner_text()
        assert "receiver says no" in failed.inner_text()  # the body excerpt
        failed.get_by_role("button", name="Resend").click()
        page.get_by_text("Sent again, with the same event id.").wait_for()
        paid_row = page.locator("table.webhook-deliveries tbody tr").nth(1)
        assert "Delivered" in paid_row.inner_text() and "on request" in paid_row.inner_text()
        assert page.get_by_text("Failing since").count() == 0  # the receiver works again
        journey_step(page, "webhooks-attempts")
        _keep("webhooks-attempts")

        _path, headers, body = receiver.hits[-1]
        assert signature_verified(secret, headers["Refurb-Signature"], body)
        assert WebhookAttempt.objects.count() == 3
        page.get_by_role("link", name="How to verify the signature").count()  # the docs link is on the list
        page.goto(f"{live_server.url}/seller/webhooks/signatures/")
        page.get_by_role("heading", name="The signature").wait_for()
        journey_step(page, "webhooks-signature-docs")
        _keep("webhooks-signature-docs")
        assert WebhookEndpoint.objects.get().event_types == ["seller_order.paid", "return.requested"]
        page.goto(f"{live_server.url}/seller/webhooks/")
        page.get_by_role("link", name=receiver.url).click()
        page.get_by_text("Delete…").click()  # two steps: a slip of the mouse deletes nothing
        assert WebhookEndpoint.objects.exists()
        journey_step(page, "webhooks-delete-confirm")
        _keep("webhooks-delete-confirm")
        page.get_by_role("button", name="Delete this endpoint").click()
        page.get_by_text("No endpoints yet.").wait_for()
        assert not WebhookEndpoint.objects.exists()
    finally:
        receiver.stop()
