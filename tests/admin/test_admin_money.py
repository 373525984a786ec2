"""The admin writes money with its currency, in lists and on read-only pages, and leaves ratings,
scores and rates as numbers."""
from decimal import Decimal

import pytest
from django.urls import reverse

from orders import services
from tests.factories import ListingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def order(db):
    listing = ListingFactory(price=Decimal("1249.00"), quantity=5)
    shopper = UserFactory()
    cart = services.cart_get_or_create(user=shopper)
    services.cart_add(cart=cart, listing_id=listing.pk, quantity=1)
    return services.order_place(
        cart=cart, email=shopper.email, user=shopper, address=services.ShippingAddress(
            full_name="Ana Pérez", line1="1 calle Mayor", postal_code="28013", city="Madrid", country="ES"))


def test_listing_and_order_lists_show_prices_with_the_euro_sign(staff_client, order):
    html = staff_client.get(reverse("admin:sellers_listing_changelist")).content.decode()
    assert "€1,249.00" in html and ">1249.00<" not in html
    html = staff_client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert f"€{order.total:,.2f}" in html


def test_read_only_order_page_shows_its_totals_with_the_currency(staff_client, order):
    html = staff_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "€1,249.00" in html  # the subtotal, and the seller order inline's total
    assert f"€{order.total:,.2f}" in html
    assert ">1249.00<" not in html


def test_money_follows_the_admin_language(staff_client, order):
    html = staff_client.get(reverse("admin:sellers_listing_changelist"),
                            HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "1\u202f249,00\u00a0€" in html or "1\u00a0249,00\u00a0€" in html


def test_ratings_and_rates_are_not_money(staff_client, order):
    seller = order.seller_orders.get().seller
    html = staff_client.get(reverse("admin:sellers_seller_changelist")).content.decode()
    assert f"€{seller.commission_rate}" not in html
    from marketplace.admin_money import money_field_names
    from sellers.models import Seller

    assert "rating" not in money_field_names(Seller) and "quality_score" not in money_field_names(Seller)
    assert "shipping_fee" in money_field_names(Seller)


def test_an_editable_price_stays_a_number_input(staff_client, order):
    listing = order.seller_orders.get().lines.get().listing
    html = staff_client.get(reverse("admin:sellers_listing_change", args=[listing.pk])).content.decode()
    assert 'name="price"' in html and 'value="1249.00"' in html
