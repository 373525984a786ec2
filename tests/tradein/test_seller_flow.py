"""The seller's side and the money: received, inspected (confirmed or counter-offered with photos),
the shopper's answer, the deadlines as timed jobs, the payouts, and into stock through the ledger."""
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from orders.fulfilment import payout_summary
from orders.models import PayoutEntry
from sellers.ledger.checks import stock_mismatches
from sellers.models import Listing, StockMovement
from sellers.permissions import RoleForbidden
from tests.factories import ListingFactory
from tradein import services
from tradein.models import ShopperPayout, TradeIn, TradeInOffer
from tradein.payouts import shopper_payout_mark_sent
from tradein.stock import trade_in_to_stock

from .conftest import CRACKED, FLAWLESS, png_bytes, sell

pytestmark = pytest.mark.django_db
S = TradeIn.State


def photo(name="front.png", data=None):
    return SimpleUploadedFile(name, data if data is not None else png_bytes(), content_type="image/png")


@pytest.fixture
def received(offers, iphone, shopper, owner):
    trade_in = sell(shopper=shopper, product=iphone, answers=FLAWLESS)
    services.trade_in_mark_shipped(trade_in=trade_in, shopper=shopper, tracking="6A123")
    return services.trade_in_receive(trade_in=trade_in, actor=owner.user)


def test_inspection_is_due_three_business_days_after_receipt():
    friday = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("UTC"))
    assert services.business_days_after(friday, 3) == datetime(2026, 12, 9, 10, 0, tzinfo=ZoneInfo("UTC"))
    tuesday = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("UTC"))
    assert services.business_days_after(tuesday, 3).day == 4


def test_confirming_pays_the_quote_and_debits_the_seller_price_plus_commission(received, owner, settings):
    settings.TRADE_IN_COMMISSION_RATE = "0.05"
    before = payout_summary(seller=owner.seller).payable
    trade_in = services.trade_in_confirm(trade_in=received, actor=owner.user)
    assert (trade_in.state, trade_in.agreed_price, trade_in.commission) == (S.BOUGHT, Decimal("300.00"),
                                                                            Decimal("15.00"))
    payout = ShopperPayout.objects.get(trade_in=trade_in)
    assert (payout.amount, payout.status) == (Decimal("300.00"), "due")
    assert payout.iban == "FR7630006000011234567890189"
    entries = dict(PayoutEntry.objects.filter(trade_in=trade_in).values_list("kind", "amount"))
    assert entries == {"trade_in": Decimal("-300.00"), "trade_in_fee": Decimal("-15.00")}
    assert payout_summary(seller=owner.seller).payable == before - Decimal("315.00")
    assert [t.to_state for t in trade_in.transitions.all()] == ["accepted", "shipped", "received", "bought"]


def test_the_commission_follows_its_setting(received, owner, settings):
    settings.TRADE_IN_COMMISSION_RATE = "0.125"
    trade_in = services.trade_in_confirm(trade_in=received, actor=owner.user)
    assert trade_in.commission == Decimal("37.50")


def test_a_warehouse_member_handles_devices_but_cannot_put_them_in_stock(received, warehouse):
    trade_in = services.trade_in_confirm(trade_in=received, actor=warehouse.user)
    with pytest.raises(RoleForbidden):
        trade_in_to_stock(trade_in=trade_in, actor=warehouse.user, grade="good", price="399")


@pytest.mark.parametrize("price, reason, photos, field", [
    ("300", "scratched", "ok", "price"),  # not lower than the quote
    ("0", "scratched", "ok", "price"),
    ("120", "  ", "ok", "reason"),
    ("120", "scratched", "none", "photos"),
    ("120", "scratched", "fake", "photos"),  # a text file named .png: Pillow refuses it
])
def test_a_counter_offer_needs_a_lower_price_a_reason_and_real_photos(received, owner, price, reason, photos,
                                                                     field):
    files = {"ok": [photo()], "none": [], "fake": [photo("x.png", b"not an image at all")]}[photos]
    with pytest.raises(ValidationError) as refused:
        services.trade_in_counter_offer(trade_in=received, actor=owner.user, price=price, reason=reason,
                                        photos=files)
    assert field in refused.value.message_dict
    received.refresh_from_db()
    assert received.state == S.RECEIVED and not received.photos.exists()


