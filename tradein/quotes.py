"""The shopper's answers about a device and the condition they mean; the best offer for them.

Prices are computed here, on the server, from the sellers' offers: a page only ever shows or
posts back the answers, never a price to trust.
"""
from dataclasses import asdict, dataclass
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Condition
from .selectors import best_offer

QUOTE_VALID_DAYS = 14
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
MARKS = [("none", _("None, like new")), ("light", _("Light scratches")),
         ("heavy", _("Visible dents or deep scratches"))]


class AnswersForm(forms.Form):
    """A few plain questions; each answer is checked against its choices."""

    powers_on = forms.ChoiceField(label=_("Does it power on?"), choices=YES_NO, widget=forms.RadioSelect)
    screen_cracked = forms.ChoiceField(label=_("Is the screen cracked?"), choices=YES_NO,
                                       widget=forms.RadioSelect)
    body_marks = forms.ChoiceField(label=_("Marks on the body?"), choices=MARKS, widget=forms.RadioSelect)
    battery_health = forms.IntegerField(label=_("Battery health, if you know it (%)"), required=False,
                                        min_value=1, max_value=100)
    accessories = forms.ChoiceField(label=_("Will you send the charger or the box with it?"), choices=YES_NO,
                                    widget=forms.RadioSelect)
    lock_removed = forms.ChoiceField(
        label=_("Have you removed the iCloud or Google lock (Find My)?"), choices=YES_NO,
        widget=forms.RadioSelect,
        help_text=_("A locked device cannot be used by anyone else: we cannot buy it."))

    def clean_lock_removed(self):
        if self.cleaned_data["lock_removed"] != "yes":
            raise forms.ValidationError(_(
                "Remove the iCloud or Google lock first (Settings › your name › Find My, or "
                "Settings › Google › Find My Device), then answer again."))
        return "yes"


@dataclass(frozen=True)
class Answers:
    powers_on: bool
    screen_cracked: bool
    body_marks: str
    battery_health: int | None
    accessories: bool
    lock_removed: bool

    @classmethod
    def of(cls, data: dict) -> "Answers":
        """From an AnswersForm's cleaned data."""
        return cls(powers_on=data["powers_on"] == "yes", screen_cracked=data["screen_cracked"] == "yes",
                   body_marks=data["body_marks"], battery_health=data.get("battery_health"),
                   accessories=data["accessories"] == "yes", lock_removed=data["lock_removed"] == "yes")

    def as_dict(self) -> dict:
        return asdict(self)


def condition_for(answers: Answers) -> str:
    """Does not power on < cracked < worn < flawless: the worst the answers say. A worn-out
    battery (below 80 %) makes a device worn, however it looks."""
    if not answers.powers_on:
        return Condition.DEAD
    if answers.screen_cracked:
        return Condition.CRACKED
    if answers.body_marks != "none" or (answers.battery_health is not None and answers.battery_health < 80):
        return Condition.WORN
    return Condition.FLAWLESS


@dataclass(frozen=True)
class Quote:
    product_id: int
    condition: str
    offer: object | None  # the best TradeInOffer, or None
    valid_until: object

    @property
    def price(self):
        return self.offer.price if self.offer else None


def quote_for(*, product_id: int, answers: Answers, now=None) -> Quote:
    condition = condition_for(answers)
    now = now or timezone.now()
    return Quote(product_id=product_id, condition=condition,
                 offer=best_offer(product_id=product_id, condition=condition),
                 valid_until=now + timedelta(days=QUOTE_VALID_DAYS))
