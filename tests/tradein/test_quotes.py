"""Quotes held for 14 days: the price the shopper was shown is stored with its offer, seller and
answers, on a page of its own they come back to (after logging in, verifying their e-mail or
fixing their IBAN), and accepted at that price whatever the seller changed since, while the
seller's cap lasts. An expired or exhausted quote says so and gives today's offer; another
person's quote is a 404."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sellers.services import seller_suspend
from tests.factories import PASSWORD, UserFactory
from tradein import services
from tradein.models import TradeIn, TradeInOffer, TradeInQuote
from tradein.offers import offer_save, offer_toggle

from .conftest import CRACKED, FLAWLESS, FORM_FLAWLESS, GOOD_IBAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def quote(offers, iphone, shopper):
    """GreenFix's 300.00 for a flawless iPhone 12, held for the shopper."""
    return services.trade_in_quote_give(product=iphone, answers=FLAWLESS, shopper=shopper)


def _url(name, quote):
    return reverse(f"tradein:{name}", args=[quote.token])


def _accept(client, quote, iban=GOOD_IBAN):
    return client.post(_url("quote_accept", quote), {"iban": iban})


def test_a_quote_holds_its_price_when_the_seller_lowers_it(client, quote, shopper, owner, iphone):
    offer_save(seller=owner.seller, product=iphone, condition="flawless", price="150", cap=5)
    client.force_login(shopper)
    page = client.get(_url("quote", quote)).content.decode()
    assert "300.00" in page and "150.00" not in page and "held for you until" in page
    response = _accept(client, quote)
    trade_in = TradeIn.objects.get()
    assert response["Location"] == reverse("tradein:status", args=[trade_in.number])
    assert (trade_in.quoted_price, trade_in.offer_id) == (Decimal("300.00"), quote.offer_id)
    assert trade_in.quote == quote
    assert [t.to_state for t in trade_in.transitions.all()] == ["accepted"]
    assert TradeInOffer.objects.get(pk=quote.offer_id).cap == 4


def test_a_quote_holds_when_the_seller_switches_the_offer_off_while_its_cap_lasts(quote, shopper, owner):
    offer_toggle(offer=quote.offer, is_active=False, actor=owner.user)
    trade_in = services.trade_in_accept(quote=quote, shopper=shopper, iban=GOOD_IBAN)
    assert trade_in.quoted_price == Decimal("300.00")
    offer = TradeInOffer.objects.get(pk=quote.offer_id)
    assert (offer.cap, offer.is_active) == (4, False)


def test_an_exhausted_cap_refuses_the_quote_and_gives_todays_best_offer(client, quote, shopper, owner,
                                                                         iphone):
    offer_save(seller=owner.seller, product=iphone, condition="flawless", price="300", cap=0)
    with pytest.raises(services.QuoteUnavailable):
        services.trade_in_accept(quote=quote, shopper=shopper, iban=GOOD_IBAN)
    client.force_login(shopper)
    response = _accept(client, quote)
    fresh = TradeInQuote.objects.exclude(pk=quote.pk).get()
    assert response.status_code == 302 and response["Location"] == _url("quote", fresh)
    assert (fresh.seller.name, fresh.price, fresh.shopper) == ("PhoneDoctor", Decimal("280.00"), shopper)
    page = client.get(response["Location"]).content.decode()
    assert "GreenFix has bought all the devices it wanted in this condition." in page
    assert "today&#x27;s best offer for the same answers" in page and "280.00" in page
    assert not TradeIn.objects.exists()
    assert TradeInOffer.objects.get(pk=quote.offer_id).cap == 0  # never below zero


def test_a_suspended_seller_no_longer_buys_on_its_quotes(quote, shopper, owner):
    seller_suspend(seller=owner.seller, reason="checks")
    with pytest.raises(services.QuoteUnavailable):
        services.trade_in_accept(quote=quote, shopper=shopper, iban=GOOD_IBAN)
    assert TradeInOffer.objects.get(pk=quote.offer_id).cap == 5


