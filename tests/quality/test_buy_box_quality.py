"""The buy box rewards quality: lowest effective price (score and warranty), ties to the higher
score, then the older listing — in SQL, matching sellers/quality.py to the cent — and the price to
win against several competitors, never against the seller's own other listing."""
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from sellers.backoffice import seller_dashboard, seller_listings
from sellers.models import Listing
from sellers.quality import effective_price
from sellers.selectors import buy_box_positions, buy_boxes, offers_ranked, with_effective_price
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")


def _offer(product, *, price: str, score: str, warranty: int = 12, seller=None, age_days: int = 0):
    listing = ListingFactory(product=product, price=Decimal(price), warranty_months=warranty,
                             seller=seller or SellerFactory(quality_score=Decimal(score)))
    if age_days:
        Listing.objects.filter(pk=listing.pk).update(created_at=listing.created_at - timedelta(days=age_days))
        listing.refresh_from_db()
    return listing


def _brute_force_price_to_win(listing, winner_effective: Decimal) -> Decimal | None:
    """Walks down from the winner's effective price, cent by cent (the independent check)."""
    score = listing.seller.quality_score
    price = (winner_effective * 2).quantize(CENT)
    while price > 0:
        if effective_price(price=price, score=score, warranty_months=listing.warranty_months) \
                < winner_effective:
            return price
        price -= CENT
    return None


def test_the_issue_example_the_new_seller_10_percent_cheaper_still_wins_and_both_see_why():
    product = ProductFactory()
    new = _offer(product, price="699.00", score="70.00")
    established = _offer(product, price="776.00", score="92.90", warranty=24, age_days=400)
    assert buy_boxes(product_ids=[product.pk])[(product.pk, "good")] == new
    positions = buy_box_positions([new, established])
    assert positions[new.pk].is_winning and positions[new.pk].effective_price == Decimal("740.94")
    lost = positions[established.pk]
    assert (lost.effective_price, lost.winner_effective_price) == (Decimal("771.28"), Decimal("740.94"))
    # 745.48 × 1.0142 × 0.98 = 740.9443… → 740.94, no lower than the winner's; 745.47 → 740.9344… → 740.93.
    assert lost.price_to_win == _brute_force_price_to_win(established, Decimal("740.94")) == Decimal("745.47")


def test_several_competitors_with_different_scores_and_warranties_rank_by_effective_price():
    product = ProductFactory()
    offers = [
        _offer(product, price="500.00", score="95.00", warranty=36),  # 500 × 1.01 × 0.96 = 484.80
        _offer(product, price="450.00", score="60.00"),  # 450 × 1.08 = 486.00
        _offer(product, price="470.00", score="80.00", warranty=24),  # 470 × 1.04 × 0.98 = 479.02
        _offer(product, price="520.00", score="75.00", warranty=60),  # 520 × 1.05 × 0.94 = 513.24
    ]
    ranked = list(offers_ranked().filter(product=product))
    assert [o.effective_price for o in ranked] == [Decimal("479.02"), Decimal("484.80"), Decimal("486.00"),
                                                   Decimal("513.24")]
    winner = ranked[0]
    assert winner == offers[2] and buy_boxes(product_ids=[product.pk])[(product.pk, "good")] == winner
    positions = buy_box_positions(offers)
    for listing in offers:
        if listing == winner:
            assert positions[listing.pk].is_winning and positions[listing.pk].price_to_win is None
            continue
        position = positions[listing.pk]
        assert not position.is_winning and position.winner_price == Decimal("470.00")
        expected = _brute_force_price_to_win(listing, Decimal("479.02"))
        assert position.price_to_win == expected
        got = effective_price(price=expected, score=listing.seller.quality_score,
                              warranty_months=listing.warranty_months)
        one_cent_more = effective_price(price=expected + CENT, score=listing.seller.quality_score,
                                        warranty_months=listing.warranty_months)
        assert got < Decimal("479.02") <= one_cent_more  # the highest such price, to the cent
    assert positions[offers[1].pk].price_to_win == Decimal("443.53")  # 443.53 × 1.08 = 479.0124


def test_a_better_score_can_win_at_a_higher_sticker_price():
    product = ProductFactory()
    _offer(product, price="400.00", score="40.00")  # 400 × 1.12 = 448.00
    good = _offer(product, price="430.00", score="100.00")  # 430.00
    assert buy_boxes(product_ids=[product.pk])[(product.pk, "good")] == good


def test_a_sellers_second_listing_never_loses_to_itself_and_prices_against_the_competitor(client):
    member = SellerMemberFactory(seller__quality_score=Decimal("80.00"))
    product = ProductFactory()
    first = _offer(product, price="300.00", score="", seller=member.seller)  # 312.00
    second = _offer(product, price="320.00", score="", seller=member.seller)  # 332.80
    rival = _offer(product, price="320.00", score="90.00")  # 326.40
    positions = buy_box_positions([first, second])
    assert positions[first.pk].is_winning
    assert positions[second.pk].own_listing_wins and positions[second.pk].price_to_win is None
    assert positions[first.pk].winner_price == rival.price  # the offer to beat is the competitor's
    client.force_login(member.user)
    page = client.get(reverse("sellers:listing_list")).content.decode()
    row = page[page.index(f'id="listing-{second.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "Your other listing wins" in row and "Losing" not in row and "effective €332.80" in row
    assert list(seller_listings(seller=member.seller, buy_box="losing")) == []
    figures = seller_dashboard(seller=member.seller)
    assert (figures.winning_count, figures.losing_count, figures.losing) == (1, 0, [])


def test_sql_effective_price_equals_the_python_rule_to_the_cent():
    rng = random.Random(21)
    product = ProductFactory()
    listings = []
    for _ in range(60):
        listings.append(_offer(product, price=str(Decimal(rng.randint(100, 200000)) / 100),
                               score=str(Decimal(rng.randint(0, 10000)) / 100),
                               warranty=rng.choice([12, 13, 23, 24, 30, 36, 47, 48, 60, 120])))
    sql = dict(with_effective_price(Listing.objects.filter(product=product))
               .values_list("pk", "effective_price"))
    for listing in listings:
        assert sql[listing.pk] == effective_price(price=listing.price, score=listing.seller.quality_score,
                                                  warranty_months=listing.warranty_months), listing.pk
