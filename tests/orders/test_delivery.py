"""Delivery windows: one estimate (orders.delivery) from the accept window, the shipping days, the
shipping method and business days with each country's holidays; shown on offers, cart and checkout."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from orders import delivery
from orders.delivery import add_business_days, delivery_window
from tests.factories import ListingFactory, SellerFactory

PARIS = ZoneInfo("Europe/Paris")
TUESDAY = datetime(2026, 12, 1, 14, 30, tzinfo=PARIS)


def test_a_standard_parcel_ordered_on_tuesday_arrives_between_friday_and_the_next_friday():
    window = delivery_window(shipping_method="standard", now=TUESDAY)
    # Ships Wednesday at the soonest, +2 days in transit; at the latest accepted Thursday (48 h),
    # shipped 2 business days later (Monday), +4 days in transit.
    assert (window.earliest, window.latest) == (date(2026, 12, 4), date(2026, 12, 11))
    with translation.override("en"):
        assert window.text == "Delivered between Fri 4 and Fri 11 Dec"


def test_express_only_shortens_the_transit_not_the_sellers_time():
    window = delivery_window(shipping_method="express", now=TUESDAY)
    assert (window.earliest, window.latest) == (date(2026, 12, 3), date(2026, 12, 8))


def test_a_longer_accept_window_moves_the_latest_day(settings):
    settings.SELLER_ACCEPT_HOURS = 24
    assert delivery_window(now=TUESDAY).latest == date(2026, 12, 10)
    settings.SELLER_ACCEPT_HOURS = 96
    assert delivery_window(now=TUESDAY).latest == date(2026, 12, 14)  # accepted Sat, shipped Tue


def test_a_seller_shipping_the_next_business_day_gives_an_earlier_latest_day():
    assert delivery_window(now=TUESDAY, shipping_days=1).latest == date(2026, 12, 10)  # shipped Fri 4


def test_an_order_from_two_sellers_spans_both_parcels():
    quick, slow = SellerFactory.build(pk=1, shipping_days=1), SellerFactory.build(pk=2, shipping_days=2)
    windows = delivery.seller_windows([quick, slow], now=TUESDAY)
    assert windows[1].latest == date(2026, 12, 10) and windows[2].latest == date(2026, 12, 11)
    assert delivery.order_window(windows.values()) == delivery.DeliveryWindow(date(2026, 12, 4),
                                                                             date(2026, 12, 11))


def test_weekends_are_not_business_days():
    assert add_business_days(date(2026, 12, 3), 2, country="FR") == date(2026, 12, 7)  # Thu + 2: Mon
    assert add_business_days(date(2026, 12, 5), 2, country="FR") == date(2026, 12, 8)  # Sat + 2: Tue
    assert add_business_days(date(2026, 12, 5), 0, country="FR") == date(2026, 12, 7)


def test_each_country_has_its_own_public_holidays():
    # 8 May (Victory in Europe day) is a holiday in France, not in Germany.
    assert add_business_days(date(2026, 5, 7), 1, country="FR") == date(2026, 5, 11)
    assert add_business_days(date(2026, 5, 7), 1, country="DE") == date(2026, 5, 8)
    # A country without a calendar still skips weekends.
    assert add_business_days(date(2026, 5, 8), 1, country="ZZ") == date(2026, 5, 11)


def test_christmas_and_new_year_push_the_window_out():
    window = delivery_window(now=datetime(2026, 12, 22, 10, 0, tzinfo=PARIS))
    assert (window.earliest, window.latest) == (date(2026, 12, 28), date(2027, 1, 5))
    with translation.override("en"):
        assert window.text == "Delivered between Mon 28 Dec and Tue 5 Jan"


def test_the_dates_follow_the_readers_language():
    with translation.override("fr"):
        text = delivery_window(now=TUESDAY).text
    assert "ven" in text and "Fri" not in text


# --- Where the windows are shown --------------------------------------------------------------
@pytest.fixture
def frozen(monkeypatch):
    """Tuesday 1 December 2026, 14:30 in Paris, for every reader of the clock."""
    monkeypatch.setattr(delivery.timezone, "now", lambda: TUESDAY)
    return TUESDAY


@pytest.mark.django_db
def test_each_offer_on_the_product_page_shows_its_sellers_window(client, frozen):
    listing = ListingFactory(price=Decimal("300.00"))
    ListingFactory(product=listing.product, grade=listing.grade, price=Decimal("320.00"),
                   seller=SellerFactory(shipping_days=1))
    url = listing.product.model.get_absolute_url() + f"?variant={listing.product.slug}&grade={listing.grade}"
    text = client.get(url).content.decode()
    buy_box, others = text.split('id="other-offers-title"')
    assert "Delivered between Fri 4 and Fri 11 Dec" in buy_box
    assert "or Thu 3 – Tue 8 Dec by express" in buy_box
    assert "Delivered between Fri 4 and Thu 10 Dec" in others  # that seller ships the next business day


@pytest.mark.django_db
def test_the_cached_product_page_moves_its_window_with_the_day(client, monkeypatch):
    listing = ListingFactory(price=Decimal("300.00"))
    url = listing.product.model.get_absolute_url()
    monkeypatch.setattr(delivery.timezone, "now", lambda: TUESDAY)
    assert "Delivered between Fri 4 and Fri 11 Dec" in client.get(url).content.decode()
    monkeypatch.setattr(delivery.timezone, "now", lambda: datetime(2026, 12, 2, 9, 0, tzinfo=PARIS))
    assert "Delivered between Mon 7 and Mon 14 Dec" in client.get(url).content.decode()


@pytest.mark.django_db
def test_cart_and_checkout_show_the_window_and_never_promise_next_working_day(client, frozen, listing):
    from tests.orders.test_checkout import GUEST

    quick = ListingFactory(price=Decimal("100.00"), seller=SellerFactory(shipping_days=1))
    for offer in (listing, quick):
        client.post(reverse("orders:cart_add"), {"listing": offer.pk, "quantity": 1})
    text = client.get(reverse("orders:cart")).content.decode()
    assert "Delivered between Fri 4 and Fri 11 Dec" in text  # one parcel each
    assert "Delivered between Fri 4 and Thu 10 Dec" in text
    text = client.get(reverse("orders:checkout")).content.decode()
    assert "next working day" not in text
    # The order's window runs to the slower seller's latest day.
    assert "Standard tracked delivery: Delivered between Fri 4 and Fri 11 Dec" in text
    assert "Express delivery: Delivered between Thu 3 and Tue 8 Dec" in text
    response = client.post(reverse("orders:checkout"), {**GUEST, "shipping_method": "express"})
    assert response.status_code == 302
    text = client.get(reverse("orders:checkout_review")).content.decode()
    assert '<p class="delivery-window"><strong>Delivered between Thu 3 and Tue 8 Dec</strong></p>' in text
    assert "Delivered between Thu 3 and Mon 7 Dec" in text  # the quick seller's parcel


@pytest.mark.django_db
def test_delivery_dates_cost_no_query_per_seller(client, frozen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.orders.test_checkout import GUEST

    def add_sellers(count):
        for n in range(count):
            offer = ListingFactory(price=Decimal("100.00") + n, seller=SellerFactory(shipping_days=1 + n % 2))
            client.post(reverse("orders:cart_add"), {"listing": offer.pk, "quantity": 1})
        client.post(reverse("orders:checkout"), GUEST)
        counts = []
        for name in ("orders:cart", "orders:checkout", "orders:checkout_review"):
            client.get(reverse(name))  # once first: the session's own first-visit queries
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name)).status_code == 200
            counts.append(len(queries))
        return counts

    one = add_sellers(1)
    assert add_sellers(3) == one  # four sellers' parcels, each with its window: the same queries
