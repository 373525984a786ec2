"""Forms of the seller's catalog pages: proposing a missing product. They parse input; the rules
(reference check digit, duplicates, photo checks) live in catalog.proposals."""
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.images import MAX_UPLOAD_BYTES
from catalog.models import ProductModel
from catalog.proposals import MAX_PHOTOS


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS files; each is decoded by Pillow in the service (catalog.images)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(PhotosField, self).clean(file, initial) for file in files]


class ProductProposalForm(forms.Form):
    model = forms.ModelChoiceField(
        label=_("Device model"), required=False, empty_label=_("— Not in the list: type it below —"),
        queryset=ProductModel.objects.filter(is_published=True).select_related("brand")
        .order_by("brand__name", "name"),
        help_text=_("The catalog's device model this variant belongs to."))
    brand_name = forms.CharField(label=_("Brand"), required=False, max_length=100,
                                 help_text=_("Only when the device model is not in the list."))
    model_name = forms.CharField(label=_("Model name"), required=False, max_length=150,
                                 help_text=_("Only when the device model is not in the list, e.g. "
                                             "iPhone 16e."))
    storage_gb = forms.IntegerField(label=_("Storage (GB)"), required=False, min_value=1, max_value=65536,
                                    help_text=_("1 TB = 1024 GB."))
    colour = forms.CharField(label=_("Colour"), required=False, max_length=50)
    connectivity = forms.CharField(label=_("Connectivity"), required=False, max_length=50,
                                   help_text=_("For example Unlocked, Wi-Fi, Wi-Fi + Cellular."))
    reference = forms.CharField(label=_("EAN or part number"), max_length=40,
                                help_text=_("The 13-digit EAN on the box (its check digit is verified), or "
                                            "the manufacturer part number."))
    note = forms.CharField(label=_("Note for our catalog team"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("Photos (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = gettext(
            "Up to %(max)s JPEG, PNG or WebP pictures, at most %(mb)s MB each.") % {
            "max": MAX_PHOTOS, "mb": MAX_UPLOAD_BYTES // 1024 // 1024}
        self.fields["model"].label_from_instance = lambda model: f"{model.brand.name} {model.name}"
