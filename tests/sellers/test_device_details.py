"""The device itself on a listing (battery, box contents, unlocked and eSIM for phones): one set of
rules in sellers.services, through the back office, the CSV import, the API and its bulk call, and
shown on the product page."""
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.models import Grade
from sellers.models import Listing
from sellers.services import battery_clean, device_details_clean, listing_update
from tests.factories import (
    CategoryFactory,
    ListingFactory,
    ProductFactory,
    ProductModelFactory,
    SellerFactory,
    SellerMemberFactory,
)
from tests.sellers.factories_stock import api_key_for, bearer
from tests.sellers.test_imports import run_import

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def phone():
    phones = CategoryFactory(slug="smartphones", name="Smartphones")
    iphone = CategoryFactory(slug="iphone", name="iPhone", parent=phones)
    return ProductFactory(model=ProductModelFactory(category=iphone))


@pytest.fixture
def laptop():
    return ProductFactory(model=ProductModelFactory(category=CategoryFactory(slug="laptops")))


# --- The rules ---------------------------------------------------------------------------------------
def test_a_new_battery_reads_100_and_a_measured_one_is_not_new():
    assert battery_clean(new=True) == {"battery_health": 100, "battery_new": True}
    assert battery_clean(health="87") == {"battery_health": 87, "battery_new": False}
    assert battery_clean(new=False) == {"battery_new": False}
    assert battery_clean() == {}
    with pytest.raises(ValidationError) as refused:
        battery_clean(health=80, new=True)
    assert "battery_health" in refused.value.message_dict


@pytest.mark.parametrize("health", ["101", "-1", "abc", "9.5"])
def test_battery_health_outside_0_to_100_is_refused(health, phone):
    with pytest.raises(ValidationError) as refused:
        device_details_clean(product=phone, battery_health=health)
    assert "battery_health" in refused.value.message_dict


def test_unlocked_and_esim_are_for_phones_only(phone, laptop):
    assert device_details_clean(product=phone, is_unlocked=True, has_esim=False) == {
        "is_unlocked": True, "has_esim": False}
    with pytest.raises(ValidationError) as refused:
        device_details_clean(product=laptop, is_unlocked=True, has_esim=True)
    assert set(refused.value.message_dict) == {"is_unlocked", "has_esim"}
    # "No" of a laptop is simply not stated.
    assert device_details_clean(product=laptop, is_unlocked=False) == {"is_unlocked": None}


def test_a_database_constraint_keeps_a_new_battery_at_100(phone):
    from django.db import IntegrityError, transaction

    listing = ListingFactory(product=phone)
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(battery_new=True, battery_health=80)


# --- Back office -------------------------------------------------------------------------------------
@pytest.fixture
def owner(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    return member


def test_back_office_creates_and_edits_a_listing_with_its_device_details(client, owner, phone):
    response = client.post(reverse("sellers:listing_create"), {
        "product": phone.pk, "grade": Grade.GOOD, "sku": "IP-1", "price": "549.00", "quantity": "2",
        "warranty_months": "12", "battery_health": "91", "includes_cable": "on", "is_unlocked": "yes",
        "has_esim": "no"})
    assert response.status_code == 302, response.content.decode()[:2000]
    listing = Listing.objects.get(sku="IP-1")
    assert (listing.battery_health, listing.battery_new, listing.includes_charger, listing.includes_cable,
            listing.is_unlocked, listing.has_esim) == (91, False, False, True, True, False)

    edit_url = reverse("sellers:listing_update", args=[listing.pk])
    page = client.get(edit_url).content.decode()
    assert 'name="battery_health"' in page and 'value="91"' in page and 'name="is_unlocked"' in page
    response = client.post(edit_url, {"price": "549.00", "quantity": "2", "warranty_months": "12",
                                      "is_active": "on", "battery_new": "on", "includes_charger": "on",
                                      "includes_box": "on", "is_unlocked": "yes", "has_esim": "yes"})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.battery_health, listing.battery_new, listing.includes_charger, listing.includes_cable,
            listing.includes_box, listing.has_esim) == (100, True, True, False, True, True)


def test_back_office_refuses_a_bad_battery_clearly_and_hides_phone_fields_for_a_laptop(client, owner,
                                                                                        laptop):
    response = client.post(reverse("sellers:listing_create"), {
        "product": laptop.pk, "grade": Grade.GOOD, "sku": "LT-1", "price": "549.00", "quantity": "2",
        "warranty_months": "12", "battery_health": "120"})
    assert response.status_code == 200
    assert "The battery health must be between 0 and 100 %." in response.content.decode()
    response = client.post(reverse("sellers:listing_create"), {
        "product": laptop.pk, "grade": Grade.GOOD, "sku": "LT-1", "price": "549.00", "quantity": "2",
        "warranty_months": "12", "is_unlocked": "yes"})
    assert "Only a phone is unlocked or has an eSIM" in response.content.decode()
    assert not Listing.objects.exists()
    listing = ListingFactory(seller=owner.seller, product=laptop)
    page = client.get(reverse("sellers:listing_update", args=[listing.pk])).content.decode()
    assert 'name="battery_health"' in page and 'name="is_unlocked"' not in page


