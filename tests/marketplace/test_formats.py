"""Dates follow the reader's language: English is written "1 Dec 2026" (never "12/01/2026", which
a European reads as 12 January), French and Spanish keep their own day-first formats."""
import datetime

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format

DAY = datetime.date(2026, 12, 1)
MOMENT = datetime.datetime(2026, 12, 1, 14, 5)


@pytest.mark.parametrize(("language", "short", "long"), [
    ("en", "1 Dec 2026", "1 Dec 2026"),
    ("fr", "01/12/2026", "1 décembre 2026"),
    ("es", "01/12/2026", "1 de diciembre de 2026"),
])
def test_dates_in_each_language(language, short, long):
    with translation.override(language):
        assert date_format(DAY, "SHORT_DATE_FORMAT") == short
        assert date_format(DAY, "DATE_FORMAT") == long
        assert Template('{{ day|date:"SHORT_DATE_FORMAT" }}').render(Context({"day": DAY})) == short


def test_english_times_are_on_the_24_hour_clock():
    with translation.override("en"):
        assert date_format(MOMENT, "SHORT_DATETIME_FORMAT") == "1 Dec 2026, 14:05"
        assert date_format(MOMENT, "DATETIME_FORMAT") == "1 Dec 2026, 14:05"


@pytest.mark.parametrize("typed", ["2026-12-01", "01/12/2026", "1 Dec 2026"])
def test_an_english_date_field_reads_the_day_first(typed):
    with translation.override("en"):
        field = forms.DateField()
        assert field.clean(typed) == DAY
