"""When a parcel arrives: the one estimate of a delivery window, for offers, the cart and checkout.

The window is what the seller's commitments and the carrier allow, in business days:
- the earliest: the seller ships on the first business day after the order, and the parcel takes
  the shipping method's shortest transit;
- the latest: the seller accepts at the end of its accept window (SELLER_ACCEPT_HOURS, the same
  window after which an unaccepted order is cancelled), ships its shipping days later (1 or 2
  business days, Seller.shipping_days; the seller terms allow 2 and the on-time rate of
  sellers.performance holds sellers to them), and the parcel takes the method's longest transit.
Business days skip Saturdays, Sundays and the public holidays of the country concerned (the
seller's side in the marketplace's country, the transit in the delivery country), from the
`holidays` package's calendars.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext

# Business days from acceptance to dispatch when the seller is not known (the seller terms:
# "ships within 2 working days"), as Seller.shipping_days defaults to.
SHIP_BUSINESS_DAYS = 2
# Business days in transit, shortest and longest, by shipping method (orders.models.Order.ShippingMethod).
TRANSIT_BUSINESS_DAYS = {"standard": (2, 4), "express": (1, 1)}


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[date]:
    import holidays

    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:  # a country without a calendar: weekends only
        return frozenset()


def is_business_day(day: date, *, country: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(country.upper(), day.year)


def add_business_days(day: date, days: int, *, country: str) -> date:
    """The `days`-th business day after `day` (Thursday + 2: Monday; Saturday + 2: Tuesday);
    for 0, `day` itself when a business day, else the next one."""
    if days == 0:
        while not is_business_day(day, country=country):
            day += timedelta(days=1)
    for _ in range(days):
        day += timedelta(days=1)
        while not is_business_day(day, country=country):
            day += timedelta(days=1)
    return day


@lru_cache(maxsize=4096)
def _days_in_words(earliest: date, latest: date, language: str | None) -> tuple[str, str]:
    """The first and last day as the reader writes them: "Fri 4", "Fri 11 Dec" (the month once
    when both are in it). Formats of Django's date filter, translatable; each pair of days once per
    language (a product page shows two windows an offer, the same few on every page of the day)."""
    same_month = (earliest.year, earliest.month) == (latest.year, latest.month)
    # Translators: Django date formats; "D j" reads "Fri 4", "D j M" reads "Fri 4 Dec".
    start = date_format(earliest, gettext("D j") if same_month else gettext("D j M"))
    return start, date_format(latest, gettext("D j M"))


@dataclass(frozen=True)
class DeliveryWindow:
    earliest: date
    latest: date

    def _days(self) -> tuple[str, str]:
        return _days_in_words(self.earliest, self.latest, get_language())

    @property
    def dates(self) -> str:
        """"Fri 4 – Fri 11 Dec", or "Thu 3 Dec" for a single day."""
        start, end = self._days()
        if self.earliest == self.latest:
            return end
        return gettext("%(start)s – %(end)s") % {"start": start, "end": end}

    @property
    def text(self) -> str:
        """"Delivered between Fri 4 and Fri 11 Dec", or "Delivered on Thu 3 Dec"."""
        start, end = self._days()
        if self.earliest == self.latest:
            return gettext("Delivered on %(day)s") % {"day": end}
        return gettext("Delivered between %(start)s and %(end)s") % {"start": start, "end": end}


def local_today(now: datetime | None = None) -> date:
    return timezone.localdate(now or timezone.now())


def delivery_window(*, shipping_method: str = "standard", country: str | None = None,
                    shipping_days: int = SHIP_BUSINESS_DAYS, now: datetime | None = None) -> DeliveryWindow:
    """The window of a parcel ordered `now` (default: this moment) for delivery in `country`
    (default: the marketplace's), by that shipping method, from a seller shipping within
    `shipping_days` business days of accepting."""
    now = timezone.localtime(now or timezone.now())
    seller_country = settings.MARKETPLACE_COUNTRY
    country = (country or seller_country).upper()
    shortest, longest = TRANSIT_BUSINESS_DAYS.get(shipping_method, TRANSIT_BUSINESS_DAYS["standard"])

    first_dispatch = add_business_days(now.date(), 1, country=seller_country)
    accepted_by = (now + timedelta(hours=settings.SELLER_ACCEPT_HOURS)).date()
    last_dispatch = add_business_days(accepted_by, shipping_days, country=seller_country)
    return DeliveryWindow(earliest=add_business_days(first_dispatch, shortest, country=country),
                          latest=add_business_days(last_dispatch, longest, country=country))


def seller_windows(sellers, *, shipping_method: str = "standard", country: str | None = None,
                   now: datetime | None = None) -> dict[int, DeliveryWindow]:
    """{seller id: the window of its parcel}, for the sellers of a page or a cart (no queries)."""
    by_days: dict[int, DeliveryWindow] = {}
    windows = {}
    for seller in sellers:
        days = seller.shipping_days
        if days not in by_days:
            by_days[days] = delivery_window(shipping_method=shipping_method, country=country,
                                            shipping_days=days, now=now)
        windows[seller.pk] = by_days[days]
    return windows


def order_window(windows) -> DeliveryWindow | None:
    """The window of an order of several parcels: from the first parcel's earliest day to the last
    one's latest."""
    windows = list(windows)
    if not windows:
        return None
    return DeliveryWindow(earliest=min(w.earliest for w in windows), latest=max(w.latest for w in windows))
