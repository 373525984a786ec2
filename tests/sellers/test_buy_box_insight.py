"""Buy-box insight in bulk (issue 15): each listing's standing, runner-up, price to win and competing
offers, computed set-based, and the list's filters over them (sellers.listing_filters)."""
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Grade
from sellers import services
from sellers.buy_box_insight import buy_box_insights, seller_box_counts
from sellers.listing_filters import listings_filtered
from sellers.selectors import RankedOffer, buy_box_positions, price_to_win, with_effective_price
from tests.factories import ListingFactory, ProductFactory, SellerFactory, SellerMemberFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def owner(client):
    member = SellerMemberFactory(seller__quality_score=D("70.00"))
    client.force_login(member.user)
    return member


def _rival_offer(listing) -> RankedOffer:
    ranked = with_effective_price(type(listing).objects.filter(pk=listing.pk).select_related("seller")).get()
    return RankedOffer(ranked.pk, ranked.seller_id, ranked.seller.quality_score, ranked.price,
                       ranked.effective_price, ranked.created_at)


def _ids(seller, **filters) -> set[int]:
    return set(listings_filtered(seller=seller, filters=filters).values_list("pk", flat=True))


def _insight(listing):
    return buy_box_insights(seller=listing.seller, listings=[listing])[listing.pk]


def test_a_winner_is_told_the_runner_up_and_how_much_more_it_could_charge(client, owner):
    mine = ListingFactory(seller=owner.seller, price=D("399.00"))
    rival = ListingFactory(product=mine.product, grade=mine.grade, price=D("583.00"),
                           seller__quality_score=D("70.00"))
    insight = _insight(mine)
    assert insight.holds_box and not insight.own_listing_wins and insight.standing == "winning"
    assert (insight.winner_price, insight.winner_effective_price) == (D("399.00"), D("422.94"))
    assert (insight.runner_up_price, insight.runner_up_effective_price) == (D("583.00"), D("617.98"))
    # The highest price still beating 617.98 effective, by the Python rule of the single-listing views.
    assert insight.max_winning_price == price_to_win(mine, _rival_offer(rival)) == D("582.99")
    assert insight.room_to_raise == D("183.99") and insight.price_to_win is None
    assert insight.competing_offers == 1
    row = client.get(reverse("sellers:listing_list")).content.decode()
    assert "Runner-up €583.00" in row and "You could charge €183.99 more (€582.99) and still win" in row
    assert "1 competing offer" in row


def test_a_loser_is_told_the_winner_and_the_price_to_win(owner):
    mine = ListingFactory(seller=owner.seller, price=D("400.00"), warranty_months=36)
    winner = ListingFactory(product=mine.product, grade=mine.grade, price=D("389.00"),
                            seller__quality_score=D("95.00"))
    ListingFactory(product=mine.product, grade=mine.grade, price=D("450.00"))  # a third offer
    insight = _insight(mine)
    assert not insight.holds_box and insight.standing == "losing" and insight.is_losing
    assert (insight.winner_price, insight.winner_effective_price) == (D("389.00"), D("392.89"))
    assert insight.price_to_win == price_to_win(mine, _rival_offer(winner))
    assert insight.price_to_win == buy_box_positions([mine])[mine.pk].price_to_win
    assert insight.cut_to_win == mine.price - insight.price_to_win
    assert insight.runner_up_price is None and insight.competing_offers == 2


def test_a_tie_on_effective_price_goes_to_the_older_listing_and_the_newer_needs_a_cent_less(owner):
    rival = ListingFactory(price=D("300.00"), seller__quality_score=D("70.00"))
    mine = ListingFactory(seller=owner.seller, product=rival.product, grade=rival.grade, price=D("300.00"))
    type(mine).objects.filter(pk=rival.pk).update(created_at=timezone.now() - timedelta(days=3))
    insight = _insight(mine)
    assert not insight.holds_box and insight.winner_effective_price == D("318.00")
    assert insight.price_to_win == D("299.99")  # winning on a tie-break is never promised
    assert _ids(owner.seller, buy_box="losing") == {mine.pk} and not _ids(owner.seller, buy_box="winning")
    rival_view = _insight(type(mine).objects.select_related("seller").get(pk=rival.pk))
    assert rival_view.holds_box and rival_view.runner_up_price == D("300.00")
    assert rival_view.room_to_raise is None  # a cent more would lose the tie


