"""Forms of the reviews: the shopper's stars and comment, the seller's reply."""
from django import forms
from django.utils.translation import gettext_lazy as _

STAR_CHOICES = [(n, _("%(n)s ★") % {"n": n}) for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    stars = forms.TypedChoiceField(label=_("Your rating"), choices=STAR_CHOICES, coerce=int,
                                   widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}))


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Your public reply"), max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3}))
