"""The back office's bulk "match the price to win" over the list's current filter: a preview of
every change (never below a floor, mistaken prices held), then apply only what was shown."""
from decimal import Decimal

import pytest
from django.urls import reverse

from sellers.models import Listing, PriceChange
from tests.factories import ListingFactory, ProductFactory, SellerMemberFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def owner(client):
    member = SellerMemberFactory()
    client.force_login(member.user)
    return member


def _losing(seller, price, rival, floor=None, sku=None):
    product = ProductFactory()
    mine = ListingFactory(seller=seller, product=product, price=D(price), floor_price=floor and D(floor),
                          **({"sku": sku} if sku else {}))
    ListingFactory(product=product, grade=mine.grade, price=D(rival))
    return mine


def test_preview_lists_every_change_never_below_a_floor_and_holds_mistaken_prices(client, owner):
    plain = _losing(owner.seller, "400.00", "389.00", sku="PLAIN")
    floored = _losing(owner.seller, "400.00", "389.00", floor="395.00", sku="FLOOR-HIGH")  # cannot win
    at_floor = _losing(owner.seller, "400.00", "389.00", floor="386.00", sku="AT-FLOOR")
    typo_rival = _losing(owner.seller, "400.00", "5.49", sku="TYPO-RIVAL")  # matching it is mistaken
    winning = ListingFactory(seller=owner.seller, price=D("300.00"), sku="WINNING")
    response = client.get(reverse("sellers:bulk_match"), {"strategy": "beat", "beat_by": "5.00"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "PLAIN" in page and "€383.99" in page
    assert "AT-FLOOR" in page and "At its floor" in page and "€386.00" in page
    assert "FLOOR-HIGH" not in page and "WINNING" not in page
    assert "TYPO-RIVAL" in page and "Held" in page
    assert f'name="change_{typo_rival.pk}"' not in page
    assert f'name="change_{plain.pk}" value="383.99"' in page
    assert {plain.pk, at_floor.pk, floored.pk, winning.pk}  # all made


def test_apply_sets_the_previewed_prices_with_their_log_and_skips_a_moved_box(client, owner):
    plain = _losing(owner.seller, "400.00", "389.00")
    moved = _losing(owner.seller, "400.00", "389.00")
    post = {"strategy": "match", f"change_{plain.pk}": "388.99", f"change_{moved.pk}": "377.00"}
    response = client.post(reverse("sellers:bulk_match"), post)
    assert response.status_code == 302
    plain.refresh_from_db()
    moved.refresh_from_db()
    assert plain.price == D("388.99") and moved.price == D("400.00")
    logged = PriceChange.objects.get(listing=plain)
    assert (logged.source, logged.competitor_price) == (PriceChange.Source.BULK, D("389.00"))


def test_apply_never_touches_another_sellers_listing(client, owner):
    theirs = _losing(SellerMemberFactory().seller, "400.00", "389.00")
    client.post(reverse("sellers:bulk_match"), {"strategy": "match", f"change_{theirs.pk}": "388.99"})
    assert Listing.objects.get(pk=theirs.pk).price == D("400.00")


def test_the_preview_follows_the_lists_filter(client, owner):
    good = _losing(owner.seller, "400.00", "389.00", sku="G-1")
    fair = _losing(owner.seller, "400.00", "389.00", sku="F-1")
    Listing.objects.filter(pk=fair.pk).update(grade="fair")
    Listing.objects.filter(product=fair.product).update(grade="fair")
    page = client.get(reverse("sellers:bulk_match"), {"grade": "good"}).content.decode()
    assert "G-1" in page and "F-1" not in page and good.pk


def test_preview_query_count_does_not_grow(client, owner, django_assert_max_num_queries):
    for count in (2, 12):
        for _ in range(count):
            _losing(owner.seller, "400.00", "389.00")
        with django_assert_max_num_queries(14):
            assert client.get(reverse("sellers:bulk_match")).status_code == 200