def test_counter_offer_accepted_is_bought_at_the_counter_price(received, owner, shopper, client):
    services.trade_in_counter_offer(trade_in=received, actor=owner.user, price="210,00".replace(",", "."),
                                    reason="Deep scratch on the back", photos=[photo(), photo("b.png")])
    received.refresh_from_db()
    assert received.state == S.COUNTER_OFFERED and received.photos.count() == 2
    assert received.photos.first().image.name.endswith(".png")
    client.force_login(shopper)
    page = client.get(reverse("tradein:status", args=[received.number]))
    assert "Deep scratch on the back" in page.content.decode()
    client.post(reverse("tradein:counter_answer", args=[received.number]), {"answer": "accept"})
    received.refresh_from_db()
    assert (received.state, received.agreed_price) == (S.BOUGHT, Decimal("210.00"))
    assert ShopperPayout.objects.get(trade_in=received).amount == Decimal("210.00")


def test_counter_offer_refused_goes_back_free_and_frees_the_place(received, owner, shopper):
    services.trade_in_counter_offer(trade_in=received, actor=owner.user, price="200", reason="Dent",
                                    photos=[photo()])
    cap = TradeInOffer.objects.get(pk=received.offer_id).cap
    services.trade_in_counter_answer(trade_in=received, shopper=shopper, answer="refuse")
    received.refresh_from_db()
    assert received.state == S.RETURNING
    assert TradeInOffer.objects.get(pk=received.offer_id).cap == cap + 1
    assert not PayoutEntry.objects.filter(trade_in=received).exists()  # nothing charged to anyone
    with pytest.raises(ValidationError):
        services.trade_in_return_sent(trade_in=received, actor=owner.user, tracking="")
    services.trade_in_return_sent(trade_in=received, actor=owner.user, tracking="RET-42")
    received.refresh_from_db()
    assert (received.state, received.return_tracking) == (S.RETURNED, "RET-42")


def test_deadlines_expire_unshipped_return_unanswered_and_buy_uninspected(offers, iphone, shopper, owner):
    now = timezone.now()
    unshipped = sell(shopper=shopper, product=iphone, answers=CRACKED)
    unanswered = sell(shopper=shopper, product=iphone, answers=CRACKED)
    services.trade_in_receive(trade_in=unanswered)
    services.trade_in_counter_offer(trade_in=unanswered, actor=None, price="50", reason="Battery swollen",
                                    photos=[photo()])
    uninspected = sell(shopper=shopper, product=iphone, answers=FLAWLESS)
    services.trade_in_receive(trade_in=uninspected)
    # Not yet due: nothing moves.
    assert services.trade_ins_expire_unshipped(now=now + timedelta(days=13)) == 0
    assert services.trade_ins_return_unanswered(now=now + timedelta(days=6)) == 0
    assert services.trade_ins_confirm_uninspected(now=now + timedelta(days=1)) == 0
    # Due: each moves once, and a second run changes nothing.
    later = now + timedelta(days=15)
    assert services.trade_ins_expire_unshipped(now=later) == 1
    assert services.trade_ins_return_unanswered(now=later) == 1
    assert services.trade_ins_confirm_uninspected(now=later) == 1
    assert (services.trade_ins_expire_unshipped(now=later), services.trade_ins_return_unanswered(now=later),
            services.trade_ins_confirm_uninspected(now=later)) == (0, 0, 0)
    states = {t.pk: t.state for t in TradeIn.objects.all()}
    assert states == {unshipped.pk: S.EXPIRED, unanswered.pk: S.RETURNING, uninspected.pk: S.BOUGHT}
    assert TradeIn.objects.get(pk=uninspected.pk).agreed_price == Decimal("300.00")


