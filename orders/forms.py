"""Forms of the shopper's account area."""
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import Address, Order, ReturnRequest


class ProfileForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name"]


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ["full_name", "line1", "line2", "postal_code", "city", "country", "phone",
                  "is_default"]
        widgets = {"country": forms.TextInput(attrs={"maxlength": 2, "autocomplete": "country"})}

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise forms.ValidationError(_("Use the two-letter country code, e.g. FR."))
        return country


class CartAddForm(forms.Form):
    """Only the listing and a quantity: the price is always the listing's (a posted one is ignored)."""

    listing = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)


class CartLineForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0)


class CartLineReplaceForm(forms.Form):
    """The offer the cart proposed in place of a sold-out line, and the price it showed."""

    listing = forms.IntegerField(min_value=1)
    price = forms.DecimalField(min_value=Decimal("0.01"), max_digits=12, decimal_places=2)


ADDRESS_FIELDS = ["full_name", "line1", "line2", "postal_code", "city", "country", "phone"]


class CheckoutDeliveryForm(forms.Form):
    """Where and how to deliver: a saved address or a new one, an e-mail for guests, the shipping."""

    NEW = "new"

    email = forms.EmailField(label=_("E-mail for your receipt"),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    saved_address = forms.ChoiceField(label=_("Deliver to"), widget=forms.RadioSelect, required=False)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    line1 = forms.CharField(label=_("Address line 1"), max_length=200, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "address-line1"}))
    line2 = forms.CharField(label=_("Address line 2 (optional)"), max_length=200, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "address-line2"}))
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "postal-code"}))
    city = forms.CharField(label=_("City"), max_length=100, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    country = forms.CharField(label=_("Country (two letters, e.g. FR)"), max_length=2, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "country"}))
    phone = forms.CharField(label=_("Phone (optional, for the carrier)"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}))
    save_address = forms.BooleanField(label=_("Save this address to my account"), required=False)
    shipping_method = forms.ChoiceField(label=_("Delivery"), widget=forms.RadioSelect)

    def __init__(self, *args, user=None, addresses=(), shipping_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.addresses = {str(a.pk): a for a in addresses}
        self.fields["shipping_method"].choices = shipping_choices
        if user is not None and user.is_authenticated:
            del self.fields["email"]
        else:
            del self.fields["save_address"]
        if self.addresses:
            self.fields["saved_address"].choices = [
                (pk, str(a)) for pk, a in self.addresses.items()] + [(self.NEW, _("A new address"))]
        else:
            del self.fields["saved_address"]

    def clean_country(self) -> str:
        country = self.cleaned_data.get("country", "").strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise forms.ValidationError(_("Use the two-letter country code, e.g. FR."))
        return country

    def clean(self):
        data = super().clean()
        choice = data.get("saved_address") or self.NEW
        if self.addresses and not data.get("saved_address"):
            self.add_error("saved_address", _("Choose an address, or a new one."))
            return data
        if choice == self.NEW:
            for name in ["full_name", "line1", "postal_code", "city", "country"]:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("This field is required."))
        return data

    def address_data(self) -> dict:
        """The chosen address as plain data (kept in the session until the order is placed)."""
        choice = self.cleaned_data.get("saved_address") or self.NEW
        if choice != self.NEW:
            address = self.addresses[choice]
            return {name: getattr(address, name) for name in ADDRESS_FIELDS}
        return {name: self.cleaned_data.get(name, "") for name in ADDRESS_FIELDS}


class TestCardForm(forms.Form):
    __test__ = False
    card_number = forms.CharField(label=_("Card number"), max_length=23,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                                "autocomplete": "cc-number"}))

    def clean_card_number(self) -> str:
        from .payments.test_provider import DECLINE_CARD, SUCCESS_CARD

        number = "".join(self.cleaned_data["card_number"].split())
        if number not in (SUCCESS_CARD, DECLINE_CARD):
            raise forms.ValidationError(_("Use one of the two test cards shown below."))
        return number


# --- Fulfilment: seller back office and returns ----------------------------------------------------
class SellerOrderFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _(
                            "Order number, shopper, e-mail or tracking number")}))
    shipping_method = forms.ChoiceField(label=_("Shipping"), required=False,
                                        choices=[("", _("Any"))] + list(Order.ShippingMethod.choices))
    date_from = forms.DateField(label=_("Ordered from"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Ordered until"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Why do you refuse this order?"), max_length=255,
                             help_text=_("The shopper reads this; they are refunded in full."),
                             error_messages={"required": _("Say why you refuse the order.")})


class ShipForm(forms.Form):
    """Carrier, tracking number and one IMEI/serial field per unit of each line."""

    carrier = forms.ChoiceField(label=_("Carrier"), error_messages={"required": _("Choose the carrier.")})
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=40,
                                      error_messages={"required": _("Enter the tracking number.")})

    def __init__(self, *args, seller_order, **kwargs):
        from .fulfilment import CARRIERS, serial_field

        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["carrier"].choices = [("", _("Choose…"))] + [(name, name) for name in CARRIERS]
        self.lines = list(seller_order.lines.all())
        self.serial_rows = []
        for line in self.lines:
            names = []
            for unit in range(1, line.quantity + 1):
                name = serial_field(line.pk, unit)
                label = (_("IMEI or serial — %(product)s, unit %(unit)s") % {"product": line.product_name,
                                                                          "unit": unit}
                         if line.quantity > 1 else
                         _("IMEI or serial — %(product)s") % {"product": line.product_name})
                self.fields[name] = forms.CharField(
                    label=label, max_length=40,
                    error_messages={"required": _("Enter the IMEI or serial number of this unit.")},
                    widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
                names.append(name)
            self.serial_rows.append((line, [self[name] for name in names]))

    def serials(self) -> dict[int, list[str]]:
        from .fulfilment import serial_field

        return {line.pk: [self.cleaned_data.get(serial_field(line.pk, unit), "")
                          for unit in range(1, line.quantity + 1)] for line in self.lines}


class ReturnNoteForm(forms.Form):
    note = forms.CharField(label=_("Why do you dispute this return?"),
                           widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                           error_messages={"required": _("Say why you dispute this return.")})


class ReturnRequestForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"),
                               choices=[("", _("Choose…"))] + list(ReturnRequest.Reason.choices),
                               error_messages={"required": _("Choose a reason.")})
    comment = forms.CharField(
        label=_("Tell the seller what is wrong"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Tell the seller what is wrong, in a few words.")})


class OrderLookupForm(forms.Form):
    """A guest's order number and the e-mail address it was placed with."""

    number = forms.CharField(label=_("Order number"), max_length=20,
                             help_text=_("In your confirmation e-mail, e.g. R7K2M9QXP."))
    email = forms.EmailField(label=_("E-mail address used for the order"))

    def clean_number(self) -> str:
        return self.cleaned_data["number"].replace(" ", "").lstrip("#").upper()
