"""The stock ledger: every door that moves stock writes one movement naming its cause; the sums
always equal the listing's numbers; movements cannot be changed or deleted; stock_check proves it."""
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from orders import fulfilment, services
from orders.models import Order
from sellers.ledger import Reason, RowInput, StockCause, listings_apply_bulk
from sellers.ledger.checks import stock_mismatches
from sellers.models import Listing, StockMovement
from sellers.stock_sync import stock_import_apply, stock_import_create
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory, UserFactory
from tests.orders.conftest import ADDRESS, make_cart
from tests.orders.fulfil_support import paid_order, to_state
from tests.sellers.factories_stock import api_key_for, bearer, csv_bytes, listing_row


def movements(listing) -> list[tuple]:
    return list(StockMovement.objects.filter(listing=listing).order_by("id")
                .values_list("reason", "quantity_delta", "allocated_delta"))


def last(listing) -> StockMovement:
    return StockMovement.objects.filter(listing=listing).order_by("-id").first()


def assert_ledger_holds():
    assert [m.describe() for m in stock_mismatches()] == []


@pytest.fixture
def member(db):
    return SellerMemberFactory()


def test_back_office_edit_writes_a_movement_naming_the_team_member(client, member):
    listing = ListingFactory(seller=member.seller, quantity=5)
    client.force_login(member.user)
    response = client.post(reverse("sellers:listing_update", args=[listing.pk]), {
        "price": "400.00", "quantity": "8", "warranty_months": "12", "is_active": "on"})
    assert response.status_code in (200, 302)
    movement = last(listing)
    assert (movement.reason, movement.quantity_delta, movement.allocated_delta, movement.user_id) == (
        Reason.BACK_OFFICE, 3, 0, member.user.pk)
    assert_ledger_holds()


def test_a_price_only_change_writes_no_movement(member):
    from sellers.services import listing_update

    listing = ListingFactory(seller=member.seller, quantity=5)
    listing_update(listing=listing, price="350.00")
    assert movements(listing) == [(Reason.OPENING, 5, 0)]


def test_api_update_and_create_write_movements_naming_the_key(client, member):
    seller = member.seller
    raw = api_key_for(seller)
    listing = ListingFactory(seller=seller, quantity=5)
    response = client.patch(f"/api/v1/listings/{listing.pk}", data={"quantity": 2},
                            content_type="application/json", **bearer(raw))
    assert response.status_code == 200, response.content
    movement = last(listing)
    assert (movement.reason, movement.quantity_delta, movement.user_id) == (Reason.API, -3, None)
    assert movement.api_key.seller_id == seller.pk
    product = ProductFactory()
    response = client.post("/api/v1/listings", data={
        "product_reference": product.reference, "grade": "good", "sku": "NEW-1", "price": "299.00",
        "quantity": 4}, content_type="application/json", **bearer(raw))
    assert response.status_code == 201, response.content
    created = Listing.objects.get(seller=seller, sku="NEW-1")
    assert movements(created) == [(Reason.API, 4, 0)]
    assert_ledger_holds()


def test_bulk_api_writes_one_movement_per_changed_quantity(client, member):
    seller = member.seller
    raw = api_key_for(seller)
    same = ListingFactory(seller=seller, sku="SAME", quantity=5)
    more = ListingFactory(seller=seller, sku="MORE", quantity=5)
    response = client.post("/api/v1/listings/bulk", data={"items": [
        {"sku": "SAME", "quantity": 5}, {"sku": "MORE", "quantity": 9}, {"sku": "SAME", "price": "1.00"}]},
        content_type="application/json", **bearer(raw))
    assert response.status_code == 200, response.content
    assert movements(same) == [(Reason.OPENING, 5, 0)]
    assert movements(more) == [(Reason.OPENING, 5, 0), (Reason.API, 4, 0)]
    assert last(more).api_key.seller_id == seller.pk
    assert_ledger_holds()


