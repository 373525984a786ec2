"""The category page's filters, read from the query string so a filtered page can be shared."""
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from . import words
from .models import CatalogWord, Grade
from .selectors import DEFAULT_SORT, CategoryFilters, Facets

BATTERY_CHOICES = [("", _("Any battery")), ("90", _("Battery health 90 % or more")),
                   ("new", _("New battery"))]

SORT_CHOICES = [
    ("popular", _("Most offers")),
    ("price", _("Price: low to high")),
    ("price_desc", _("Price: high to low")),
    ("saving", _("Biggest saving")),
    ("newest", _("Newest")),
]


class SearchFilterForm(forms.Form):
    """The search page's filter: the battery of the offers."""

    battery = forms.ChoiceField(label=_("Battery"), required=False, choices=BATTERY_CHOICES)

    def chosen_battery(self) -> str:
        return self.cleaned_data.get("battery", "") if self.is_valid() else ""


def storage_label(gb: int) -> str:
    return words.storage_label(gb)  # "128 GB", "128 Go" in French


class CategoryFilterForm(forms.Form):
    brand = forms.MultipleChoiceField(label=_("Brand"), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    grade = forms.MultipleChoiceField(label=_("Condition"), required=False, choices=Grade.choices,
                                      widget=forms.CheckboxSelectMultiple)
    storage = forms.TypedMultipleChoiceField(label=_("Storage"), required=False, coerce=int,
                                             widget=forms.CheckboxSelectMultiple)
    colour = forms.MultipleChoiceField(label=_("Colour"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    price_min = forms.DecimalField(label=_("Min price"), required=False, min_value=Decimal("0"),
                                   max_digits=10, decimal_places=2)
    price_max = forms.DecimalField(label=_("Max price"), required=False, min_value=Decimal("0"),
                                   max_digits=10, decimal_places=2)
    in_stock = forms.BooleanField(label=_("In stock only"), required=False)
    battery = forms.ChoiceField(label=_("Battery"), required=False, widget=forms.RadioSelect,
                                choices=BATTERY_CHOICES)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, facets: Facets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].choices = facets.brands
        self.fields["storage"].choices = [(gb, storage_label(gb)) for gb in facets.storages]
        # The value stays the catalog's English word; the label is the reader's (catalog.words).
        self.fields["colour"].choices = [(c, words.word(CatalogWord.Kind.COLOUR, c)) for c in facets.colours]

    def clean(self):
        data = super().clean()
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", _("The maximum price must be at least the minimum price."))
        return data

    def filters(self) -> CategoryFilters:
        """The valid part of the query string; a bad value is ignored (and shown as an error)."""
        if not self.is_bound:
            return CategoryFilters()
        self.is_valid()  # fills cleaned_data with the fields that are valid
        valid = self.cleaned_data
        return CategoryFilters(
            brands=tuple(valid.get("brand") or ()),
            grades=tuple(valid.get("grade") or ()),
            storages=tuple(valid.get("storage") or ()),
            colours=tuple(valid.get("colour") or ()),
            price_min=valid.get("price_min"),
            price_max=valid.get("price_max"),
            in_stock=bool(valid.get("in_stock")),
            battery=valid.get("battery") or "",
            sort=valid.get("sort") or DEFAULT_SORT,
        )
