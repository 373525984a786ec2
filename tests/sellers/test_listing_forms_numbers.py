"""The back-office listing forms read prices as the seller types them, with the import's parser."""
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from sellers.forms import ListingEditForm, ListingInlineForm
from tests.factories import ListingFactory, SellerMemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(("typed", "price"), [("599,00", "599.00"), ("599.00", "599.00"),
                                              ("1 049,00 €", "1049.00"), ("1.049,50", "1049.50")])
def test_a_price_typed_with_a_decimal_comma_or_point_is_read_in_english_and_french(language, typed, price):
    with translation.override(language):
        form = ListingInlineForm({"price": typed, "quantity": "1"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["price"] == Decimal(price)


def test_an_ambiguous_price_is_read_as_the_pages_language_writes_numbers():
    with translation.override("fr"):
        french = ListingInlineForm({"price": "1,049", "quantity": "1"})
        assert french.is_valid()
    with translation.override("en"):
        english = ListingInlineForm({"price": "1,049", "quantity": "1"})
        assert english.is_valid()
    assert french.cleaned_data["price"] == Decimal("1.049")
    assert english.cleaned_data["price"] == Decimal("1049")


def test_a_price_that_is_not_a_number_is_refused_saying_so():
    form = ListingEditForm({"price": "abc", "quantity": "1", "warranty_months": "12"})
    assert not form.is_valid()
    assert "“abc” is not a number." in form.errors["price"][0]


def test_the_edit_page_saves_599_comma_00(client):
    owner = SellerMemberFactory()
    client.force_login(owner.user)
    listing = ListingFactory(seller=owner.seller)
    response = client.post(reverse("sellers:listing_update", args=[listing.pk]),
                           {"price": "599,00", "quantity": "5", "warranty_months": "12"})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.price == Decimal("599.00")
