"""Bad input is a 4xx, never a 500: control characters, numbers out of range, wrong JSON types and
unknown query parameters, each refused once at the edge with the field named; and every rule about
a listing enforced by the service, whichever door (back office, API, CSV import, admin) is used."""
import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sellers.ledger import Reason, RowInput, StockCause
from sellers.ledger.bulk import _apply_portable
from sellers.models import Listing
from sellers.services import listing_archive, listing_update
from sellers.stock_sync import stock_import_apply, stock_import_create
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory, UserFactory
from tests.sellers.factories_stock import api_key_for, bearer, csv_bytes, listing_row

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def seller():
    return SellerFactory()


@pytest.fixture
def api(client, seller):
    key = api_key_for(seller)

    class Api:
        def get(self, path, query=""):
            return client.get(f"{API}{path}{query}", **bearer(key))

        def send(self, method, path, body=None, raw=None):
            data = raw if raw is not None else json.dumps(body)
            return getattr(client, method)(API + path, data, content_type="application/json", **bearer(key))

    return Api()


def _errors(response) -> dict:
    assert response.status_code == 422, response.content
    return response.json()["errors"]


# --- NUL and other control characters ---------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "/orders/R%00X/", "/orders/R%00X/invoice/", "/orders/R%00X/pay/", "/payments/test/a%00b/",
    "/seller/invitations/a%00b/", "/p/a%00b/", "/c/a%00b/", "/orders/R%0AX/", "/orders/R%1BX/",
    "/api/v1/listings/1%00",
])
def test_a_control_character_in_a_path_is_404(client, path):
    assert client.get(path).status_code == 404
    client.force_login(UserFactory())
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["q=a%00b", "q=a%08b", "a%00=1", "q=%7F", "q=%C2%85"])
def test_a_control_character_in_a_page_query_string_is_400(client, query):
    assert client.get(f"/search/?{query}").status_code == 400


def test_a_search_pasted_with_a_tab_or_a_line_break_is_answered(client):
    assert client.get("/search/?q=iPhone%0913%0A").status_code == 200


def test_a_control_character_in_the_back_office_listing_filter_is_400(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    assert client.get(reverse("sellers:listing_list") + "?q=A%00B").status_code == 400
    assert client.get(reverse("sellers:listing_list") + "?q=A").status_code == 200


def test_a_nul_in_a_form_field_is_400_and_line_breaks_in_text_are_kept(client):
    client.force_login(UserFactory())
    response = client.post(reverse("sellers:apply"), {
        "name": "Nul\x00Refurb", "vat_number": "FR40123456789", "contact_name": "Sam",
        "contact_email": "sam@nul.test", "business_address": "1 rue", "return_address": "1 rue",
        "accepted_terms": "on"})
    assert response.status_code == 400
    response = client.post(reverse("sellers:apply"), {
        "name": "Lines Refurb", "vat_number": "FR40123456789", "contact_name": "Sam",
        "contact_email": "sam@lines.test", "business_address": "1 rue\r\n75001 Paris",
        "return_address": "1 rue\r\n75001 Paris", "accepted_terms": "on"})
    assert response.status_code == 302


def test_a_nul_in_a_multipart_form_field_is_400(client):
    client.force_login(SellerMemberFactory().user)
    response = client.post(reverse("sellers:listing_create"), {"sku": "A\x00B", "price": "1"})
    assert response.status_code == 400


@pytest.mark.parametrize(("field", "value"), [("sku", "A\x00B"), ("sku", "A\nB"), ("sku", "A\x1bB"),
                                              ("product_reference", "019\x00425")])
def test_creating_a_listing_with_a_control_character_is_422_naming_the_field(api, field, value):
    product = ProductFactory()
    body = {"sku": "OK-1", "product_reference": product.reference, "grade": "good", "price": "10.00",
            "quantity": 1, field: value}
    assert field in _errors(api.send("post", "/listings", body))
    assert not Listing.objects.exists()


def test_a_nul_in_a_bulk_sku_fails_that_item_naming_the_field(api, seller):
    ListingFactory(seller=seller, sku="A", quantity=8)
    response = api.send("post", "/listings/bulk", {"items": [{"sku": "A", "quantity": 1},
                                                             {"sku": "B\x00", "quantity": 1}]})
    assert response.status_code == 200
    assert list(response.json()["items"][1]["errors"]) == ["sku"]
    assert Listing.objects.get(sku="A").quantity == 1  # the good item applied


def test_a_nul_in_the_sku_filter_is_422_naming_it(api):
    assert set(_errors(api.get("/listings", "?sku=A%00B"))) == {"sku"}


def test_a_nul_in_an_order_refusal_reason_is_422_naming_it(api):
    assert "reason" in _errors(api.send("post", "/orders/1/refuse", {"reason": "no\x00"}))


def test_a_sku_with_a_line_break_is_refused_by_the_back_office_form(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    response = client.post(reverse("sellers:listing_create"), {
        "product": ProductFactory().pk, "grade": "good", "sku": "IP13\nG-01", "price": "349.90",
        "quantity": "4", "warranty_months": "12"})
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    assert not Listing.objects.exists()


# --- Numbers out of range -----------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "query", "field"), [
    ("/listings", f"?offset={2 ** 63}", "offset"), ("/listings", "?offset=1000001", "offset"),
    ("/listings", f"?limit={2 ** 64}", "limit"), ("/listings", "?limit=501", "limit"),
    ("/orders/", f"?offset={2 ** 63}", "offset"), ("/orders/", "?limit=201", "limit"),
])
def test_a_query_number_beyond_its_maximum_is_422(api, path, query, field):
    assert set(_errors(api.get(path, query))) == {field}


