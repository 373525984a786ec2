"""Forms of warranty claims: they parse input; the rules live in aftersales.services."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import WarrantyClaim
from .services import MAX_DESCRIPTION, MAX_PHOTOS
from .states import SELLER_MOVES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(item, initial) for item in files]


class WarrantyClaimForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong?"), choices=WarrantyClaim.Reason.choices)
    description = forms.CharField(
        label=_("Describe the fault"), max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("When it happens, what you tried, what the device shows."))
    photos = PhotosField(label=_("Photos (optional)"), required=False, help_text=_(
        "Up to %(max)s JPEG, PNG or WebP pictures that show the fault.") % {"max": MAX_PHOTOS})


class SellerAnswerForm(forms.Form):
    """The answers the claim's state allows (aftersales.states.SELLER_MOVES) are offered."""

    decision = forms.ChoiceField(label=_("Your answer"), widget=forms.RadioSelect, choices=[
        (WarrantyClaim.State.ACCEPTED, _("Accept: I will repair, replace or refund the device")),
        (WarrantyClaim.State.DECLINED, _("Decline: the fault is not covered")),
        (WarrantyClaim.State.RESOLVED, _("Resolved: the device is repaired, replaced or refunded")),
    ])
    message = forms.CharField(label=_("Message to the shopper"), max_length=MAX_DESCRIPTION,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("How and when, or why it is not covered. The shopper reads it."))

    def __init__(self, *args, claim: WarrantyClaim, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["decision"]
        field.choices = [(value, label) for value, label in field.choices
                         if (claim.state, value) in SELLER_MOVES]
        if len(field.choices) == 1:
            field.initial = field.choices[0][0]
