"""The demo tells a believable story: every demo order's dates run in order (placed, paid, accepted,
shipped, delivered, then any return or review, all in the past), and the demo shopper has a delivered
order they can still return and review, from the order page."""
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from marketplace.demo import DEMO_PASSWORD
from orders import fulfilment
from orders.models import Order, ReturnRequest, SellerOrderTransition
from reviews.models import Review
from reviews.services import review_create

pytestmark = pytest.mark.django_db
PATH = ["awaiting_payment", "paid", "accepted", "shipped", "delivered"]


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--allow-demo-users", verbosity=0)


def test_every_demo_order_happens_in_order_and_in_the_past(demo):
    now = timezone.now()
    orders = Order.objects.filter(number__startswith="RDEMO").prefetch_related("seller_orders")
    assert orders.count() == 6
    for order in orders:
        assert order.created_at <= order.paid_at <= now, order.number
        for part in order.seller_orders.all():
            stamps = [order.created_at, part.paid_at, part.accepted_at, part.shipped_at, part.delivered_at]
            reached = [stamp for stamp in stamps if stamp is not None]
            assert reached == sorted(reached) and reached[-1] <= now, (order.number, stamps)
            transitions = list(SellerOrderTransition.objects.filter(seller_order=part)
                               .order_by("created_at", "pk"))
            states = [t.to_state for t in transitions if t.to_state in PATH]
            assert states == sorted(states, key=PATH.index), (order.number, states)
            assert all(t.created_at <= now for t in transitions)
            for ret in ReturnRequest.objects.filter(seller_order=part):
                assert part.delivered_at < ret.created_at <= now, order.number
            for review in Review.objects.filter(seller_order=part):
                assert part.delivered_at < review.created_at <= now, order.number


def test_the_demo_shopper_can_return_and_review_a_delivered_order(demo, client):
    order = Order.objects.get(number="RDEMO0006")
    part = order.seller_orders.get()
    assert part.state == "delivered" and (timezone.now() - part.delivered_at).days == 3
    assert not ReturnRequest.objects.filter(seller_order=part).exists()
    assert not Review.objects.filter(seller_order=part).exists()

    assert client.login(email=order.user.email, password=DEMO_PASSWORD)
    line = part.lines.get()
    html = client.get(reverse("orders:order_detail", args=[order.number])).content.decode()
    assert reverse("orders:return_request", args=[order.number, line.pk]) in html
    assert reverse("reviews:review_write", args=[part.pk]) in html

    review = review_create(seller_order=part, user=order.user, stars=5, comment="Like new.")
    ret = fulfilment.return_request_create(order_line=line, reason=ReturnRequest.Reason.CHANGED_MIND,
                                           comment="Too big for me.", user=order.user)
    assert review.pk and ret.state == ReturnRequest.State.REQUESTED
