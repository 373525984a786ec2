"""The shopper's side: "Sell your device", the best offer for the answers, accepting it (logged
in, verified e-mail, a valid IBAN, the server's price), the status page, the slip, the e-mails;
another person's trade-in is a 404."""
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import ListingFactory, UserFactory
from tradein import services
from tradein.iban import iban_clean
from tradein.models import TradeIn, TradeInOffer, TradeInQuote
from tradein.quotes import Answers, condition_for

from .conftest import CRACKED, FLAWLESS, FORM_FLAWLESS, GOOD_IBAN, sell

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("iban", ["FR76 3000 6000 0112 3456 7890 188", "FR76300060000112345678901", "XX12",
                                  "US12345678901234567890", "DE89 3704 0044 0532 0130 01", ""])
def test_a_mistyped_or_foreign_iban_is_refused(iban):
    with pytest.raises(ValidationError):
        iban_clean(iban)


def test_valid_ibans_pass_mod_97():
    assert iban_clean("de89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert iban_clean("GB29 NWBK 6016 1331 9268 19") == "GB29NWBK60161331926819"


@pytest.mark.parametrize("answers, condition", [
    (dict(powers_on=False, screen_cracked=False, body_marks="none"), "dead"),
    (dict(powers_on=True, screen_cracked=True, body_marks="none"), "cracked"),
    (dict(powers_on=True, screen_cracked=False, body_marks="light"), "worn"),
    (dict(powers_on=True, screen_cracked=False, body_marks="none", battery_health=72), "worn"),
    (dict(powers_on=True, screen_cracked=False, body_marks="none", battery_health=88), "flawless"),
])
def test_plain_answers_give_the_condition(answers, condition):
    full = {"battery_health": None, "accessories": False, "lock_removed": True, **answers}
    assert condition_for(Answers(**full)) == condition


def test_header_and_product_page_lead_to_the_models_with_offers(client, offers, iphone):
    home = client.get("/")
    assert reverse("tradein:sell") in home.content.decode()
    listing_page = client.get(reverse("tradein:sell"))
    assert "iPhone 12" in listing_page.content.decode()
    ListingFactory(product=iphone)  # the product page of a model on sale
    product_page = client.get(iphone.model.get_absolute_url())
    assert product_page.status_code == 200
    assert reverse("tradein:sell_model", args=["iphone-12"]) in product_page.content.decode()
    other = ListingFactory()  # a model nobody buys back: no link
    other_page = client.get(other.product.model.get_absolute_url())
    assert other_page.status_code == 200 and "trade-in-callout" not in other_page.content.decode()


def test_product_page_of_a_model_bought_by_model_and_storage_only_leads_to_selling_it(client, owner):
    from tradein.offers import offer_save_for_model

    listing = ListingFactory(product__model__slug="galaxy-s21", product__storage_gb=256)
    offer_save_for_model(seller=owner.seller, model_ref="galaxy-s21", storage_gb=256, condition="worn",
                         price="120", cap=3)
    page = client.get(listing.product.model.get_absolute_url())
    assert page.status_code == 200
    assert reverse("tradein:sell_model", args=["galaxy-s21"]) in page.content.decode()


def _quote_post(client, iphone, **answers):
    return client.post(reverse("tradein:sell_model", args=["iphone-12"]),
                       {"product": iphone.pk, **FORM_FLAWLESS, **answers})


def test_the_quote_names_the_best_offer_and_its_seller_to_anyone_and_is_stored(client, offers, iphone):
    response = _quote_post(client, iphone)
    quote = TradeInQuote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tradein:quote", args=[quote.token])
    assert (quote.seller.name, quote.price, quote.condition, quote.shopper) == (
        "GreenFix", Decimal("300.00"), "flawless", None)
    assert quote.offer == offers["ours"]["flawless"] and quote.answers["battery_health"] == 91
    assert round((quote.valid_until - quote.created_at).total_seconds() / 86400) == 14
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200 and "GreenFix" in text and "300.00" in text
    # Logged out: log in to accept, and come back to this very quote.
    assert f'{reverse("account_login")}?next={quote_path(quote)}' in text


def quote_path(quote) -> str:
    return reverse("tradein:quote", args=[quote.token])


def test_a_locked_device_gets_no_offer(client, offers, iphone):
    page = _quote_post(client, iphone, lock_removed="no")
    assert page.status_code == 200 and "Remove the iCloud or Google lock first" in page.content.decode()
    assert not TradeInQuote.objects.exists()


def test_no_variant_chosen_is_a_clear_error_not_a_quote(client, offers, iphone):
    page = _quote_post(client, iphone, product="not-a-number")
    assert page.status_code == 200 and "Choose the variant of your device." in page.content.decode()
    assert not TradeInQuote.objects.exists()


@pytest.fixture
def quote(offers, iphone, shopper):
    return services.trade_in_quote_give(product=iphone, answers=FLAWLESS, shopper=shopper)


def _accept_post(client, quote, **extra):
    return client.post(reverse("tradein:quote_accept", args=[quote.token]), {"iban": GOOD_IBAN, **extra})


def test_accepting_needs_a_login_and_comes_back_to_the_quote(client, offers, iphone):
    _quote_post(client, iphone)
    quote = TradeInQuote.objects.get()
    response = _accept_post(client, quote)
    assert response.status_code == 302
    assert response["Location"] == f'{reverse("account_login")}?next={quote_path(quote)}'
    assert not TradeIn.objects.exists()


def test_accepting_needs_a_verified_email(client, offers, iphone):
    user = UserFactory()
    EmailAddress.objects.filter(user=user).update(verified=False)
    client.force_login(user)
    _quote_post(client, iphone)
    response = _accept_post(client, TradeInQuote.objects.get(shopper=user))
    assert response.status_code == 200 and "Verify your e-mail" in response.content.decode()
    assert not TradeIn.objects.exists()


def test_a_bad_iban_is_shown_on_the_field_beside_the_same_quote(client, quote, shopper):
    client.force_login(shopper)
    response = _accept_post(client, quote, iban="FR76 3000 6000 0112 3456 7890 188")
    text = response.content.decode()
    assert response.status_code == 200 and "typing mistake" in text and "300.00" in text
    assert not TradeIn.objects.exists()


def test_a_posted_price_or_offer_is_never_read(client, quote, shopper, offers):
    client.force_login(shopper)
    response = _accept_post(client, quote, price="999.00", seen_price="999.00",
                            offer=offers["theirs"]["flawless"].pk, seller="PhoneDoctor")
    trade_in = TradeIn.objects.get()
    assert response.status_code == 302
    assert (trade_in.quoted_price, trade_in.seller.name, trade_in.quote) == (Decimal("300.00"), "GreenFix",
                                                                             quote)
    assert TradeInOffer.objects.get(pk=offers["theirs"]["flawless"].pk).cap == 2


def test_accepting_starts_the_trade_in_takes_one_off_the_cap_and_mails_both(
        client, offers, iphone, shopper, django_capture_on_commit_callbacks):
    client.force_login(shopper)
    quote = _quote_post(client, iphone)["Location"]
    assert client.get(quote).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(quote + "accept/", {"iban": GOOD_IBAN})
    trade_in = TradeIn.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tradein:status", args=[trade_in.number])
    assert trade_in.quoted_price == Decimal("300.00")
    assert (trade_in.seller.name, trade_in.condition) == ("GreenFix", "flawless")
    assert trade_in.iban == "FR7630006000011234567890189"
    assert round((trade_in.ship_by - trade_in.created_at).total_seconds() / 86400) == 14
    assert TradeInOffer.objects.get(pk=trade_in.offer_id).cap == 4
    seller_people = {trade_in.seller.contact_email,
                     *trade_in.seller.members.values_list("user__email", flat=True)}
    assert [m.to for m in mail.outbox] == [[shopper.email], sorted(seller_people)]
    status = client.get(response["Location"])
    assert status.status_code == 200 and trade_in.number in status.content.decode()
    assert "•••• 0189" in status.content.decode() and "30006000011234567890" not in status.content.decode()
    slip = client.get(reverse("tradein:slip", args=[trade_in.number]))
    assert slip.status_code == 200 and "4 rue du Port" in slip.content.decode()
    assert "data-print" in slip.content.decode()


def test_the_step_emails_go_once_even_if_the_task_runs_twice(offers, iphone, shopper):
    from tradein.tasks import send_trade_in_notice

    trade_in = sell(shopper=shopper, product=iphone, answers=FLAWLESS)
    assert send_trade_in_notice(trade_in.pk, "accepted") == 2
    assert send_trade_in_notice(trade_in.pk, "accepted") == 0
    assert len(mail.outbox) == 2


def test_another_shoppers_or_sellers_trade_in_is_a_404(client, offers, iphone, shopper, rival):
    trade_in = sell(shopper=shopper, product=iphone, answers=FLAWLESS)
    client.force_login(UserFactory())
    for name in ("tradein:status", "tradein:slip"):
        assert client.get(reverse(name, args=[trade_in.number])).status_code == 404
    assert client.post(reverse("tradein:cancel", args=[trade_in.number])).status_code == 404
    client.force_login(rival.user)  # the other seller: not its trade-in
    assert client.get(reverse("tradein:seller_detail", args=[trade_in.number])).status_code == 404
    assert client.post(reverse("tradein:seller_step", args=[trade_in.number, "receive"])).status_code == 404
    trade_in.refresh_from_db()
    assert trade_in.state == "accepted"


def test_cancelling_before_shipping_gives_the_place_back(client, offers, iphone, shopper):
    trade_in = sell(shopper=shopper, product=iphone, answers=CRACKED)
    offer = TradeInOffer.objects.get(pk=trade_in.offer_id)
    assert offer.cap == 1
    client.force_login(shopper)
    client.post(reverse("tradein:cancel", args=[trade_in.number]))
    offer.refresh_from_db()
    trade_in.refresh_from_db()
    assert (trade_in.state, offer.cap) == ("cancelled", 2)
    again = client.post(reverse("tradein:cancel", args=[trade_in.number]), follow=True)
    assert "cannot become" in again.content.decode()  # a second click: refused, no 500
    offer.refresh_from_db()
    assert offer.cap == 2


def test_shopper_pages_run_a_fixed_number_of_queries(client, offers, iphone, shopper, owner,
                                                     django_assert_max_num_queries):
    for _ in range(3):
        sell(shopper=shopper, product=iphone, answers=FLAWLESS)
    client.force_login(shopper)
    trade_in = TradeIn.objects.first()
    quote = services.trade_in_quote_give(product=iphone, answers=FLAWLESS, shopper=shopper)
    change_answers = reverse("tradein:sell_model", args=["iphone-12"]) + "?" + urlencode(
        {"product": iphone.pk, **FORM_FLAWLESS})
    for url in (reverse("tradein:sell"), change_answers, reverse("tradein:quote", args=[quote.token]),
                reverse("tradein:mine"),
                reverse("tradein:status", args=[trade_in.number]),
                reverse("tradein:slip", args=[trade_in.number])):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200, url


def test_the_sellers_payout_ledger_names_the_trade_in(client, offers, iphone, shopper, owner):
    trade_in = sell(shopper=shopper, product=iphone, answers=FLAWLESS)
    services.trade_in_receive(trade_in=trade_in, actor=owner.user)
    services.trade_in_confirm(trade_in=trade_in, actor=owner.user)
    client.force_login(owner.user)
    page = client.get(reverse("sellers:payouts")).content.decode()
    assert "Trade-in bought" in page and "Trade-in commission" in page and trade_in.number in page