def test_every_numeric_query_parameter_publishes_its_maximum(client):
    schema = client.get(f"{API}/openapi.json").json()
    numeric = [(path, parameter) for path, item in schema["paths"].items() for operation in item.values()
               for parameter in operation.get("parameters", []) if parameter["in"] == "query"
               and "integer" in json.dumps(parameter["schema"])]
    # limit and offset of both lists, of a listing's movements and of the reviews; after and limit of
    # the movements feed; limit of the catalog's products, an endpoint's deliveries, the events and
    # the returns
    assert len(numeric) == 14
    for path, parameter in numeric:
        assert "maximum" in json.dumps(parameter["schema"]), (path, parameter["name"])


# --- Strict types -----------------------------------------------------------------------------------
@pytest.mark.parametrize("quantity", [False, True, "5", 5.5])
def test_a_bulk_quantity_that_is_not_an_integer_fails_its_item_and_changes_nothing(api, seller, quantity):
    listing = ListingFactory(seller=seller, sku="A", quantity=8)
    response = api.send("post", "/listings/bulk", {"items": [{"sku": "A", "quantity": quantity}]})
    assert response.status_code == 200
    assert "quantity" in response.json()["items"][0]["errors"]
    listing.refresh_from_db()
    assert listing.quantity == 8


@pytest.mark.parametrize(("body", "field"), [
    ({"is_active": "no"}, "is_active"), ({"is_active": 0}, "is_active"), ({"quantity": True}, "quantity"),
    ({"quantity": "3"}, "quantity"), ({"quantity": 3.5}, "quantity"), ({"warranty_months": "24"},
                                                                       "warranty_months"),
    ({"price": True}, "price"), ({"price": "1e3"}, "price"), ({"price": " 10"}, "price"),
    ({"price": "0.001"}, "price"), ({"price": 100000.001}, "price"),
])
def test_a_patch_with_a_wrong_type_is_422_naming_the_field_and_changes_nothing(api, seller, body, field):
    listing = ListingFactory(seller=seller, quantity=8, price=Decimal("100.00"), warranty_months=12)
    assert set(_errors(api.send("patch", f"/listings/{listing.pk}", body))) == {field}
    listing.refresh_from_db()
    assert (listing.is_active, listing.quantity, listing.price, listing.warranty_months) == (
        True, 8, Decimal("100.00"), 12)


def test_an_integer_may_be_written_5_or_5_0_as_json_schema_says(api, seller):
    listing = ListingFactory(seller=seller, quantity=8)
    assert api.send("patch", f"/listings/{listing.pk}", {"quantity": 5.0}).status_code == 200
    listing.refresh_from_db()
    assert listing.quantity == 5


def test_a_price_may_be_a_json_number_or_a_decimal_string(api, seller):
    listing = ListingFactory(seller=seller, price=Decimal("300.00"))  # over the guard's 200 (price new 800)
    assert api.send("patch", f"/listings/{listing.pk}", {"price": 299.5}).status_code == 200
    listing.refresh_from_db()
    assert listing.price == Decimal("299.50")
    assert api.send("patch", f"/listings/{listing.pk}", {"price": "298.25"}).status_code == 200
    listing.refresh_from_db()
    assert listing.price == Decimal("298.25")


@pytest.mark.parametrize("value", ["0.5", "1700000000", "2026-01-31", "2026-01-31T08:00:00", "yesterday",
                                   "2026-02-30T08:00:00Z"])
def test_updated_since_must_be_an_rfc3339_date_time_with_its_offset(api, value):
    assert set(_errors(api.get("/listings", f"?updated_since={value}"))) == {"updated_since"}
    assert set(_errors(api.get("/orders/", f"?updated_since={value}"))) == {"updated_since"}


@pytest.mark.parametrize("value", ["2026-01-31T08:00:00Z", "2026-01-31T08:00:00.5%2B05:30",
                                   "0001-01-01T00:00:00%2B01:00", "9999-12-31T23:59:59-01:00"])