# --- CSV import --------------------------------------------------------------------------------------
def test_csv_import_reads_the_device_columns_in_french(phone, laptop):
    seller = SellerFactory()
    data = ("SKU vendeur;EAN;État;Prix;Quantité;Batterie;Chargeur;Câble;Boîte d'origine;Débloqué;eSIM\n"
            f"P-1;{phone.reference};Très bon état;549,00;3;neuve;oui;oui;non;oui;oui\n"
            f"P-2;{phone.reference};Bon état;499,00;1;87 %;non;oui;non;non;\n"
            f"L-1;{laptop.reference};Bon état;699,00;1;92;oui;;;;\n").encode()
    stock_import = run_import(seller, data)
    assert (stock_import.created_count, stock_import.failed_count) == (3, 0), stock_import.errors
    p1, p2, l1 = (Listing.objects.get(seller=seller, sku=sku) for sku in ("P-1", "P-2", "L-1"))
    assert (p1.battery_new, p1.battery_health, p1.includes_charger, p1.includes_cable, p1.includes_box,
            p1.is_unlocked, p1.has_esim) == (True, 100, True, True, False, True, True)
    assert (p2.battery_new, p2.battery_health, p2.includes_charger, p2.is_unlocked, p2.has_esim) == (
        False, 87, False, False, None)
    assert (l1.battery_health, l1.includes_charger, l1.is_unlocked) == (92, True, None)


@pytest.mark.parametrize("header", ["bateria,cargador,caja,libre",
                                    "akku,ladegerat,originalverpackung,entsperrt"])
def test_csv_device_headers_in_spanish_and_german(phone, header):
    seller = SellerFactory()
    ListingFactory(seller=seller, product=phone, sku="P-1", price=Decimal("549.00"))
    data = (f"sku,{header}\nP-1,nueva,si,ja,si\n" if "bateria" in header
            else f"sku,{header}\nP-1,neu,ja,ja,ja\n").encode()
    stock_import = run_import(seller, data)
    assert (stock_import.updated_count, stock_import.failed_count) == (1, 0), stock_import.errors
    listing = Listing.objects.get(seller=seller, sku="P-1")
    assert (listing.battery_new, listing.includes_charger, listing.includes_box, listing.is_unlocked) == (
        True, True, True, True)


def test_a_partial_file_without_the_device_columns_leaves_them_alone(phone):
    seller = SellerFactory()
    listing = ListingFactory(seller=seller, product=phone, sku="P-1", battery_health=88, includes_box=True,
                             is_unlocked=True, price=Decimal("549.00"))
    stock_import = run_import(seller, b"sku,quantity\nP-1,9\n")
    assert stock_import.updated_count == 1
    listing.refresh_from_db()
    assert (listing.quantity, listing.battery_health, listing.includes_box, listing.is_unlocked) == (
        9, 88, True, True)
    # An empty cell of a device column given leaves that listing's value too.
    run_import(seller, b"sku,battery,original_box\nP-1,,no\n")
    listing.refresh_from_db()
    assert (listing.battery_health, listing.includes_box) == (88, False)


def test_csv_rows_with_bad_device_values_fail_alone_with_their_reason(phone, laptop):
    seller = SellerFactory()
    data = ("sku,product_reference,grade,price,quantity,battery,unlocked\n"
            f"OK-1,{phone.reference},good,549.00,1,95,yes\n"
            f"BAD-1,{phone.reference},good,549.00,1,140,yes\n"
            f"BAD-2,{phone.reference},good,549.00,1,90,perhaps\n"
            f"BAD-3,{laptop.reference},good,699.00,1,90,yes\n").encode()
    stock_import = run_import(seller, data)
    assert (stock_import.created_count, stock_import.failed_count) == (1, 3)
    reasons = {error["line"]: error for error in stock_import.errors}
    assert set(reasons) == {3, 4, 5}, stock_import.errors
    text = json.dumps(stock_import.errors)
    assert "battery" in text and "Only a phone is unlocked" in text and "Enter yes or no" in text
    assert list(Listing.objects.filter(seller=seller).values_list("sku", flat=True)) == ["OK-1"]


def test_export_writes_the_device_columns_and_round_trips(client, phone):
    member = SellerMemberFactory()
    client.force_login(member.user)
    ListingFactory(seller=member.seller, product=phone, sku="P-1", battery_health=100, battery_new=True,
                   includes_cable=True, is_unlocked=True, price=Decimal("549.00"))
    text = b"".join(client.get(reverse("sellers:stock_export")).streaming_content).decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert ",battery,charger,cable,original_box,unlocked,esim," in header  # the buy-box insight follows
    assert row.split(",")[7:13] == ["new", "no", "yes", "no", "yes", ""]
    stock_import = run_import(member.seller, text.encode())
    assert (stock_import.unchanged_count, stock_import.failed_count) == (1, 0), stock_import.errors


