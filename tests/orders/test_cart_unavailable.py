"""A line that can no longer be bought leaves the cart's totals, and the cart offers the next offer
of the same product × grade in one click, checked again on the server."""
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Grade
from orders.models import CartLine
from sellers.models import Listing, Seller
from tests.factories import ListingFactory, SellerFactory

pytestmark = pytest.mark.django_db


def add(client, listing, quantity=1):
    return client.post(reverse("orders:cart_add"), {"listing": listing.pk, "quantity": quantity})


def sell_out(listing):
    Listing.objects.filter(pk=listing.pk).update(quantity=0)  # as if the last unit sold elsewhere


@pytest.fixture
def shop(listing):
    """The cart's listing (€399, Good), a rival in the same product × grade (€425), a second line."""
    rival = ListingFactory(product=listing.product, grade=listing.grade, price=Decimal("425.00"), quantity=1,
                           seller=SellerFactory(name="Rival Refurb", shipping_fee=Decimal("0.00")))
    other = ListingFactory(price=Decimal("200.00"), seller=listing.seller)
    ListingFactory(product=listing.product, grade=Grade.FAIR, price=Decimal("100.00"))  # another grade
    return {"listing": listing, "rival": rival, "other": other}


def test_a_sold_out_line_leaves_the_totals_and_is_shown_apart(client, shop):
    add(client, shop["listing"], 2)
    add(client, shop["other"])
    sell_out(shop["listing"])
    response = client.get(reverse("orders:cart"))
    summary = response.context["summary"]
    assert summary.item_count == 1 and summary.subtotal == Decimal("200.00")
    assert summary.total == Decimal("200.00") + shop["other"].seller.shipping_fee
    assert [view.listing for view in summary.unavailable] == [shop["listing"]]
    assert not summary.can_checkout
    text = response.content.decode()
    assert "No longer available" in text and "1 line no longer available is not counted." in text
    assert "Items (1)" in text


def test_a_line_whose_seller_is_suspended_counts_nowhere_not_even_its_shipping(client, shop):
    add(client, shop["listing"])
    Seller.objects.filter(pk=shop["listing"].seller_id).update(status=Seller.Status.SUSPENDED)
    summary = client.get(reverse("orders:cart")).context["summary"]
    assert summary.groups == [] and summary.total == Decimal("0.00")
    assert summary.unavailable[0].replacement == shop["rival"]


def test_the_cart_offers_the_next_offer_of_the_same_product_and_grade_with_its_price(client, shop):
    add(client, shop["listing"])
    sell_out(shop["listing"])
    text = client.get(reverse("orders:cart")).content.decode()
    assert "Take the offer from Rival Refurb at €425.00" in text
    assert f'name="listing" value="{shop["rival"].pk}"' in text


def test_one_click_swaps_the_line_for_that_offer_and_it_counts_again(client, shop):
    add(client, shop["listing"], 2)
    sell_out(shop["listing"])
    line = CartLine.objects.get()
    response = client.post(reverse("orders:cart_line_replace", args=[line.pk]),
                           {"listing": shop["rival"].pk, "price": "425.00"}, follow=True)
    line = CartLine.objects.get()
    assert line.listing == shop["rival"] and line.price_when_added == Decimal("425.00")
    assert line.quantity == 1  # the rival has one unit: said so
    text = response.content.decode()
    assert "Replaced by the offer from Rival Refurb at €425.00." in text and "the quantity is now 1" in text
    summary = response.context["summary"]
    assert summary.unavailable == [] and summary.subtotal == Decimal("425.00") and summary.can_checkout


def test_the_swap_is_checked_again_on_the_server(client, shop):
    add(client, shop["listing"])
    line = CartLine.objects.get()
    url = reverse("orders:cart_line_replace", args=[line.pk])
    # A line still buyable is not swapped.
    response = client.post(url, {"listing": shop["rival"].pk, "price": "425.00"}, follow=True)
    assert "can still be bought" in response.content.decode()
    sell_out(shop["listing"])
    # Not the offer the cart proposes (another grade's, cheaper).
    fair = Listing.objects.get(grade=Grade.FAIR)
    response = client.post(url, {"listing": fair.pk, "price": "100.00"}, follow=True)
    assert "That offer changed a moment ago" in response.content.decode()
    # The proposed offer, but it costs more now than the cart showed.
    Listing.objects.filter(pk=shop["rival"].pk).update(price=Decimal("430.00"))
    response = client.post(url, {"listing": shop["rival"].pk, "price": "425.00"}, follow=True)
    assert "That offer changed a moment ago" in response.content.decode()
    # Nonsense input is a clear error, not a 500.
    response = client.post(url, {"listing": "x", "price": "-3"}, follow=True)
    assert response.status_code == 200 and "Choose the offer to take instead." in response.content.decode()
    assert CartLine.objects.get().listing == shop["listing"]