def test_updated_since_takes_any_rfc3339_date_time(api, value):
    assert api.get("/listings", f"?updated_since={value}").status_code == 200


@pytest.mark.parametrize(("query", "field"), [("?in_stock=yes", "in_stock"), ("?in_stock=1", "in_stock"),
                                              ("?limit=5.0", "limit"), ("?limit=%205", "limit"),
                                              ("?offset=1_0", "offset")])
def test_query_flags_and_integers_are_strict(api, query, field):
    assert set(_errors(api.get("/listings", query))) == {field}


# --- Unknown query parameters -----------------------------------------------------------------------
@pytest.mark.parametrize(("path", "query", "unknown"), [
    ("/listings", "?product_reference=0194252707272", {"product_reference"}),
    ("/listings", "?archived=true", {"archived"}),
    ("/listings", "?archived=true&skus=A&grade=good", {"archived", "skus"}),
    ("/orders/", "?status=paid", {"status"}),
])
def test_an_unknown_query_parameter_is_422_naming_it(api, path, query, unknown):
    assert set(_errors(api.get(path, query))) == unknown


def test_an_operation_without_query_parameters_refuses_any(api, seller):
    listing = ListingFactory(seller=seller)
    assert set(_errors(api.get(f"/listings/{listing.pk}", "?fields=sku"))) == {"fields"}
    assert api.get(f"/listings/{listing.pk}").status_code == 200


def test_the_key_is_checked_before_the_query(client):
    assert client.get(f"{API}/listings?archived=true").status_code == 401


# --- The published OpenAPI --------------------------------------------------------------------------
def test_the_openapi_documents_every_status_and_the_business_bounds(client):
    schema = client.get(f"{API}/openapi.json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            assert {"401", "404", "422", "429"} <= statuses, (method, path)
            if "requestBody" in operation:
                assert "400" in statuses, (method, path)
    text = json.dumps(schema)
    create = schema["components"]["schemas"]["ListingCreateIn"]["properties"]
    assert create["warranty_months"]["minimum"] == 12 and create["warranty_months"]["maximum"] == 120
    assert create["quantity"]["minimum"] == 0 and create["quantity"]["maximum"] == 100_000
    assert {"type": "number", "minimum": 0.01, "maximum": 100000.0} in create["price"]["anyOf"]
    assert "pattern" in create["sku"] and create["sku"]["maxLength"] == 64
    assert '"format": "date-time"' in text


def test_a_body_that_is_not_json_is_400(api, seller):
    listing = ListingFactory(seller=seller)
    response = api.send("patch", f"/listings/{listing.pk}", raw="{not json")
    assert response.status_code == 400
    assert "detail" in response.json()


# --- Every rule about a listing lives in the service, whichever door ----------------------------------
@pytest.fixture
def archived(seller):
    listing = ListingFactory(seller=seller, is_active=True, quantity=3)
    listing_archive(listing=listing)
    return listing


def _still_archived(listing):
    listing.refresh_from_db()
    assert listing.archived_at is not None and listing.is_active is False


def test_the_service_refuses_to_activate_an_archived_listing(archived):
    with pytest.raises(ValidationError) as refused:
        listing_update(listing=archived, is_active=True)
    assert set(refused.value.message_dict) == {"is_active"}
    _still_archived(archived)
    # Archiving again keeps the date it left the marketplace.
    archived_at = archived.archived_at
    listing_archive(listing=archived)
    archived.refresh_from_db()
    assert archived.archived_at == archived_at


def test_the_api_cannot_activate_an_archived_listing(api, archived):
    assert set(_errors(api.send("patch", f"/listings/{archived.pk}", {"is_active": True}))) == {"is_active"}
    _still_archived(archived)
    assert api.send("patch", f"/listings/{archived.pk}", {"quantity": 4}).status_code == 200


def test_the_api_cannot_change_product_or_grade(api, seller):
    listing = ListingFactory(seller=seller, grade="good")
    other = ProductFactory()
    errors = _errors(api.send("patch", f"/listings/{listing.pk}", {"product_reference": other.reference,
                                                                   "grade": "premium"}))
    assert {"product_reference", "grade"} <= set(errors)
    listing.refresh_from_db()
    assert (listing.product_id, listing.grade) != (other.pk, "premium")


def test_the_back_office_cannot_activate_an_archived_listing(client, seller, archived):
    member = SellerMemberFactory(seller=seller)
    client.force_login(member.user)
    client.post(reverse("sellers:listing_toggle", args=[archived.pk]))
    _still_archived(archived)
    response = client.post(reverse("sellers:listing_update", args=[archived.pk]), {
        "price": "10.00", "quantity": "3", "warranty_months": "12", "is_active": "on"})
    assert "An archived listing cannot be activated." in response.content.decode()
    _still_archived(archived)


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _admin_change(client, listing, **data):
    url = reverse("admin:sellers_listing_change", args=[listing.pk])
    # The page's inline formsets (stock movements, read-only) post their management forms back.
    management = dict(re.findall(r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d*)"',
                                 client.get(url).content.decode()))
    form = {**management, "price": str(listing.price), "quantity": str(listing.quantity),
            "warranty_months": str(listing.warranty_months), **data}
    if form.get("is_active") is False:
        del form["is_active"]
    return client.post(url, form)