def test_a_seller_alone_on_a_box_holds_it_with_no_runner_up(client, owner):
    alone = ListingFactory(seller=owner.seller)
    contested = ListingFactory(seller=owner.seller, price=D("500.00"))
    ListingFactory(product=contested.product, grade=contested.grade, price=D("450.00"))
    insight = _insight(alone)
    assert insight.holds_box and insight.runner_up_price is None and insight.max_winning_price is None
    assert insight.competing_offers == 0 and insight.room_to_raise is None
    assert _ids(owner.seller, buy_box="no_competitor") == {alone.pk}
    assert _ids(owner.seller, buy_box="winning") == {alone.pk}
    page = client.get(reverse("sellers:listing_list"), {"buy_box": "no_competitor"}).content.decode()
    assert "you are alone on this box" in page and contested.sku not in page


def test_an_out_of_stock_listing_neither_wins_nor_loses_and_is_not_low_stock(owner):
    out = ListingFactory(seller=owner.seller, quantity=0, price=D("100.00"))
    ListingFactory(product=out.product, grade=out.grade, price=D("300.00"))
    low = ListingFactory(seller=owner.seller, quantity=2)
    held = ListingFactory(seller=owner.seller, quantity=4, allocated=4)  # nothing available
    insight = _insight(out)
    assert not insight.holds_box and insight.winner_price == D("300.00")
    assert insight.price_to_win is None  # its price already beats: stock, not price, keeps it out
    assert out.pk not in _ids(owner.seller, buy_box="winning") | _ids(owner.seller, buy_box="losing")
    assert _ids(owner.seller, stock="out") == {out.pk, held.pk}
    assert _ids(owner.seller, stock="low") == {low.pk}


def test_a_listing_behind_its_own_sellers_other_listing_is_not_losing(owner):
    best = ListingFactory(seller=owner.seller, price=D("300.00"))
    second = ListingFactory(seller=owner.seller, product=best.product, grade=best.grade, price=D("320.00"))
    ListingFactory(product=best.product, grade=best.grade, price=D("350.00"))
    insight = _insight(second)
    assert insight.own_listing_wins and not insight.holds_box and not insight.is_losing
    assert insight.winner_price == D("300.00") and insight.price_to_win is None
    assert insight.standing == "your_other_listing"
    assert _ids(owner.seller, buy_box="winning") == {best.pk} and not _ids(owner.seller, buy_box="losing")
    assert seller_box_counts(seller=owner.seller).boxes_competed == 1


def test_losing_by_less_than_a_percentage_keeps_the_ones_a_small_cut_wins_back(client, owner):
    def losing(price, winner):
        mine = ListingFactory(seller=owner.seller, price=D(price))
        ListingFactory(product=mine.product, grade=mine.grade, price=D(winner),
                       seller__quality_score=D("70.00"))
        return mine

    close = losing("100.00", "97.00")  # to win: 96.99, 3.01 % under
    far = losing("100.00", "90.00")  # 89.99, 10.01 % under
    edge = losing("100.00", "95.01")  # 95.00, exactly 5 % under: not less than 5 %
    assert _ids(owner.seller, buy_box="losing") == {close.pk, far.pk, edge.pk}
    assert _ids(owner.seller, losing_within_percent=D("5")) == {close.pk}
    assert _ids(owner.seller, losing_within_percent=D("5.01")) == {close.pk, edge.pk}
    assert _ids(owner.seller, losing_within_percent=D("100")) == {close.pk, far.pk, edge.pk}
    page = client.get(reverse("sellers:listing_list"), {"losing_within_percent": "5"}).content.decode()
    assert close.sku in page and far.sku not in page and edge.sku not in page
    bad = client.get(reverse("sellers:listing_list"), {"losing_within_percent": "abc"})
    assert bad.status_code == 200  # an invalid filter filters nothing, never a 500


