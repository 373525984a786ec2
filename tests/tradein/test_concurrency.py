"""Real races on PostgreSQL, threads with their own connections: the cap never goes below zero
however many shoppers accept their quotes at once (even after the seller switched the offer off),
and two clicks on one step (accepting a quote, confirming a device) make one move."""
from decimal import Decimal

import pytest
from django.db import connection

from orders.models import PayoutEntry
from tests.factories import UserFactory
from tradein import services
from tradein.models import ShopperPayout, TradeIn, TradeInOffer, TradeInTransition
from tradein.offers import offer_toggle
from tradein.states import TransitionError

from .conftest import CRACKED, GOOD_IBAN, run_concurrently, sell

pytestmark = pytest.mark.django_db(transaction=True)


def _accept(quote, shopper):
    return lambda: services.trade_in_accept(quote=quote, shopper=shopper, iban=GOOD_IBAN)


def test_many_shoppers_accepting_at_once_take_exactly_the_cap_and_never_below_zero(offers, iphone, rival):
    assert connection.vendor == "postgresql"
    # Cracked: PhoneDoctor 110 (cap 2) is the best offer, so ten shoppers are all quoted it ...
    shoppers = [UserFactory() for _ in range(10)]
    quotes = [services.trade_in_quote_give(product=iphone, answers=CRACKED, shopper=s) for s in shoppers]
    assert {(q.seller.name, q.price) for q in quotes} == {("PhoneDoctor", Decimal("110.00"))}
    # ... then PhoneDoctor switches it off: the quotes still hold, as far as its cap goes.
    offer_toggle(offer=quotes[0].offer, is_active=False, actor=rival.user)
    results = run_concurrently([_accept(q, s) for q, s in zip(quotes, shoppers, strict=True)])
    accepted = [r for r in results if isinstance(r, TradeIn)]
    refused = [r for r in results if isinstance(r, services.QuoteUnavailable)]
    assert len(accepted) == 2 and len(refused) == 8, results
    assert {t.quoted_price for t in accepted} == {Decimal("110.00")}
    caps = dict(TradeInOffer.objects.filter(condition="cracked").values_list("seller__name", "cap"))
    assert caps == {"PhoneDoctor": 0, "GreenFix": 5}
    # The eight refused get today's best offer (GreenFix 95, cap 5) and accept it at once.
    late = [s for s, r in zip(shoppers, results, strict=True) if not isinstance(r, TradeIn)]
    fresh = [services.trade_in_quote_give(product=iphone, answers=CRACKED, shopper=s) for s in late]
    assert {(q.seller.name, q.price) for q in fresh} == {("GreenFix", Decimal("95.00"))}
    second = run_concurrently([_accept(q, s) for q, s in zip(fresh, late, strict=True)])
    assert sum(isinstance(r, TradeIn) for r in second) == 5, second
    assert sum(isinstance(r, services.QuoteUnavailable) for r in second) == 3, second
    caps = dict(TradeInOffer.objects.filter(condition="cracked").values_list("seller__name", "cap"))
    assert caps == {"PhoneDoctor": 0, "GreenFix": 0}
    assert TradeIn.objects.count() == 7


def test_two_colours_accepted_at_once_against_a_model_offer_capped_at_one_take_it_once(owner):
    """One cap for every colour of the model and storage: two shoppers selling a black and a white
    one at once, with one device wanted in all, make exactly one trade-in."""
    from tests.factories import ProductFactory, ProductModelFactory
    from tradein.offers import offer_save_for_model

    model = ProductModelFactory(name="iPhone 13", slug="iphone-13")
    black = ProductFactory(model=model, storage_gb=128, colour="Black", reference="0194253000001")
    white = ProductFactory(model=model, storage_gb=128, colour="White", reference="0194253000002")
    offer, _status = offer_save_for_model(seller=owner.seller, model_ref="iphone-13", storage_gb=128,
                                          condition="cracked", price="90", cap=1)
    shoppers = [UserFactory(), UserFactory()]
    quotes = [services.trade_in_quote_give(product=product, answers=CRACKED, shopper=shopper)
              for product, shopper in zip((black, white), shoppers, strict=True)]
    assert {q.offer_id for q in quotes} == {offer.pk}
    assert {q.product_id for q in quotes} == {black.pk, white.pk}
    results = run_concurrently([_accept(q, s) for q, s in zip(quotes, shoppers, strict=True)])
    assert sum(isinstance(r, TradeIn) for r in results) == 1, results
    assert sum(isinstance(r, services.QuoteUnavailable) for r in results) == 1, results
    offer.refresh_from_db()
    assert offer.cap == 0
    assert TradeIn.objects.filter(offer=offer).count() == 1
    assert services.trade_in_quote_give(product=black, answers=CRACKED, shopper=UserFactory()) is None


def test_two_clicks_on_accept_at_once_make_one_trade_in(offers, iphone, shopper):
    quote = services.trade_in_quote_give(product=iphone, answers=CRACKED, shopper=shopper)
    results = run_concurrently([_accept(quote, shopper), _accept(quote, shopper)])
    made = [r for r in results if isinstance(r, TradeIn)]
    assert len(made) == 1, results
    [again] = [r for r in results if isinstance(r, services.QuoteUsed)]
    assert again.trade_in.pk == made[0].pk
    assert TradeInOffer.objects.get(pk=quote.offer_id).cap == 1
    assert TradeInTransition.objects.filter(trade_in__quote=quote, to_state="accepted").count() == 1


def test_two_clicks_on_confirm_make_one_purchase_and_one_payout(offers, iphone, owner, shopper):
    trade_in = sell(shopper=shopper, product=iphone, answers=CRACKED)
    services.trade_in_receive(trade_in=trade_in, actor=None)
    results = run_concurrently([
        lambda: services.trade_in_confirm(trade_in=TradeIn(pk=trade_in.pk), actor=None) for _ in range(2)])
    assert sum(isinstance(r, TradeIn) for r in results) == 1, results
    assert sum(isinstance(r, TransitionError) for r in results) == 1, results
    assert ShopperPayout.objects.filter(trade_in_id=trade_in.pk).count() == 1
    assert PayoutEntry.objects.filter(trade_in_id=trade_in.pk).count() == 2
    assert TradeInTransition.objects.filter(trade_in_id=trade_in.pk, to_state="bought").count() == 1


def test_shopper_accepting_while_the_seller_sends_it_back_one_wins(offers, iphone, shopper):
    trade_in = sell(shopper=shopper, product=iphone, answers=CRACKED)
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
