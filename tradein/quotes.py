"""The shopper's answers about a device and the condition they mean.

The price for them is computed on the server from the sellers' offers and stored as a quote
(services.trade_in_quote_give): a page only ever posts the answers, never a price to trust.
"""
from dataclasses import asdict, dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Condition

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

    @classmethod
    def stored(cls, data: dict) -> "Answers":
        """From a quote's stored answers."""
        return cls(**{name: data.get(name) for name in cls.__dataclass_fields__})

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