# --- API -------------------------------------------------------------------------------------------
@pytest.fixture
def api(client):
    seller = SellerFactory()
    key = api_key_for(seller)

    class Api:
        def send(self, method, path, body):
            return getattr(client, method)(API + path, json.dumps(body), content_type="application/json",
                                           **bearer(key))
    Api.seller = seller
    return Api()


def test_api_creates_and_patches_device_details_with_strict_types(api, phone, laptop):
    created = api.send("post", "/listings", {"sku": "A-1", "product_reference": phone.reference,
                                             "grade": "good", "price": "549.00", "quantity": 1,
                                             "battery_health": 89, "includes_charger": True,
                                             "is_unlocked": True})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["battery_health"], body["battery_new"], body["includes_charger"], body["is_unlocked"],
            body["has_esim"]) == (89, False, True, True, None)
    patched = api.send("patch", f"/listings/{body['id']}", {"battery_new": True, "has_esim": True})
    assert patched.status_code == 200
    assert set(patched.json()["changed_fields"]) == {"battery_new", "battery_health", "has_esim"}
    assert patched.json()["listing"]["battery_health"] == 100

    for bad, field in (({"battery_health": "90"}, "battery_health"),
                       ({"battery_health": 101}, "battery_health"),
                       ({"battery_health": True}, "battery_health"),
                       ({"includes_box": "yes"}, "includes_box")):
        response = api.send("patch", f"/listings/{body['id']}", bad)
        assert response.status_code == 422 and field in response.json()["errors"], (bad, response.json())
    on_laptop = api.send("post", "/listings", {"sku": "L-1", "product_reference": laptop.reference,
                                               "grade": "good", "price": "699.00", "quantity": 1,
                                               "has_esim": True})
    assert on_laptop.status_code == 422 and set(on_laptop.json()["errors"]) == {"has_esim"}


def test_api_bulk_sets_device_details_item_by_item(api, phone, laptop):
    mine = ListingFactory(seller=api.seller, product=phone, sku="P-1", price=Decimal("549.00"))
    ListingFactory(seller=api.seller, product=laptop, sku="L-1", price=Decimal("699.00"))
    response = api.send("post", "/listings/bulk", {"items": [
        {"sku": "P-1", "battery_health": 93, "includes_box": True, "is_unlocked": True},
        {"sku": "L-1", "is_unlocked": True},
        {"sku": "P-1B", "product_reference": phone.reference, "grade": "fair", "price": "449.00",
         "quantity": 2, "battery_new": True},
        {"sku": "L-1", "battery_health": 101},
    ]})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["status"] for item in items] == ["updated", "failed", "created", "failed"], items
    assert "is_unlocked" in items[1]["errors"] and "battery_health" in items[3]["errors"]
    mine.refresh_from_db()
    assert (mine.battery_health, mine.includes_box, mine.is_unlocked) == (93, True, True)
    created = Listing.objects.get(sku="P-1B")
    assert (created.battery_new, created.battery_health) == (True, 100)


def test_every_door_calls_the_same_rule(phone):
    listing = ListingFactory(product=phone, price=Decimal("549.00"))
    change = listing_update(listing=listing, battery_health=77)
    assert set(change.changed_fields) == {"battery_health"}  # battery_new was already False
    with pytest.raises(ValidationError):
        listing_update(listing=listing, battery_health=77, battery_new=True)


def test_a_batch_without_device_details_runs_the_statements_of_before(phone):
    """Most files give no device detail: their batches neither stage nor compare nor write those
    columns (the import's cost per row stays what it was); a batch that gives one does."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seller = SellerFactory()
    plain = f"sku,product_reference,grade,price,quantity\nP-1,{phone.reference},good,549.00,2\n".encode()
    with CaptureQueriesContext(connection) as queries:
        run_import(seller, plain)
    # The staging table is made alike for every batch; the statements filling and reading it differ.
    bulk_sql = [q["sql"] for q in queries.captured_queries
                if "listing_stage" in q["sql"] and not q["sql"].startswith("CREATE")]
    assert bulk_sql and not any("battery_health" in sql for sql in bulk_sql)
    with CaptureQueriesContext(connection) as queries:
        run_import(seller, b"sku,battery\nP-1,95\n")
    bulk_sql = [q["sql"] for q in queries.captured_queries if "listing_stage" in q["sql"]]
    assert any("battery_health" in sql for sql in bulk_sql if sql.startswith(("SET LOCAL", "WITH")))
    assert Listing.objects.get(seller=seller, sku="P-1").battery_health == 95