def test_staff_mark_the_payout_sent_once_with_a_reference(received, owner):
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    services.trade_in_confirm(trade_in=received, actor=owner.user)
    payout = ShopperPayout.objects.get(trade_in=received)
    with pytest.raises(ValidationError):
        shopper_payout_mark_sent(payout=payout, actor=staff, reference=" ")
    shopper_payout_mark_sent(payout=payout, actor=staff, reference="SEPA-2026-001")
    payout.refresh_from_db()
    received.refresh_from_db()
    assert (payout.status, payout.reference, payout.sent_by) == ("sent", "SEPA-2026-001", staff)
    assert received.state == S.PAID and received.paid_at is not None
    with pytest.raises(ValidationError):
        shopper_payout_mark_sent(payout=payout, actor=staff, reference="again")


def test_into_stock_adds_one_unit_through_the_ledger_with_a_link_to_the_trade_in(received, owner, client):
    existing = ListingFactory(seller=owner.seller, product=received.product, grade="good", quantity=2,
                              price=Decimal("420.00"))
    services.trade_in_confirm(trade_in=received, actor=owner.user)
    client.force_login(owner.user)
    response = client.post(reverse("tradein:seller_step", args=[received.number, "stock"]),
                           {"grade": "good", "price": "399,00"})
    assert response.status_code == 302
    existing.refresh_from_db()
    assert (existing.quantity, existing.price) == (3, Decimal("399.00"))
    received.refresh_from_db()
    movement = received.stock_movement
    assert (movement.listing_id, movement.quantity_delta, movement.reason) == (existing.pk, 1, "trade_in")
    assert StockMovement.objects.get(pk=movement.pk).trade_in == received
    assert stock_mismatches() == []  # the listing's numbers are still the sum of its movements
    again = client.post(reverse("tradein:seller_step", args=[received.number, "stock"]),
                        {"grade": "good", "price": "399"}, follow=True)
    assert "already in stock" in again.content.decode()
    existing.refresh_from_db()
    assert existing.quantity == 3


def test_into_stock_creates_a_listing_when_the_seller_has_none_at_that_grade(received, owner):
    services.trade_in_confirm(trade_in=received, actor=owner.user)
    listing = trade_in_to_stock(trade_in=received, actor=owner.user, grade="excellent", price="450")
    assert (listing.sku, listing.quantity, listing.grade) == (received.number, 1, "excellent")
    assert list(listing.movements.values_list("reason", "quantity_delta")) == [("trade_in", 1)]


def test_a_device_not_yet_bought_cannot_go_into_stock(received, owner):
    with pytest.raises(ValidationError):
        trade_in_to_stock(trade_in=received, actor=owner.user, grade="good", price="399")
    assert not Listing.objects.filter(seller=owner.seller).exists()


def test_seller_pages_list_devices_in_a_fixed_number_of_queries(client, received, owner, offers, iphone,
                                                                django_assert_max_num_queries):
    client.force_login(owner.user)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("tradein:seller_devices"))
    assert received.number in page.content.decode()
    detail = client.get(reverse("tradein:seller_detail", args=[received.number]))
    assert detail.status_code == 200 and "Send the counter-offer" in detail.content.decode()


def test_counter_offer_page_takes_several_photos_and_refuses_a_file_that_is_not_one(received, owner, client):
    client.force_login(owner.user)
    step = reverse("tradein:seller_step", args=[received.number, "counter"])
    refused = client.post(step, {"price": "150", "reason": "Dents",
                                 "photos": [photo(), photo("x.png", b"%PDF-1")]})
    assert refused.status_code == 200 and "is not a photo we can read" in refused.content.decode()
    received.refresh_from_db()
    assert received.state == S.RECEIVED and not received.photos.exists()
    done = client.post(step, {"price": "150,00", "reason": "Dents", "photos": [photo(), photo("b.png")]})
    assert done.status_code == 302
    received.refresh_from_db()
    assert (received.state, received.counter_price, received.photos.count()) == (S.COUNTER_OFFERED,
                                                                                 Decimal("150.00"), 2)


def test_the_listings_stock_history_links_the_movement_to_its_trade_in(received, owner, client):
    services.trade_in_confirm(trade_in=received, actor=owner.user)
    listing = trade_in_to_stock(trade_in=received, actor=owner.user, grade="good", price="399")
    client.force_login(owner.user)
    page = client.get(reverse("sellers:listing_stock_history", args=[listing.pk])).content.decode()
    assert "Trade-in received" in page
    assert reverse("tradein:seller_detail", args=[received.number]) in page
