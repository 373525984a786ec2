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


@pytest.fixture
def colours(iphone):
    """The iPhone 12 128 GB in black (the `iphone` fixture) and white, and a 64 GB white."""
    from tests.factories import ProductFactory

    white = ProductFactory(model=iphone.model, storage_gb=128, colour="White", reference="0194252030400")
    small = ProductFactory(model=iphone.model, storage_gb=64, colour="White", reference="0194252030417")
    return {"black": iphone, "white": white, "64": small}


BY_MODEL = "/api/v1/trade-in/offers/by-model"


def test_api_saves_one_offer_for_every_variant_of_a_model_and_storage(client, owner, rival, colours, offers):
    _key, raw = api_key_create(seller=owner.seller, name="ERP", scopes=[Scope.LISTINGS])
    body = {"model": "iPhone 12", "storage_gb": 128, "condition": "worn", "price": 180.0, "cap": 4}
    saved = client.put(BY_MODEL, body, content_type="application/json", **_api(client, raw))
    assert saved.status_code == 200, saved.content
    answer = saved.json()
    assert answer["status"] == "created"
    assert [(o["product_reference"], o["price"], o["cap"], o["is_active"]) for o in answer["offers"]] == [
        (colours["black"].reference, "180.00", 4, True), (colours["white"].reference, "180.00", 4, True)]
    worn = TradeInOffer.objects.filter(seller=owner.seller, condition="worn")
    assert {o.product_id for o in worn} == {colours["black"].pk, colours["white"].pk}  # not the 64 GB
    again = client.put(BY_MODEL, {**body, "model": "iphone-12"}, content_type="application/json",
                       **_api(client, raw))
    assert again.json()["status"] == "unchanged"
    off = client.put(BY_MODEL, {**body, "price": 170.5, "is_active": False}, content_type="application/json",
                     **_api(client, raw))
    assert off.json()["status"] == "updated"
    assert {(o.price, o.is_active) for o in worn.all()} == {(Decimal("170.50"), False)}
    # Compared with the others as on GET /offers, and the rival's own offers untouched.
    cracked = {"model": "iPhone 12", "storage_gb": 128, "condition": "cracked", "price": 100.0, "cap": 1}
    both = client.put(BY_MODEL, cracked, content_type="application/json", **_api(client, raw)).json()
    black = next(o for o in both["offers"] if o["product_reference"] == colours["black"].reference)
    assert (black["best_other_price"], black["is_best"]) == ("110.00", False)
    assert TradeInOffer.objects.get(pk=offers["theirs"]["cracked"].pk).price == Decimal("110.00")
    assert not TradeInOffer.objects.filter(seller=rival.seller, condition="worn").exists()


@pytest.mark.parametrize("bad, field", [
    ({"model": "iPhone 99"}, "model"), ({"storage_gb": 256}, "storage_gb"),
    ({"storage_gb": "128"}, "storage_gb"), ({"storage_gb": 0}, "storage_gb"),
    ({"storage_gb": 12.5}, "storage_gb"), ({"model": ""}, "model"),
    ({"model": "iPhone\n12"}, "model"), ({"condition": "mint"}, "condition"), ({"price": 0}, "price"),
    ({"cap": -1}, "cap"), ({"product_reference": "0194252030394"}, "product_reference"),
])
def test_api_by_model_refuses_bad_input_with_a_422_naming_the_field(client, owner, colours, bad, field):
    _key, raw = api_key_create(seller=owner.seller, name="ERP", scopes=[Scope.LISTINGS])
    body = {"model": "iPhone 12", "storage_gb": 128, "condition": "worn", "price": 180.0, "cap": 4, **bad}
    response = client.put(BY_MODEL, body, content_type="application/json", **_api(client, raw))
    assert response.status_code == 422, response.content
    assert field in str(response.json()), response.json()
    assert not TradeInOffer.objects.exists()


def test_api_by_model_needs_the_listings_scope(client, owner, colours):
    _key, read_only = api_key_create(seller=owner.seller, name="BI", scopes=[Scope.READ])
    body = {"model": "iPhone 12", "storage_gb": 128, "condition": "worn", "price": 180.0, "cap": 4}
    response = client.put(BY_MODEL, body, content_type="application/json", **_api(client, read_only))
    assert response.status_code == 403 and not TradeInOffer.objects.exists()
