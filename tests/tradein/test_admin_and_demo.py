"""Staff and the demo: trade-ins in the admin are read-only except through actions with a reason
(arbitrate a disputed counter-offer, mark a payout sent), with their history and the offers'
statistics per model; the demo data holds a trade-in in every state."""
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from sellers.ledger.checks import stock_mismatches
from tests.admin.test_orders_admin_readonly import act, confirm, page_messages, url
from tests.factories import UserFactory
from tradein import services
from tradein.models import ShopperPayout, TradeIn, TradeInOffer

from .conftest import FLAWLESS, png_bytes, sell

pytestmark = pytest.mark.django_db
S = TradeIn.State


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def disputed(offers, iphone, shopper, owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    trade_in = sell(shopper=shopper, product=iphone, answers=FLAWLESS)
    services.trade_in_receive(trade_in=trade_in, actor=owner.user)
    photo = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    services.trade_in_counter_offer(trade_in=trade_in, actor=owner.user, price="200", reason="Scratches",
                                    photos=[photo])
    return services.trade_in_counter_answer(trade_in=trade_in, shopper=shopper, answer="dispute")


def test_trade_in_admin_is_read_only_with_its_history(staff_client, disputed):
    change = staff_client.get(url(TradeIn, "change", disputed.pk))
    assert change.status_code == 200
    text = change.content.decode()
    assert "counter_offered" in text and "disputed" in text and "•••• 0189" in text
    assert "30006000011234567890" not in text  # the IBAN is masked for staff too
    staff_client.post(url(TradeIn, "change", disputed.pk), {"state": "paid"})
    disputed.refresh_from_db()
    assert disputed.state == S.DISPUTED
    assert staff_client.get(url(TradeIn, "add")).status_code == 403


def test_arbitrating_for_the_shopper_buys_at_the_quote_with_the_reason_kept(staff_client, disputed):
    first = act(staff_client, TradeIn, "arbitrate", [disputed])
    assert first.status_code == 200 and 'name="decision"' in first.content.decode()
    response = confirm(staff_client, TradeIn, "arbitrate", [disputed], "Photos show normal wear only.",
                       decision="quote")
    assert "1 trade-in decided." in page_messages(response)
    disputed.refresh_from_db()
    assert (disputed.state, disputed.agreed_price) == (S.BOUGHT, Decimal("300.00"))
    last = disputed.transitions.last()
    assert last.reason.endswith("Photos show normal wear only.") and last.actor.is_staff


def test_arbitrating_a_trade_in_that_is_not_disputed_is_refused(staff_client, offers, iphone, shopper):
    trade_in = sell(shopper=shopper, product=iphone, answers=FLAWLESS)
    response = confirm(staff_client, TradeIn, "arbitrate", [trade_in], "why not", decision="quote")
    assert "Choose disputed trade-ins only." in response.content.decode()
    trade_in.refresh_from_db()
    assert trade_in.state == S.ACCEPTED


def test_marking_the_payout_sent_in_the_admin_pays_the_trade_in(staff_client, disputed):
    services.trade_in_counter_answer(trade_in=disputed, shopper=disputed.shopper, answer="accept")
    payout = ShopperPayout.objects.get(trade_in=disputed)
    response = confirm(staff_client, ShopperPayout, "mark_sent", [payout], "Transfer made",
                       reference="SEPA-77")
    assert "1 payout marked sent." in page_messages(response)
    disputed.refresh_from_db()
    payout.refresh_from_db()
    assert (disputed.state, payout.reference) == (S.PAID, "SEPA-77")
    again = confirm(staff_client, TradeIn, "mark_payout_sent", [disputed], "again", reference="SEPA-78")
    assert "already sent" in again.content.decode()


def test_offer_statistics_per_model_are_on_the_offers_list(staff_client, offers):
    page = staff_client.get(url(TradeInOffer, "changelist"))
    row = page.context["statistics"][0]
    assert (row.name, row.offers, row.sellers, row.wanted) == ("iPhone 12", 4, 2, 14)
    assert (row.best_flawless, row.best_cracked) == (Decimal("300.00"), Decimal("110.00"))
    assert row.best_worn is None


def test_customer_care_may_arbitrate_and_finance_may_mark_payouts(client, disputed):
    call_command("setup_staff_groups", verbosity=0)
    care = UserFactory(is_staff=True)
    care.groups.add(Group.objects.get(name="Customer care"))
    client.force_login(care)
    confirm(client, TradeIn, "arbitrate", [disputed], "Seller's photos are clear.", decision="counter")
    disputed.refresh_from_db()
    assert (disputed.state, disputed.agreed_price) == (S.BOUGHT, Decimal("200.00"))
    finance = UserFactory(is_staff=True)
    finance.groups.add(Group.objects.get(name="Finance"))
    client.force_login(finance)
    assert client.get(url(ShopperPayout, "changelist")).status_code == 200


def test_demo_data_has_a_trade_in_in_every_state_and_runs_once(db):
    call_command("seed_demo", verbosity=0, allow_demo_users=True)
    states = set(TradeIn.objects.values_list("state", flat=True))
    assert states == set(S.values)
    count = TradeIn.objects.count()
    call_command("seed_demo", verbosity=0, allow_demo_users=True)
    assert TradeIn.objects.count() == count
    paid = TradeIn.objects.get(state=S.PAID)
    assert paid.stock_movement.reason == "trade_in" and paid.listing.quantity >= 1
    assert stock_mismatches() == []
    assert reverse("tradein:seller_detail", args=[paid.number])
