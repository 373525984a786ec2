"""Back-office forms for repricing: a listing's rule, the seller's default, a bulk match. They parse
input; the rules live in sellers.repricing."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import LocalDecimalField

STRATEGY_CHOICES = [("off", _("Off")), ("match", _("Match the price to win")),
                    ("beat", _("Beat the price to win by an amount"))]


def _said(value):
    return {"yes": True, "no": False}.get(value)


class ListingRuleForm(forms.Form):
    floor_price = LocalDecimalField(label=_("Floor price"), required=False,
                                    help_text=_("Repricing never goes below it. A rule needs one."))
    ceiling_price = LocalDecimalField(label=_("Ceiling price"), required=False,
                                      help_text=_("Repricing never goes above it. Empty: no ceiling."))
    reprice_strategy = forms.ChoiceField(label=_("Strategy"), required=False,
                                         choices=[("", _("Your default")), *STRATEGY_CHOICES])
    reprice_beat_by = LocalDecimalField(label=_("Beat by"), required=False,
                                        help_text=_("With “beat”: how far under the price to win. "
                                                    "Empty: your default."))
    reprice_raise = forms.TypedChoiceField(
        label=_("When winning"), required=False, coerce=_said, empty_value=None,
        choices=[("", _("Your default")), ("yes", _("Raise to just under the runner-up")),
                 ("no", _("Keep the price"))])
    confirm_low_price = forms.BooleanField(label=_("Yes, this floor is right"), required=False)

    def rule(self) -> tuple[dict, bool]:
        """(the rule's fields, the low-price confirmation); an empty field clears its value."""
        data = dict(self.cleaned_data)
        confirm = data.pop("confirm_low_price", False)
        return {name: (None if value == "" else value) for name, value in data.items()}, confirm


class SellerRuleForm(forms.Form):
    strategy = forms.ChoiceField(label=_("Default strategy"), choices=STRATEGY_CHOICES,
                                 help_text=_("For listings with a floor that name no strategy of their own."))
    beat_by = LocalDecimalField(label=_("Beat by"), required=False,
                                help_text=_("With “beat”: how far under the price to win, e.g. 1.00."))
    raise_when_winning = forms.BooleanField(
        label=_("When a listing wins, raise it to just under what still wins against the runner-up"),
        required=False)


class BulkMatchForm(forms.Form):
    strategy = forms.ChoiceField(label=_("Set each price to"), initial="match", choices=[
        ("match", _("The price to win")), ("beat", _("The price to win, less an amount"))])
    beat_by = LocalDecimalField(label=_("Amount"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("strategy") == "beat" and not data.get("beat_by"):
            self.add_error("beat_by", _("Give the amount to beat the price to win by."))
        return data