@pytest.mark.parametrize("path", ["postgresql", "portable"])
def test_csv_import_writes_movements_set_based_with_the_import_as_cause(member, monkeypatch, path):
    from sellers.ledger import bulk

    if path == "portable":
        monkeypatch.setattr(bulk, "_apply_postgresql", bulk._apply_portable)
    seller = member.seller
    products = ProductFactory.create_batch(3)
    kept = ListingFactory(seller=seller, product=products[0], sku="KEEP", quantity=5, price=Decimal("399.00"))
    sold = ListingFactory(seller=seller, product=products[1], sku="SOLD", quantity=5, allocated=4)
    raised = ListingFactory(seller=seller, product=products[2], sku="UP", quantity=1)
    data = csv_bytes([listing_row(products[0], "KEEP", quantity=5),
                      listing_row(products[1], "SOLD", quantity=2),  # below allocated: refused
                      listing_row(products[2], "UP", quantity=7),
                      listing_row(products[0], "NEW", grade="fair", quantity=3),
                      listing_row(products[1], "NEW-EMPTY", grade="fair", quantity=0)])
    stock_import = stock_import_create(seller=seller, uploaded_by=member.user, name="s.csv", data=data)
    stock_import_apply(stock_import_id=stock_import.pk)
    assert movements(kept) == [(Reason.OPENING, 5, 0)]
    assert movements(sold) == [(Reason.OPENING, 5, 4)]
    assert movements(raised) == [(Reason.OPENING, 1, 0), (Reason.IMPORT, 6, 0)]
    new = Listing.objects.get(seller=seller, sku="NEW")
    assert movements(new) == [(Reason.IMPORT, 3, 0)]
    assert movements(Listing.objects.get(seller=seller, sku="NEW-EMPTY")) == []
    for movement in (last(raised), last(new)):
        assert (movement.stock_import_id, movement.user_id, movement.seller_id) == (
            stock_import.pk, member.user.pk, seller.pk)
    assert [m.describe() for m in stock_mismatches() if m.listing_id != sold.pk] == []


def test_order_lifecycle_moves_allocation_and_quantity_through_the_ledger(db):
    seller = SellerFactory()
    listing = ListingFactory(seller=seller, quantity=5)
    order = paid_order(lines=[(listing, 2)])
    seller_order = order.seller_orders.get()
    placed = last(listing)
    assert (placed.reason, placed.quantity_delta, placed.allocated_delta, placed.order_id,
            placed.seller_order_id) == (Reason.ORDER_PLACED, 0, 2, order.pk, seller_order.pk)
    assert_ledger_holds()
    to_state(seller_order, "shipped")
    shipped = last(listing)
    assert (shipped.reason, shipped.quantity_delta, shipped.allocated_delta, shipped.seller_order_id) == (
        Reason.SHIPPED, -2, -2, seller_order.pk)
    listing.refresh_from_db()
    assert (listing.quantity, listing.allocated) == (3, 0)
    assert_ledger_holds()


def test_expiry_and_seller_refusal_give_the_units_back_with_their_reasons(db):
    listing = ListingFactory(quantity=5)
    unpaid = services.order_place(cart=make_cart(lines=[(listing, 1)]), email="a@example.test",
                                  address=ADDRESS)
    services.order_release(order=unpaid, reason="payment not received in time")
    released = last(listing)
    assert (released.reason, released.order_id, released.seller_order_id) == (
        Reason.PAYMENT_FAILED, unpaid.pk, unpaid.seller_orders.get().pk)
    order = paid_order(lines=[(listing, 2)])
    fulfilment.seller_order_refuse(seller_order=order.seller_orders.get(), reason="a fault found")
    refused = last(listing)
    assert (refused.reason, refused.allocated_delta) == (Reason.CANCELLED, -2)
    listing.refresh_from_db()
    assert listing.allocated == 0 and sum(m[2] for m in movements(listing)) == 0
    assert_ledger_holds()


def test_a_refused_allocation_leaves_no_movement(db):
    listing = ListingFactory(quantity=1)
    cart = make_cart(lines=[(listing, 1)])
    Listing.objects.filter(pk=listing.pk).update(is_active=False)
    with pytest.raises(services.CheckoutError):
        services.order_place(cart=cart, email="a@example.test", address=ADDRESS)
    assert movements(listing) == [(Reason.OPENING, 1, 0)]
    assert not Order.objects.exists()


