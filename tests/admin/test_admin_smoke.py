"""Every admin page a superuser can open works on demo data, and its query count is fixed:
changelists do not run more queries with more data."""
import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ListingFactory, SellerMemberFactory, UserFactory

pytestmark = pytest.mark.django_db
MAX_QUERIES_PER_PAGE = 25


@pytest.fixture
def superuser_client(client):
    call_command("seed_demo", verbosity=0, allow_demo_users=True)
    call_command("setup_staff_groups", verbosity=0)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _get_counted(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def _changelist_counts(client) -> dict[str, int]:
    counts = {}
    for model in admin.site._registry:
        url = _admin_url(model, "changelist")
        response, count = _get_counted(client, url)
        assert response.status_code == 200, url
        assert count <= MAX_QUERIES_PER_PAGE, f"{url}: {count} queries"
        counts[url] = count
    return counts


def _more_data():
    """Rows for every app: listings (with sellers, products, models, brands, categories) and
    orders placed through the cart service."""
    from orders import services

    for _ in range(3):
        member = SellerMemberFactory()
        listings = ListingFactory.create_batch(4, seller=member.seller, quantity=50)
        shopper = UserFactory()
        cart = services.cart_get_or_create(user=shopper)
        for listing in listings:
            services.cart_add(cart=cart, listing_id=listing.pk, quantity=1)
        services.order_place(cart=cart, email=shopper.email, user=shopper, address=services.ShippingAddress(
            full_name="More Data", line1="1 rue", postal_code="75001", city="Paris", country="FR"))


def test_every_changelist_opens_with_a_query_count_that_does_not_grow_with_data(superuser_client):
    before = _changelist_counts(superuser_client)
    _more_data()
    after = _changelist_counts(superuser_client)
    grown = {url: (before[url], after[url]) for url in before if after[url] > before[url]}
    assert not grown, f"query counts grew with the data: {grown}"


def test_every_change_add_and_history_page_opens(superuser_client):
    failures = []
    for model, model_admin in admin.site._registry.items():
        obj = model._default_manager.order_by("pk").first()
        urls = []
        if obj is not None:
            urls += [_admin_url(model, "change", obj.pk), _admin_url(model, "history", obj.pk)]
        request = type("R", (), {"user": UserFactory.build(is_superuser=True, is_active=True,
                                                            is_staff=True)})()
        if model_admin.has_add_permission(request):
            urls.append(_admin_url(model, "add"))
        for url in urls:
            response, count = _get_counted(superuser_client, url)
            if response.status_code != 200 or count > MAX_QUERIES_PER_PAGE:
                failures.append(f"{url}: {response.status_code}, {count} queries")
    assert not failures, failures


def test_the_demo_data_fills_the_main_changelists(superuser_client):
    from orders.models import Order
    from sellers.models import Listing, Seller

    for model in (Seller, Listing, Order):
        response = superuser_client.get(_admin_url(model, "changelist"))
        assert response.context["cl"].result_count > 0, model


def test_staff_groups_give_each_team_its_own_permissions(superuser_client):
    from django.contrib.auth.models import Group

    groups = {group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
              for group in Group.objects.prefetch_related("permissions__content_type")}
    assert {"Catalog editors", "Customer care", "Finance"} <= set(groups)
    assert "catalog.change_product" in groups["Catalog editors"]
    assert "sellers.change_seller" not in groups["Catalog editors"]
    assert "orders.change_order" in groups["Customer care"]
    assert "catalog.change_product" not in groups["Customer care"]
    assert "sellers.change_seller" in groups["Finance"] and "orders.view_payment" in groups["Finance"]
    call_command("setup_staff_groups", verbosity=0)  # idempotent
    assert Group.objects.filter(name="Finance").count() == 1


def test_a_catalog_editor_can_edit_products_but_not_sellers(client):
    from django.contrib.auth.models import Group

    call_command("setup_staff_groups", verbosity=0)
    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name="Catalog editors"))
    client.force_login(editor)
    assert client.get(reverse("admin:catalog_product_add")).status_code == 200
    seller = SellerMemberFactory().seller
    assert client.get(reverse("admin:sellers_seller_change", args=[seller.pk])).status_code == 200  # view
    response = client.post(reverse("admin:sellers_seller_changelist"),
                           {"action": "suspend", "_selected_action": [seller.pk], "confirm": "yes",
                            "reason": "no"})
    seller.refresh_from_db()
    assert seller.status == "approved"
    assert response.status_code in (200, 302, 403)
