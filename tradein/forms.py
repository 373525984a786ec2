"""Trade-in forms: the seller's offer, a counter-offer with photos, into stock; the shopper's IBAN."""
from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Grade, Product, ProductModel
from marketplace.numbers import NumberError, parse_decimal
from sellers.stock_sync import MAX_FILE_BYTES

from .models import Condition


class LocalDecimalField(forms.Field):
    """A price as people type it (`95,00`, `1 049,00 €`): read by marketplace.numbers."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": "20"})

    def __init__(self, *args, max_length: int = 20, **kwargs):
        self.max_length = max_length
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = str(value or "").strip()
        if not value:
            return None
        if len(value) > self.max_length:
            raise forms.ValidationError(_("Enter a price such as 95.00."))
        try:
            return parse_decimal(value)
        except NumberError as exc:
            raise forms.ValidationError(str(exc)) from exc


class OfferForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), required=False,
                                     queryset=Product.objects.filter(is_active=True)
                                     .select_related("model").order_by("model__name", "storage_gb", "pk"))
    model = forms.ModelChoiceField(label=_("Or every colour of a model…"), required=False,
                                   queryset=ProductModel.objects.filter(is_published=True).order_by("name"))
    storage_gb = forms.IntegerField(label=_("… with this storage (GB)"), required=False, min_value=1,
                                    max_value=100_000)
    condition = forms.ChoiceField(label=_("Condition"), choices=Condition.choices)
    price = LocalDecimalField(label=_("Your price (€)"), max_length=20)
    cap = forms.IntegerField(
        label=_("Devices still wanted"), min_value=0, max_value=10_000,
        help_text=_("For a model and its storage: one cap for all its colours together."))
    is_active = forms.BooleanField(label=_("On"), required=False, initial=True)

    def clean(self):
        data = super().clean()
        by_product = data.get("product") is not None
        by_model = data.get("model") is not None or data.get("storage_gb") is not None
        if by_product == by_model or (by_model and not (data.get("model") and data.get("storage_gb"))):
            raise forms.ValidationError(_("Choose a product, or a model and its storage."))
        return data


class OfferFileForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file of trade-in offers"),
        help_text=_("Columns: product_reference (or model and storage_gb), condition, price, cap, active. "
                    "At most %(max)s MB.")
        % {"max": MAX_FILE_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,text/csv"}))


class IbanForm(forms.Form):
    iban = forms.CharField(label=_("IBAN of the account to pay"), max_length=50,
                           help_text=_("We transfer the price there once the seller has checked the device."),
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked as an image by the service (photos.py)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class CounterOfferForm(forms.Form):
    price = LocalDecimalField(label=_("Your counter-offer (€)"), max_length=20)
    reason = forms.CharField(label=_("What differs from the shopper's answers"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleFileField(label=_("Photos that show it (JPEG, PNG or WebP)"), required=False)


class StockForm(forms.Form):
    grade = forms.ChoiceField(label=_("Grade it will sell at, once refurbished"), choices=Grade.choices)
    price = LocalDecimalField(label=_("Selling price (€)"), max_length=20)


class TrackingForm(forms.Form):
    tracking = forms.CharField(label=_("Tracking number"), max_length=100, required=False)
