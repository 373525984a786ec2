"""`{% language_part %}`: one text per language and value of its variables, kept per process and
bounded; the seller rating and device facts partials rendered through it show each their own values."""
from types import SimpleNamespace

from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from marketplace.templatetags import layout

PART = Template('{% load i18n layout %}{% language_part "probe" value %}[{{ value }}] '
                '{% translate "New seller" %}{% endlanguage_part %}')


def _render(value, language="en") -> str:
    with translation.override(language):
        return PART.render(Context({"value": value}))


def test_each_value_and_language_gets_its_own_text():
    layout.clear()
    assert _render(1) == "[1] New seller"
    assert _render(2) == "[2] New seller"
    assert _render(1, "fr").startswith("[1] ") and _render(1, "fr") != "[1] New seller"
    assert _render(1) == "[1] New seller"  # kept


def test_a_process_keeps_a_bounded_number_of_parts(monkeypatch):
    layout.clear()
    monkeypatch.setattr(layout, "PARTS_KEPT", 3)
    for value in range(10):
        assert _render(value) == f"[{value}] New seller"
        assert len(layout._rendered) <= 3
    assert _render(4) == "[4] New seller"


def test_two_sellers_ratings_and_two_devices_facts_each_show_their_own():
    layout.clear()
    def rating(value, count):
        seller = SimpleNamespace(rating=value, rating_count=count)
        return render_to_string("reviews/_rating.html", {"seller": seller})

    rated, other, new = rating("4.6", 12), rating("3.9", 7), rating("5.0", 2)
    assert "4.6/5" in rated and "(12)" in rated
    assert "3.9/5" in other and "(7)" in other
    assert "New seller" in new
    device = dict(battery_new=False, battery_health=87, is_unlocked=True, has_esim=False,
                  includes_charger=True, includes_cable=False, includes_box=False)
    first = render_to_string("catalog/_offer_device.html", {"offer": SimpleNamespace(**device)})
    changed = {**device, "battery_health": 91, "includes_box": True}
    second = render_to_string("catalog/_offer_device.html", {"offer": SimpleNamespace(**changed)})
    assert "87 %" in first and "original box" not in first and "charger" in first
    assert "91 %" in second and "original box" in second
