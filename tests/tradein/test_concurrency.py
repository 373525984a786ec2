"""Real races on PostgreSQL, threads with their own connections: the cap never goes below zero
however many shoppers accept at once, and two clicks on one step make one move."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from orders.models import PayoutEntry
from tests.factories import UserFactory
from tradein import services
from tradein.models import ShopperPayout, TradeIn, TradeInOffer, TradeInTransition
from tradein.states import TransitionError

from .conftest import CRACKED, GOOD_IBAN, run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def _accept(shopper, product):
    return lambda: services.trade_in_accept(shopper=shopper, product=product, answers=CRACKED, iban=GOOD_IBAN)


def test_many_shoppers_at_once_take_exactly_the_caps_and_never_below_zero(offers, iphone):
    assert connection.vendor == "postgresql"
    # Cracked: PhoneDoctor 110 (cap 2), then GreenFix 95 (cap 5): seven places for ten shoppers.
    shoppers = [UserFactory() for _ in range(10)]
    results = run_concurrently([_accept(shopper, iphone) for shopper in shoppers])
    accepted = [r for r in results if isinstance(r, TradeIn)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(accepted) == 7 and len(refused) == 3, results
    caps = dict(TradeInOffer.objects.filter(condition="cracked").values_list("seller__name", "cap"))
    assert caps == {"PhoneDoctor": 0, "GreenFix": 0}
    prices = sorted(t.quoted_price for t in accepted)
    assert prices == [Decimal("95.00")] * 5 + [Decimal("110.00")] * 2
    assert TradeIn.objects.count() == 7


def test_two_clicks_on_confirm_make_one_purchase_and_one_payout(offers, iphone, owner, shopper):
    trade_in = services.trade_in_accept(shopper=shopper, product=iphone, answers=CRACKED, iban=GOOD_IBAN)
    services.trade_in_receive(trade_in=trade_in, actor=None)
    results = run_concurrently([
        lambda: services.trade_in_confirm(trade_in=TradeIn(pk=trade_in.pk), actor=None) for _ in range(2)])
    assert sum(isinstance(r, TradeIn) for r in results) == 1, results
    assert sum(isinstance(r, TransitionError) for r in results) == 1, results
    assert ShopperPayout.objects.filter(trade_in_id=trade_in.pk).count() == 1
    assert PayoutEntry.objects.filter(trade_in_id=trade_in.pk).count() == 2
    assert TradeInTransition.objects.filter(trade_in_id=trade_in.pk, to_state="bought").count() == 1


def test_shopper_accepting_while_the_seller_sends_it_back_one_wins(offers, iphone, shopper):
    trade_in = services.trade_in_accept(shopper=shopper, product=iphone, answers=CRACKED, iban=GOOD_IBAN)
    services.trade_in_receive(trade_in=trade_in)
    services.trade_in_counter_offer(trade_in=trade_in, actor=None, price="60", reason="Back glass cracked",
                                    photos=[_photo()])
    def answer(word):
        return lambda: services.trade_in_counter_answer(trade_in=TradeIn(pk=trade_in.pk), shopper=shopper,
                                                        answer=word)

    results = run_concurrently([answer("accept"), answer("refuse")])
    assert sum(isinstance(r, TradeIn) for r in results) == 1, results
    trade_in.refresh_from_db()
    assert trade_in.state in ("bought", "returning")
    assert ShopperPayout.objects.filter(trade_in=trade_in).count() == (1 if trade_in.state == "bought" else 0)


def _photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .conftest import png_bytes

    return SimpleUploadedFile("back.png", png_bytes(), content_type="image/png")