def test_an_expired_quote_says_so_and_gives_a_fresh_one(client, offers, iphone, shopper, owner):
    long_ago = timezone.now() - timedelta(days=15)
    old = services.trade_in_quote_give(product=iphone, answers=FLAWLESS, shopper=shopper, now=long_ago)
    with pytest.raises(services.QuoteExpired):
        services.trade_in_accept(quote=old, shopper=shopper, iban=GOOD_IBAN)
    offer_save(seller=owner.seller, product=iphone, condition="flawless", price="290", cap=5)
    client.force_login(shopper)
    page = client.get(_url("quote", old)).content.decode()
    assert "This offer expired on" in page and "Get today's offer" in page and "Sell it for" not in page
    response = _accept(client, old)  # a tab left open: refused, with today's offer
    fresh = TradeInQuote.objects.exclude(pk=old.pk).get()
    assert response["Location"] == _url("quote", fresh)
    assert (fresh.price, fresh.seller.name, fresh.answers) == (Decimal("290.00"), "GreenFix", old.answers)
    assert fresh.valid_until > timezone.now() + timedelta(days=13)
    message = client.get(response["Location"]).content.decode()
    assert "expired on" in message and "290.00" in message
    assert client.post(_url("quote_renew", old))["Location"] == _url("quote", fresh)  # the same fresh one
    assert TradeInQuote.objects.count() == 2 and not TradeIn.objects.exists()


def test_asking_again_gives_the_same_quote_unless_todays_offer_is_better(quote, shopper, owner, iphone):
    offer_save(seller=owner.seller, product=iphone, condition="flawless", price="250", cap=5)
    again = services.trade_in_quote_give(product=iphone, answers=FLAWLESS, shopper=shopper)
    assert (again.pk, again.price) == (quote.pk, Decimal("300.00"))  # never lowered by asking twice
    offer_save(seller=owner.seller, product=iphone, condition="flawless", price="320", cap=5)
    better = services.trade_in_quote_give(product=iphone, answers=FLAWLESS, shopper=shopper)
    assert better.pk != quote.pk and better.price == Decimal("320.00")
    other = services.trade_in_quote_give(product=iphone, answers=FLAWLESS, shopper=UserFactory())
    assert other.pk not in (quote.pk, better.pk)  # someone else's quote is never given to another


def test_another_shoppers_quote_is_a_404_and_a_visitor_is_asked_to_log_in(client, quote, shopper):
    client.force_login(UserFactory())
    assert client.get(_url("quote", quote)).status_code == 404
    assert _accept(client, quote).status_code == 404
    assert client.post(_url("quote_renew", quote)).status_code == 404
    visitor = Client()
    response = visitor.get(_url("quote", quote))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert visitor.get(reverse("tradein:quote", args=["not-a-token"])).status_code == 302
    client.force_login(shopper)
    assert client.get(reverse("tradein:quote", args=["not-a-token"])).status_code == 404
    assert not TradeIn.objects.exists() and TradeInOffer.objects.get(pk=quote.offer_id).cap == 5


def test_a_quote_given_before_logging_in_is_the_shoppers_who_logs_in_in_that_browser(
        client, offers, iphone, shopper, owner):
    response = client.post(reverse("tradein:sell_model", args=["iphone-12"]), {"product": iphone.pk,
                                                                              **FORM_FLAWLESS})
    quote = TradeInQuote.objects.get()
    assert quote.shopper is None
    # Another browser that was never given it cannot open it, even logged in.
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(response["Location"]).status_code == 404
    offer_save(seller=owner.seller, product=iphone, condition="flawless", price="100", cap=5)  # meanwhile
    client.post(reverse("account_login"), {"login": shopper.email, "password": PASSWORD})
    page = client.get(response["Location"])
    assert page.status_code == 200 and "300.00" in page.content.decode()
    quote.refresh_from_db()
    assert quote.shopper == shopper
    assert client.post(_url("quote_accept", quote), {"iban": GOOD_IBAN}).status_code == 302
    assert TradeIn.objects.get().quoted_price == Decimal("300.00")
    # On another device, once logged in, the quote is theirs (and shows it was accepted).
    phone = Client()
    phone.force_login(shopper)
    assert "You accepted this offer" in phone.get(response["Location"]).content.decode()


def test_my_trade_ins_lists_the_offers_held_for_the_shopper(client, quote, shopper):
    client.force_login(shopper)
    page = client.get(reverse("tradein:mine")).content.decode()
    assert "Offers held for you" in page and _url("quote", quote) in page
    services.trade_in_accept(quote=quote, shopper=shopper, iban=GOOD_IBAN)
    assert _url("quote", quote) not in client.get(reverse("tradein:mine")).content.decode()