def test_no_replacement_is_offered_when_no_other_seller_has_that_grade(client, listing):
    add(client, listing)
    sell_out(listing)
    response = client.get(reverse("orders:cart"))
    assert response.context["summary"].unavailable[0].replacement is None
    assert "No other seller has it in Good condition right now." in response.content.decode()
    line = CartLine.objects.get()
    response = client.post(reverse("orders:cart_line_replace", args=[line.pk]),
                           {"listing": listing.pk, "price": "399.00"}, follow=True)
    assert "No other seller offers this device in this condition" in response.content.decode()


def test_a_swap_onto_an_offer_already_in_the_cart_adds_to_that_line(client, shop):
    ListingFactory(product=shop["listing"].product, grade=shop["listing"].grade, price=Decimal("409.00"),
                   quantity=5, seller=SellerFactory(quality_score=Decimal("100")))
    best = Listing.objects.get(price=Decimal("409.00"))  # the buy box now
    add(client, shop["listing"], 2)
    add(client, best, 1)
    sell_out(shop["listing"])
    old = CartLine.objects.get(listing=shop["listing"])
    client.post(reverse("orders:cart_line_replace", args=[old.pk]), {"listing": best.pk, "price": "409.00"})
    assert list(CartLine.objects.values_list("listing_id", "quantity")) == [(best.pk, 3)]


def test_another_shoppers_line_cannot_be_swapped(client, shop):
    from tests.orders.conftest import make_cart

    cart = make_cart(lines=[(shop["listing"], 1)])
    sell_out(shop["listing"])
    line = cart.lines.get()
    response = client.post(reverse("orders:cart_line_replace", args=[line.pk]),
                           {"listing": shop["rival"].pk, "price": "425.00"})
    assert response.status_code == 404
    assert cart.lines.get().listing == shop["listing"]


@pytest.mark.parametrize("count", [1, 6])
def test_cart_page_with_sold_out_lines_issues_a_fixed_number_of_queries(client, count,
                                                                       django_assert_max_num_queries):
    listings = [ListingFactory(price=Decimal("100.00") + n) for n in range(count)]
    for listing in listings:
        ListingFactory(product=listing.product, grade=listing.grade, price=Decimal("150.00"))
        add(client, listing)
        sell_out(listing)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("orders:cart"))
    assert len(response.context["summary"].unavailable) == count
    assert all(view.replacement for view in response.context["summary"].unavailable)


def _header_count(response) -> int:
    match = re.search(r'id="cart-count"[^>]*>\s*(\d+)\s*<', response.content.decode())
    assert match, "the header shows the cart count"
    return int(match.group(1))


def _take_offline(listing):
    Listing.objects.filter(pk=listing.pk).update(is_active=False)


def _suspend_seller(listing):
    Seller.objects.filter(pk=listing.seller_id).update(status=Seller.Status.SUSPENDED)


@pytest.mark.parametrize("make_unbuyable", [sell_out, _take_offline, _suspend_seller])
def test_the_header_counts_what_the_cart_page_lets_the_shopper_buy(client, make_unbuyable):
    kept, lost = ListingFactory(quantity=5), ListingFactory(quantity=5)
    add(client, kept, 2)
    add(client, lost, 3)
    assert _header_count(client.get(reverse("orders:cart"))) == 5
    make_unbuyable(lost)
    cart_page = client.get(reverse("orders:cart"))
    assert cart_page.context["summary"].item_count == 2
    assert _header_count(cart_page) == 2
    assert _header_count(client.get("/")) == 2  # every page's header, not only the cart's
    # Adding to the cart answers with the same count for the header.
    answer = client.post(reverse("orders:cart_add"), {"listing": kept.pk, "quantity": 1},
                         HTTP_HX_REQUEST="true")
    assert 'id="cart-count" hx-swap-oob="true">3<' in answer.content.decode()
