"""Forms of the seller back office: they parse input; the rules live in sellers.services."""
from decimal import Decimal

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from catalog.models import Grade, Product
from marketplace.numbers import NumberError, parse_decimal

from .models import MIN_WARRANTY_MONTHS, Seller
from .permissions import INVITABLE_ROLES, Role


class LocalDecimalField(forms.CharField):
    """A price as the seller types it, in any locale: `599,00`, `1 049,00 €`, `1,049.00` (the
    import's parser, marketplace.numbers); the bounds are the service's."""

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        # An ambiguous `1,049` is read as the page's language writes numbers (1.049 in French).
        decimal_mark = "." if (get_language() or "en").split("-")[0] == "en" else ","
        try:
            return parse_decimal(value, decimal_mark=decimal_mark)
        except NumberError as exc:
            raise forms.ValidationError(f"{exc} {_('Enter a price such as 249.90.')}") from exc


class SellerApplicationForm(forms.ModelForm):
    accepted_terms = forms.BooleanField(
        label=_("I accept the seller terms: every device is fully working, ships within 2 working days "
                "and carries a warranty of at least 12 months."),
        error_messages={"required": _("You must accept the seller terms to apply.")},
    )

    class Meta:
        model = Seller
        fields = ["name", "vat_number", "contact_name", "contact_email", "phone", "business_address",
                  "return_address"]
        widgets = {"business_address": forms.Textarea(attrs={"rows": 3}),
                   "return_address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"vat_number": _("Your intra-community VAT number, e.g. FR40123456789."),
                      "return_address": _("Where shoppers send returned devices.")}

    def clean_vat_number(self):
        vat = self.cleaned_data["vat_number"].strip().upper().replace(" ", "")
        if len(vat) < 4 or not vat[:2].isalpha() or not vat[2:].isalnum():
            raise forms.ValidationError(_("Enter a VAT number starting with the country code, "
                                          "e.g. FR40123456789."))
        return vat


def _said(value):
    return {"yes": True, "no": False}.get(value)


class DeviceDetailsForm(forms.Form):
    """The device itself, as the seller states it; the rules are sellers.services.device_details_clean."""

    battery_health = forms.CharField(
        label=_("Battery health (%)"), required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}),
        help_text=_("As the device's battery settings show it, 0 to 100. Empty: not stated."))
    battery_new = forms.BooleanField(label=_("New battery (fitted during refurbishment)"), required=False)
    includes_charger = forms.BooleanField(label=_("Charger in the box"), required=False)
    includes_cable = forms.BooleanField(label=_("Cable in the box"), required=False)
    includes_box = forms.BooleanField(label=_("Original box"), required=False)
    is_unlocked = forms.TypedChoiceField(
        label=_("Unlocked (phones)"), required=False, coerce=_said, empty_value=None,
        choices=[("", _("Not stated")), ("yes", _("Yes, works with every network")), ("no", _("No"))])
    has_esim = forms.TypedChoiceField(
        label=_("eSIM (phones)"), required=False, coerce=_said, empty_value=None,
        choices=[("", _("Not stated")), ("yes", _("Yes")), ("no", _("No"))])

    def clean_battery_health(self):
        return self.cleaned_data["battery_health"].strip() or None

    @staticmethod
    def initial_of(listing) -> dict:
        said = {True: "yes", False: "no", None: ""}
        return {"battery_health": "" if listing.battery_new or listing.battery_health is None
                else listing.battery_health, "battery_new": listing.battery_new,
                "includes_charger": listing.includes_charger, "includes_cable": listing.includes_cable,
                "includes_box": listing.includes_box, "is_unlocked": said[listing.is_unlocked],
                "has_esim": said[listing.has_esim]}


class ListingCreateForm(DeviceDetailsForm):
    field_order = ["product", "grade", "sku", "price", "quantity", "warranty_months"]

    product = forms.IntegerField(
        label=_("Product"), widget=forms.HiddenInput,
        error_messages={"required": _("Choose the catalog product you are selling."),
                        "invalid": _("Choose the catalog product you are selling.")},
    )
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices,
                              help_text=_("The cosmetic condition; every grade is fully working."))
    sku = forms.CharField(label=_("Your SKU"), max_length=64,
                          help_text=_("Your own reference for this offer, unique in your listings."))
    price = LocalDecimalField(label=_("Price"), widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                              help_text=_("Including VAT, e.g. 249.90."))
    quantity = forms.CharField(label=_("Quantity on hand"),
                               widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    warranty_months = forms.CharField(
        label=_("Warranty (months)"), initial=MIN_WARRANTY_MONTHS,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("At least %(min)s months.") % {"min": MIN_WARRANTY_MONTHS},
    )

    def clean_product(self):
        product = (Product.objects.select_related("model").filter(pk=self.cleaned_data["product"])
                   .first())
        if product is None:
            raise forms.ValidationError(_("This product is not in the catalog. Search for it by name "
                                          "or EAN and pick it from the results."))
        return product


class ListingEditForm(DeviceDetailsForm):
    field_order = ["price", "quantity", "warranty_months", "is_active"]

    price = LocalDecimalField(label=_("Price"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    quantity = forms.CharField(label=_("Quantity on hand"),
                               widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    warranty_months = forms.CharField(label=_("Warranty (months)"),
                                      widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    is_active = forms.BooleanField(label=_("Active (shown to shoppers while in stock)"), required=False)


class ListingInlineForm(forms.Form):
    """The row form of the listing list: price and quantity only."""

    price = LocalDecimalField(label=_("Price"))
    quantity = forms.CharField(label=_("Quantity"))


class ListingFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("SKU, model, EAN")}))
    grade = forms.ChoiceField(label=_("Grade"), required=False,
                              choices=[("", _("All grades")), *Grade.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("Active and paused")), ("active", _("Active")), ("paused", _("Paused")),
        ("archived", _("Archived"))])
    stock = forms.ChoiceField(label=_("Stock"), required=False, choices=[
        ("", _("Any stock")), ("in", _("In stock")), ("low", _("Low stock")), ("out", _("Out of stock"))])
    buy_box = forms.ChoiceField(label=_("Buy box"), required=False, choices=[
        ("", _("Winning or not")), ("winning", _("Winning")), ("losing", _("Losing")),
        ("no_competitor", _("No competitor"))])
    losing_within_percent = forms.DecimalField(
        label=_("Losing by less than (%)"), required=False, min_value=Decimal("0.01"),
        max_value=Decimal("100"), max_digits=5, decimal_places=2, localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 4}),
        help_text=_("Losing listings whose price to win is less than this share below their price."))
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("recent", _("Recently updated")), ("product", _("Product")), ("sku", _("SKU")),
        ("price", _("Price, low to high")), ("-price", _("Price, high to low")),
        ("quantity", _("Quantity, low to high")), ("-quantity", _("Quantity, high to low"))])

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail"))
    role = forms.ChoiceField(
        label=_("Role"), initial=Role.MANAGER,
        choices=[(role.value, role.label) for role in INVITABLE_ROLES],
        help_text=_("Manager: listings, stock, orders, returns and their own API keys. Warehouse: "
                    "orders and shipping; listings read only."))


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class SellerSettingsForm(forms.Form):
    low_stock_alerts = forms.BooleanField(
        label=_("Send me a daily e-mail listing my low-stock listings"), required=False)
