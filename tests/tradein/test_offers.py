"""Sellers' trade-in offers: one writer for every door (back office, API, CSV), compared with the
best of the others, and only a member whose role changes listings may set them."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sellers.api_auth import api_key_create
from sellers.permissions import RoleForbidden, Scope
from tradein.models import TradeInOffer
from tradein.offers import offer_save
from tradein.selectors import best_offer, seller_offers_compared

pytestmark = pytest.mark.django_db


def test_saving_twice_reports_created_then_unchanged_then_updated(iphone, owner):
    offer, status = offer_save(seller=owner.seller, product=iphone, condition="worn", price="150", cap=3)
    assert status == "created" and offer.price == Decimal("150.00")
    again = offer_save(seller=owner.seller, product=iphone, condition="worn", price="150.00", cap=3)
    assert again[1] == "unchanged"
    offer, status = offer_save(seller=owner.seller, product=iphone, condition="worn", price="149.5", cap=0)
    assert status == "updated" and (offer.price, offer.cap) == (Decimal("149.50"), 0)
    assert TradeInOffer.objects.filter(seller=owner.seller).count() == 1


@pytest.mark.parametrize("field, value", [
    ("price", "0"), ("price", "-5"), ("price", "abc"), ("price", "20000"),
    ("cap", "-1"), ("cap", "1.5"), ("cap", "x"), ("condition", "mint")])
def test_bad_offer_values_are_refused_with_the_field_named(iphone, owner, field, value):
    values = {"condition": "worn", "price": "100", "cap": 2, field: value}
    with pytest.raises(ValidationError) as refused:
        offer_save(seller=owner.seller, product=iphone, **values)
    assert field in refused.value.message_dict
    assert not TradeInOffer.objects.exists()


def test_a_warehouse_member_may_not_set_offers(iphone, warehouse):
    with pytest.raises(RoleForbidden):
        offer_save(seller=warehouse.seller, product=iphone, condition="worn", price="100", cap=2,
                   actor=warehouse.user)


def test_best_offer_is_the_highest_live_price_and_ignores_empty_caps_and_switched_off(offers, iphone):
    assert best_offer(product_id=iphone.pk, condition="cracked").price == Decimal("110.00")
    assert best_offer(product_id=iphone.pk, condition="flawless").seller.name == "GreenFix"
    theirs = offers["theirs"]["cracked"]
    TradeInOffer.objects.filter(pk=theirs.pk).update(cap=0)
    assert best_offer(product_id=iphone.pk, condition="cracked").price == Decimal("95.00")
    TradeInOffer.objects.filter(pk=offers["ours"]["cracked"].pk).update(is_active=False)
    assert best_offer(product_id=iphone.pk, condition="cracked") is None


def test_seller_sees_its_price_beside_the_best_of_the_others(offers, owner):
    compared = {o.condition: o for o in seller_offers_compared(seller=owner.seller)}
    assert compared["cracked"].price == Decimal("95.00")
    assert compared["cracked"].best_other == Decimal("110.00")
    assert compared["flawless"].best_other == Decimal("280.00")


def test_offers_page_compares_in_a_fixed_number_of_queries(client, offers, owner, iphone,
                                                          django_assert_max_num_queries):
    client.force_login(owner.user)
    url = reverse("tradein:seller_offers")
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "iPhone 12" in text and "110.00" in text
    for n in range(6):
        offer_save(seller=owner.seller, product=iphone, condition="worn", price=str(100 + n), cap=1)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_back_office_form_saves_an_offer_with_a_comma_price(client, owner, iphone):
    client.force_login(owner.user)
    response = client.post(reverse("tradein:seller_offers"), {
        "product": iphone.pk, "condition": "worn", "price": "149,90", "cap": "4", "is_active": "on"})
    assert response.status_code == 302
    offer = TradeInOffer.objects.get(seller=owner.seller)
    assert (offer.price, offer.cap, offer.is_active) == (Decimal("149.90"), 4, True)


def test_back_office_switch_of_another_sellers_offer_is_a_404(client, offers, owner):
    client.force_login(owner.user)
    theirs = offers["theirs"]["cracked"]
    assert client.post(reverse("tradein:seller_offer_switch", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


# --- API -------------------------------------------------------------------------------------------
def _api(client, key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_api_lists_and_saves_offers_with_the_comparison(client, offers, owner, iphone):
    _key, raw = api_key_create(seller=owner.seller, name="ERP", scopes=[Scope.LISTINGS])
    listed = client.get("/api/v1/trade-in/offers", **_api(client, raw))
    assert listed.status_code == 200, listed.content
    cracked = next(o for o in listed.json() if o["condition"] == "cracked")
    assert cracked["best_other_price"] == "110.00" and cracked["is_best"] is False
    body = {"product_reference": iphone.reference, "condition": "cracked", "price": 111.0, "cap": 9}
    saved = client.put("/api/v1/trade-in/offers", body, content_type="application/json", **_api(client, raw))
    assert saved.status_code == 200, saved.content
    assert saved.json()["status"] == "updated" and saved.json()["offer"]["is_best"] is True


def test_api_refuses_a_read_only_key_bad_values_and_unknown_products(client, offers, owner, iphone):
    _key, read_only = api_key_create(seller=owner.seller, name="BI", scopes=[Scope.READ])
    body = {"product_reference": iphone.reference, "condition": "cracked", "price": 99, "cap": 1}
    assert client.put("/api/v1/trade-in/offers", body, content_type="application/json",
                      **_api(client, read_only)).status_code == 403
    _key, raw = api_key_create(seller=owner.seller, name="ERP", scopes=[Scope.LISTINGS])
    for bad in ({"condition": "mint"}, {"price": -1}, {"price": "99"}, {"price": 20000}, {"cap": -3},
                {"cap": True}, {"cap": 10001}, {"extra": 1}):
        response = client.put("/api/v1/trade-in/offers", {**body, **bad}, content_type="application/json",
                              **_api(client, raw))
        assert response.status_code == 422, (bad, response.content)
    unknown = client.put("/api/v1/trade-in/offers", {**body, "product_reference": "nope"},
                         content_type="application/json", **_api(client, raw))
    assert unknown.status_code == 422 and "product_reference" in unknown.json()["errors"]
    assert TradeInOffer.objects.get(seller=owner.seller, condition="cracked").price == Decimal("95.00")