def test_a_second_click_on_accept_lands_on_the_same_trade_in(client, quote, shopper):
    client.force_login(shopper)
    first = _accept(client, quote)
    second = _accept(client, quote)
    trade_in = TradeIn.objects.get()
    assert first["Location"] == second["Location"] == reverse("tradein:status", args=[trade_in.number])
    with pytest.raises(services.QuoteUsed):
        services.trade_in_accept(quote=quote, shopper=shopper, iban=GOOD_IBAN)
    assert TradeInOffer.objects.get(pk=quote.offer_id).cap == 4


def test_a_quote_of_another_shopper_is_refused_by_the_service_too(quote):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.trade_in_accept(quote=quote, shopper=UserFactory(), iban=GOOD_IBAN)
    assert not TradeIn.objects.exists()


def test_no_quote_for_a_device_no_one_buys_or_still_locked(offers, iphone, shopper):
    dead = CRACKED.__class__(**{**CRACKED.as_dict(), "powers_on": False})
    assert services.trade_in_quote_give(product=iphone, answers=dead, shopper=shopper) is None
    locked = FLAWLESS.__class__(**{**FLAWLESS.as_dict(), "lock_removed": False})
    with pytest.raises(ValidationError):
        services.trade_in_quote_give(product=iphone, answers=locked, shopper=shopper)
    assert not TradeInQuote.objects.exists()


def test_quotes_never_accepted_are_purged_a_month_after_they_expired(offers, iphone, shopper):
    now = timezone.now()
    stale = services.trade_in_quote_give(product=iphone, answers=FLAWLESS, shopper=shopper,
                                         now=now - timedelta(days=50))
    accepted_long_ago = services.trade_in_quote_give(product=iphone, answers=CRACKED, shopper=shopper,
                                                     now=now - timedelta(days=50))
    services.trade_in_accept(quote=accepted_long_ago, shopper=shopper, iban=GOOD_IBAN,
                             now=now - timedelta(days=50))
    recent = services.trade_in_quote_give(product=iphone, answers=FLAWLESS, shopper=shopper,
                                          now=now - timedelta(days=20))
    assert services.trade_in_quotes_purge(now=now) == 1
    assert set(TradeInQuote.objects.values_list("pk", flat=True)) == {accepted_long_ago.pk, recent.pk}
    assert not TradeInQuote.objects.filter(pk=stale.pk).exists()


def test_the_seller_sees_the_quotes_it_still_honours_beside_each_offer(client, quote, owner, shopper):
    from tradein.selectors import seller_offers_compared

    counts = {o.pk: o.open_quotes for o in seller_offers_compared(seller=owner.seller)}
    assert counts[quote.offer_id] == 1 and sum(counts.values()) == 1
    client.force_login(owner.user)
    page = client.get(reverse("tradein:seller_offers")).content.decode()
    assert "Open quotes" in page and "honoured while your cap lasts" in page
    from sellers.api_auth import api_key_create
    from sellers.permissions import Scope

    _key, raw = api_key_create(seller=owner.seller, name="ERP", scopes=[Scope.READ])
    listed = client.get("/api/v1/trade-in/offers", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert {o["id"]: o["open_quotes"] for o in listed}[quote.offer_id] == 1
    services.trade_in_accept(quote=quote, shopper=shopper, iban=GOOD_IBAN)
    assert {o.pk: o.open_quotes for o in seller_offers_compared(seller=owner.seller)}[quote.offer_id] == 0


def test_asking_for_quotes_is_rate_limited_per_client(client, offers, iphone, settings):
    from django.core.cache import cache

    cache.clear()
    settings.ROUTE_RATE_LIMITS = {**settings.ROUTE_RATE_LIMITS, "tradein:sell_model": "2/m"}
    url = reverse("tradein:sell_model", args=["iphone-12"])
    answers = [{**FORM_FLAWLESS, "battery_health": str(health)} for health in (90, 91, 92)]
    codes = [client.post(url, {"product": iphone.pk, **a}).status_code for a in answers]
    assert codes == [302, 302, 429]
    assert TradeInQuote.objects.count() == 2
    assert client.get(url).status_code == 200  # reading the questions is never limited


def test_change_my_answers_opens_the_questions_with_the_quotes_answers(client, quote, shopper, iphone):
    client.force_login(shopper)
    page = client.get(_url("quote", quote)).content.decode()
    link = re.search(r'href="([^"]+)">Change my answers', page).group(1).replace("&amp;", "&")
    questions = client.get(link).content.decode()
    assert re.search(rf'name="product" value="{iphone.pk}" checked', questions)
    assert re.search(r'name="screen_cracked" value="no"[^>]*checked', questions)
    assert re.search(r'name="body_marks" value="none"[^>]*checked', questions)
