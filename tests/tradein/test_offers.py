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


def test_api_saves_one_offer_with_one_cap_for_every_variant_of_a_model_and_storage(client, owner, rival,
                                                                                   colours, offers):
    _key, raw = api_key_create(seller=owner.seller, name="ERP", scopes=[Scope.LISTINGS])
    body = {"model": "iPhone 12", "storage_gb": 128, "condition": "worn", "price": 180.0, "cap": 4}
    saved = client.put(BY_MODEL, body, content_type="application/json", **_api(client, raw))
    assert saved.status_code == 200, saved.content
    answer = saved.json()
    assert answer["status"] == "created"
    offer = answer["offer"]
    assert (offer["product_reference"], offer["model"], offer["storage_gb"]) == (None, "iPhone 12", 128)
    assert (offer["price"], offer["cap"], offer["is_active"], offer["open_quotes"]) == ("180.00", 4, True, 0)
    [worn] = TradeInOffer.objects.filter(seller=owner.seller, condition="worn")  # one, not one per colour
    assert (worn.product_id, worn.model_id, worn.storage_gb, worn.cap) == (None, colours["black"].model_id,
                                                                          128, 4)
    again = client.put(BY_MODEL, {**body, "model": "iphone-12"}, content_type="application/json",
                       **_api(client, raw))
    assert again.json()["status"] == "unchanged" and again.json()["offer"]["id"] == worn.pk
    off = client.put(BY_MODEL, {**body, "price": 170.5, "is_active": False}, content_type="application/json",
                     **_api(client, raw))
    assert off.json()["status"] == "updated"
    worn.refresh_from_db()
    assert (worn.price, worn.is_active, worn.cap) == (Decimal("170.50"), False, 4)
    # Compared with the others as on GET /offers (the rival's cracked offer on the black one beats
    # it), and the rival's own offers untouched.
    cracked = {"model": "iPhone 12", "storage_gb": 128, "condition": "cracked", "price": 100.0, "cap": 1}
    mine = client.put(BY_MODEL, cracked, content_type="application/json", **_api(client, raw)).json()["offer"]
    assert (mine["best_other_price"], mine["is_best"]) == ("110.00", False)
    assert TradeInOffer.objects.get(pk=offers["theirs"]["cracked"].pk).price == Decimal("110.00")
    assert not TradeInOffer.objects.filter(seller=rival.seller, condition="worn").exists()
    listed = client.get("/api/v1/trade-in/offers", **_api(client, raw)).json()
    by_model = [o for o in listed if o["model"] == "iPhone 12"]
    assert sorted((o["condition"], o["cap"]) for o in by_model) == [("cracked", 1), ("worn", 4)]
    assert all(o["product_reference"] is None and o["storage_gb"] == 128 for o in by_model)


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


# --- Offers for a model and storage: one offer, one cap, and the product's own offer wins ------------
def _by_model(seller, condition, price, cap, **values):
    from tradein.offers import offer_save_for_model

    return offer_save_for_model(seller=seller, model_ref="iphone-12", storage_gb=128, condition=condition,
                                price=price, cap=cap, **values)[0]


def test_a_model_offer_is_one_row_whatever_the_colours_and_saving_again_changes_it(owner, colours):
    first = _by_model(owner.seller, "worn", "150", 20)
    second = _by_model(owner.seller, "worn", "140", 15)
    assert first.pk == second.pk
    [offer] = TradeInOffer.objects.filter(seller=owner.seller)
    assert (offer.model_id, offer.storage_gb, offer.product_id, offer.cap) == (colours["black"].model_id, 128,
                                                                               None, 15)


def test_an_offer_names_a_product_or_a_model_and_storage_never_both(owner, colours):
    from django.db import IntegrityError, transaction

    for values in ({"product": colours["black"], "model": colours["black"].model, "storage_gb": 128},
                   {"model": colours["black"].model}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            TradeInOffer.objects.create(seller=owner.seller, condition="worn", price="1", cap=1, **values)


def test_best_offer_for_a_variant_includes_the_model_and_storage_offers(offers, colours, owner, rival):
    _by_model(rival.seller, "cracked", "120", 3)
    # Black: the rival's own product offer (110) wins over its model offer (120) for that colour.
    best_black = best_offer(product_id=colours["black"].pk, condition="cracked")
    assert (best_black.seller, best_black.price, best_black.product) == (rival.seller, Decimal("110.00"),
                                                                         colours["black"])
    # White has no product offer: the rival's model offer applies to it; not to the 64 GB.
    best_white = best_offer(product_id=colours["white"].pk, condition="cracked")
    assert (best_white.seller, best_white.price, best_white.product) == (rival.seller, Decimal("120.00"),
                                                                         None)
    assert best_offer(product_id=colours["64"].pk, condition="cracked") is None


def test_a_sellers_product_offer_wins_over_its_model_offer_even_switched_off(owner, colours):
    model_offer = _by_model(owner.seller, "worn", "150", 20)
    own, _status = offer_save(seller=owner.seller, product=colours["white"], condition="worn", price="130",
                              cap=2)
    assert best_offer(product_id=colours["white"].pk, condition="worn").pk == own.pk
    assert best_offer(product_id=colours["black"].pk, condition="worn").pk == model_offer.pk
    TradeInOffer.objects.filter(pk=own.pk).update(is_active=False)  # white set apart: not bought at all
    assert best_offer(product_id=colours["white"].pk, condition="worn") is None


def test_sell_pages_show_the_variants_a_model_offer_buys(client, colours, rival):
    from tradein.selectors import model_slug_has_offers, models_with_offers, products_with_offers

    assert not model_slug_has_offers(slug="iphone-12")
    _by_model(rival.seller, "flawless", "320", 3)
    assert model_slug_has_offers(slug="iphone-12")
    assert [m.slug for m in models_with_offers()] == ["iphone-12"]
    shown = {p.pk: p.best_price for p in products_with_offers(model=colours["black"].model)}
    assert shown == {colours["black"].pk: Decimal("320.00"), colours["white"].pk: Decimal("320.00")}


def test_seller_compares_its_model_offer_with_the_others_on_any_variant(offers, colours, owner, rival):
    mine = _by_model(owner.seller, "cracked", "100", 5)
    theirs = _by_model(rival.seller, "flawless", "290", 5)
    compared = {o.pk: o for o in seller_offers_compared(seller=owner.seller)}
    assert compared[mine.pk].best_other == Decimal("110.00")  # the rival's black cracked offer
    assert (compared[mine.pk].model_name, compared[mine.pk].storage) == ("iPhone 12", 128)
    # The rival's model offer (290) applies to our white flawless one ...
    white, _status = offer_save(seller=owner.seller, product=colours["white"], condition="flawless",
                                price="300", cap=1)
    compared = {o.pk: o for o in seller_offers_compared(seller=owner.seller)}
    assert compared[white.pk].best_other == Decimal("290.00")
    # ... not to the black, where the rival's own black offer (280) wins over its model offer.
    assert compared[offers["ours"]["flawless"].pk].best_other == Decimal("280.00")
    TradeInOffer.objects.filter(pk=theirs.pk).update(is_active=False)
    assert seller_offers_compared(seller=owner.seller).get(pk=white.pk).best_other is None


def test_offer_statistics_count_a_model_offer_once_with_its_one_cap(offers, colours, rival):
    from tradein.selectors import offer_statistics_per_model

    _by_model(rival.seller, "worn", "150", 20)
    [row] = offer_statistics_per_model()
    assert (row.offers, row.sellers, row.wanted, row.best_worn) == (5, 2, 34, Decimal("150.00"))