def test_the_admin_cannot_activate_an_archived_listing(staff_client, archived):
    response = _admin_change(staff_client, archived, is_active="on")
    assert response.status_code == 200
    assert "An archived listing cannot be activated." in response.content.decode()
    _still_archived(archived)


def test_the_admin_keeps_product_grade_and_sku_and_checks_the_bounds(staff_client, seller):
    listing = ListingFactory(seller=seller, grade="good", sku="KEEP", price=Decimal("100.00"))
    other = ProductFactory()
    response = _admin_change(staff_client, listing, price="120.00", is_active="on", product=other.pk,
                             grade="premium", sku="MOVED", seller=SellerFactory().pk)
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.price, listing.sku, listing.grade, listing.seller_id) == (
        Decimal("120.00"), "KEEP", "good", seller.pk)
    assert listing.product_id != other.pk
    for field, value, message in (("price", "0", "The price must be more than zero."),
                                  ("warranty_months", "121", "The warranty must be at most 120 months."),
                                  ("quantity", "100001", "The quantity must be at most 100000.")):
        response = _admin_change(staff_client, listing, **{field: value, "is_active": "on"})
        assert response.status_code == 200 and message in response.content.decode(), field
    listing.refresh_from_db()
    assert listing.price == Decimal("120.00") and listing.warranty_months == 12


def test_the_admin_cannot_add_a_listing_around_the_service(staff_client):
    assert staff_client.get(reverse("admin:sellers_listing_add")).status_code == 403


def _import(seller, rows):
    stock_import = stock_import_create(seller=seller, uploaded_by=None, name="stock.csv",
                                       data=csv_bytes(rows))
    stock_import_apply(stock_import_id=stock_import.pk)
    stock_import.refresh_from_db()
    return stock_import


def test_the_csv_import_cannot_activate_an_archived_listing_but_may_update_it(seller, archived):
    stock_import = _import(seller, [listing_row(archived.product, archived.sku, grade=archived.grade,
                                                quantity=5, active="yes")])
    assert [(error["column"], error["reason"]) for error in stock_import.errors] == [
        ("active", "An archived listing cannot be activated.")]
    _still_archived(archived)
    assert archived.quantity == 3
    stock_import = _import(seller, [listing_row(archived.product, archived.sku, grade=archived.grade,
                                                quantity=5, active="no")])
    assert stock_import.errors == []
    archived.refresh_from_db()
    assert archived.quantity == 5 and archived.archived_at is not None


def test_the_csv_import_cannot_change_product_or_grade(seller):
    listing = ListingFactory(seller=seller, grade="good", sku="KEEP")
    stock_import = _import(seller, [listing_row(ProductFactory(), "KEEP", grade="good"),
                                    listing_row(listing.product, "KEEP2", grade="good"),
                                    listing_row(listing.product, "KEEP", grade="fair")])
    assert {(error["line"], error["column"]) for error in stock_import.errors} == {(2, "sku"), (4, "sku")}
    listing.refresh_from_db()
    assert listing.grade == "good"


def test_a_csv_sku_with_a_line_break_is_refused(seller):
    stock_import = _import(seller, [listing_row(ProductFactory(), "A\nB")])
    assert [error["column"] for error in stock_import.errors] == ["sku"]
    assert not Listing.objects.filter(seller=seller).exists()


def test_the_portable_bulk_path_applies_the_same_listing_rules(seller, archived):
    listing = ListingFactory(seller=seller, grade="good")
    rows = [RowInput(key=1, sku=archived.sku, product_id=archived.product_id, grade=archived.grade,
                     quantity=4, is_active=True),
            RowInput(key=2, sku=listing.sku, product_id=listing.product_id, grade="fair", quantity=4)]
    with transaction.atomic():
        results, _changed = _apply_portable(seller=seller, rows=rows, allow_create=False,
                                            now=timezone.now(), cause=StockCause(Reason.IMPORT))
    assert {result.key: set(result.errors) for result in results} == {1: {"active"}, 2: {"sku"}}
    _still_archived(archived)



@pytest.mark.parametrize("name", ["sessionid", "csrftoken", "django_language", "other"])
def test_a_cookie_with_a_control_character_is_ignored(client, name):
    client.cookies[name] = "abcdefgh\x00ijklmnop"
    assert client.get("/").status_code == 200
    assert client.get(reverse("orders:cart")).status_code == 200