def test_losing_by_less_than_a_percentage_agrees_with_the_python_price_to_win_at_each_boundary():
    """The filter compares the listing's cents with the winner's effective price without working out
    the price to win (sellers.buy_box_insight._within_percent): it keeps exactly the losing listings
    whose price to win by the Python rule is less than x % under their price, for odd scores, every
    warranty year and percentages on either side of each listing's own boundary."""
    rng = random.Random(1505)
    me = SellerFactory(quality_score=D("63.47"))
    rival_sellers = [SellerFactory(quality_score=D(score)) for score in ("99.90", "71.13", "88.01")]
    mine = []
    for _ in range(40):
        rival = ListingFactory(seller=rng.choice(rival_sellers), price=D(rng.randint(1000, 90000)) / 100,
                               warranty_months=rng.choice([12, 30, 60]))
        mine.append(ListingFactory(seller=me, product=rival.product, grade=rival.grade,
                                   price=rival.price * D(rng.uniform(1.0, 1.3)).quantize(D("0.001")),
                                   warranty_months=rng.choice([12, 23, 24, 35, 36, 47, 48, 72])))
    losing = _ids(me, buy_box="losing")
    assert len(losing) > 30
    insights = buy_box_insights(seller=me, listings=mine)
    targets = {}  # losing listing → (its price, its price to win by the Python rule)
    for listing in mine:
        if listing.pk in losing:
            rival = RankedOffer(0, 0, D(0), D(0), insights[listing.pk].rival_effective_price, None)
            target = price_to_win(listing, rival)
            if target is not None:
                targets[listing.pk] = (listing.price, target)
    percents = {D("0.01"), D("5"), D("100")}
    for price, target in rng.sample(sorted(targets.values()), 12):
        near = ((price - target) * 100 / price).quantize(D("0.01"))
        percents |= {p for p in (near - D("0.01"), near, near + D("0.01")) if D(0) < p <= 100}
    for percent in sorted(percents):
        # price − price to win < price × x ÷ 100, in exact decimals
        expected = {pk for pk, (price, target) in targets.items() if (price - target) * 100 < price * percent}
        assert _ids(me, losing_within_percent=percent) == expected, percent


def test_the_set_based_insight_agrees_with_the_single_listing_rule_on_a_random_market():
    rng = random.Random(15)
    me = SellerFactory(quality_score=D("82.35"))
    others = [SellerFactory(quality_score=D(f"{rng.uniform(40, 100):.2f}")) for _ in range(4)]
    products = [ProductFactory() for _ in range(6)]
    mine = []
    for product in products:
        for grade in (Grade.GOOD, Grade.FAIR):
            for seller in rng.sample(others, rng.randint(0, 3)):
                ListingFactory(seller=seller, product=product, grade=grade,
                               price=D(rng.randint(20000, 40000)) / 100,
                               warranty_months=rng.choice([12, 24, 36, 60]), quantity=rng.choice([0, 3, 3]))
            for _ in range(rng.choice([1, 1, 2])):
                mine.append(ListingFactory(seller=me, product=product, grade=grade,
                                           price=D(rng.randint(20000, 40000)) / 100,
                                           warranty_months=rng.choice([12, 24, 48]),
                                           quantity=rng.choice([0, 2, 5]), is_active=rng.random() > 0.1))
    insights = buy_box_insights(seller=me, listings=mine)
    positions = buy_box_positions(mine)
    assert {pk for pk, i in insights.items() if i.holds_box} == _ids(me, buy_box="winning")
    for listing in mine:
        insight, position = insights[listing.pk], positions[listing.pk]
        assert insight.holds_box == position.is_winning, listing
        assert insight.own_listing_wins == position.own_listing_wins, listing
        assert insight.rival_price == position.winner_price, listing
        assert insight.rival_effective_price == position.winner_effective_price, listing
        if not insight.holds_box:
            assert insight.price_to_win == position.price_to_win, listing


def test_the_standings_follow_a_price_change_made_through_the_service(
        owner, django_capture_on_commit_callbacks):
    mine = ListingFactory(seller=owner.seller, price=D("400.00"))
    ListingFactory(product=mine.product, grade=mine.grade, price=D("389.00"), seller__quality_score=D("70"))
    assert _ids(owner.seller, buy_box="losing") == {mine.pk}
    with django_capture_on_commit_callbacks(execute=True):  # the writers' after-commit refresh
        services.listing_update(listing=mine, price=D("388.99"))
    assert _ids(owner.seller, buy_box="winning") == {mine.pk}
    assert not _ids(owner.seller, buy_box="losing")


def test_another_sellers_listings_never_show_in_the_filters(owner):
    ListingFactory(quantity=2)
    ListingFactory(quantity=0)
    assert not any(_ids(owner.seller, **f) for f in (
        {"buy_box": "winning"}, {"buy_box": "losing"}, {"buy_box": "no_competitor"}, {"stock": "low"},
        {"stock": "out"}, {"losing_within_percent": D("50")}))