def test_admin_quantity_change_writes_an_admin_movement_and_shows_the_ledger(admin_client, admin_user):
    listing = ListingFactory(quantity=5)
    url = reverse("admin:sellers_listing_change", args=[listing.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and "Opening balance" in page.content.decode()
    response = admin_client.post(url, {
        "price": "400.00", "quantity": "6", "warranty_months": "12", "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    movement = last(listing)
    assert (movement.reason, movement.quantity_delta, movement.user_id) == (Reason.ADMIN, 1, admin_user.pk)
    assert_ledger_holds()
    ledger = admin_client.get(reverse("admin:sellers_stockmovement_changelist"),
                              {"listing__id__exact": listing.pk})
    assert ledger.status_code == 200 and "Marketplace staff" in ledger.content.decode()
    view = admin_client.get(reverse("admin:sellers_stockmovement_change", args=[movement.pk]))
    assert view.status_code == 200
    assert admin_client.post(reverse("admin:sellers_stockmovement_delete", args=[movement.pk]),
                             {"post": "yes"}).status_code == 403


def test_restock_of_a_return_adds_units_with_its_seller_order(db):
    from sellers.ledger import stock_restock

    listing = ListingFactory(quantity=0)
    order = paid_order(lines=[(ListingFactory(seller=listing.seller, quantity=1), 1)])
    with transaction.atomic():
        stock_restock(listing_id=listing.pk, quantity=1, cause=StockCause(
            Reason.RETURN_RESTOCKED, seller_order_id=order.seller_orders.get().pk))
    assert movements(listing) == [(Reason.RETURN_RESTOCKED, 1, 0)]
    assert_ledger_holds()


def test_movements_cannot_be_updated_or_deleted_in_the_database(db):
    listing = ListingFactory(quantity=5)
    movement = last(listing)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).update(quantity_delta=50)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).delete()
    assert StockMovement.objects.get(pk=movement.pk).quantity_delta == 5


def test_deleting_a_cause_forgets_it_and_keeps_the_movement(member):
    from sellers.services import listing_update

    listing = ListingFactory(seller=member.seller, quantity=5)
    user = UserFactory()
    listing_update(listing=listing, quantity=7, cause=StockCause(Reason.BACK_OFFICE, user_id=user.pk))
    user.delete()
    movement = last(listing)
    assert (movement.quantity_delta, movement.user_id) == (2, None)


def test_stock_check_passes_on_a_consistent_ledger_and_names_a_write_outside_it(db):
    listing = ListingFactory(quantity=5, sku="CHECKED")
    paid_order(lines=[(listing, 1)])
    out = io.StringIO()
    call_command("stock_check", stdout=out)
    assert "Stock ledger OK" in out.getvalue()

    Listing.objects.filter(pk=listing.pk).update(quantity=9)  # a write that bypasses the ledger
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 listing"):
        call_command("stock_check", stdout=out)
    assert "CHECKED" in out.getvalue() and "quantity 9 but movements sum to 5" in out.getvalue()


def test_stock_check_names_movements_of_a_listing_that_does_not_exist(db):
    listing = ListingFactory(quantity=2)
    with connection.cursor() as cursor:  # what a raw delete of a listing would leave behind
        cursor.execute("INSERT INTO sellers_stockmovement (listing_id, seller_id, quantity_delta, "
                       "allocated_delta, reason, created_at) VALUES (%s, %s, 1, 0, 'import', now())",
                       [listing.pk + 1000, listing.seller_id])
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 missing listing"):
        call_command("stock_check", stdout=out)
    assert f"1 movement(s) of listing {listing.pk + 1000}, which does not exist" in out.getvalue()


def test_stock_check_finds_allocated_units_no_live_order_holds(db):
    listing = ListingFactory(quantity=5, allocated=2)  # an opening movement, but no order holds them
    mismatch, = stock_mismatches()
    assert mismatch.listing_id == listing.pk and mismatch.held_by_orders == 0
    assert "live orders hold 0" in mismatch.describe()


def test_stock_check_passes_after_seed_demo(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    assert Listing.objects.exists() and StockMovement.objects.filter(reason=Reason.ORDER_PLACED).exists()
    out = io.StringIO()
    call_command("stock_check", stdout=out)
    assert "Stock ledger OK" in out.getvalue()


def test_bulk_apply_without_a_named_cause_records_an_import(db):
    listing = ListingFactory(quantity=5, sku="BULK")
    with transaction.atomic():
        listings_apply_bulk(seller=listing.seller, allow_create=False,
                            rows=[RowInput(key=1, sku="BULK", quantity=1)])
    assert movements(listing)[-1] == (Reason.IMPORT, -4, 0)


def test_the_data_migration_writes_an_opening_movement_for_every_existing_listing(db):
    """Listings written before the ledger (no movements) get theirs from migration 0011's SQL."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("sellers.migrations.0011_stock_ledger")
    seller, product = SellerFactory(), ProductFactory()
    Listing.objects.bulk_create([  # as they were before the ledger: numbers, no movements
        Listing(seller=seller, product=product, grade=grade, sku=sku, price=Decimal("9"), quantity=quantity)
        for grade, sku, quantity in (("good", "OLD-1", 4), ("fair", "OLD-0", 0))])
    with connection.schema_editor(atomic=False) as editor:
        migration.opening_movements(None, editor)
    assert movements(Listing.objects.get(sku="OLD-1")) == [(Reason.OPENING, 4, 0)]
    assert movements(Listing.objects.get(sku="OLD-0")) == []
    assert_ledger_holds()
