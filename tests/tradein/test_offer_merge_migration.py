"""The data migration that merges the per-colour copies offers_save_for_model used to make into
one offer for the model and storage (tradein/migrations/0005): which rows merge, the merged cap,
and the quotes and trade-ins that follow it."""
import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from tests.factories import ProductFactory, UserFactory
from tradein.models import TradeIn, TradeInOffer, TradeInQuote
from tradein.offers import offer_save

from .conftest import CRACKED, sell

pytestmark = pytest.mark.django_db
merge = importlib.import_module("tradein.migrations.0005_offers_per_model_merged").offers_merge_per_model


@pytest.fixture
def white(iphone):
    return ProductFactory(model=iphone.model, storage_gb=128, colour="White", reference="0194252030400")


def _copies(seller, products, *, price="95", cap=5, condition="cracked"):
    """What the former offers_save_for_model wrote: the same offer on each colour."""
    return [offer_save(seller=seller, product=p, condition=condition, price=price, cap=cap)[0]
            for p in products]


def test_per_colour_copies_merge_into_one_model_offer_whose_cap_counts_every_device_taken(
        owner, iphone, white):
    black_copy, white_copy = _copies(owner.seller, [iphone, white], cap=5)
    buyers = [UserFactory() for _ in range(3)]
    for buyer in buyers[:2]:
        sell(shopper=buyer, product=iphone, answers=CRACKED)  # the black copy: 5 -> 3
    kept_quote = sell(shopper=buyers[2], product=white, answers=CRACKED).quote  # the white copy: 5 -> 4
    assert TradeInOffer.objects.get(pk=black_copy.pk).cap == 3
    assert merge(apps) == 1
    [offer] = TradeInOffer.objects.filter(seller=owner.seller)
    assert (offer.product_id, offer.model_id, offer.storage_gb) == (None, iphone.model_id, 128)
    # The seller asked for 5 in all; 3 taken across the colours: 2 left (not 3, nor 4).
    assert (offer.cap, offer.price, offer.is_active) == (2, Decimal("95.00"), True)
    assert offer.created_at == black_copy.created_at
    assert set(TradeIn.objects.values_list("offer_id", flat=True)) == {offer.pk}
    assert TradeInQuote.objects.get(pk=kept_quote.pk).offer_id == offer.pk
    assert not TradeInOffer.objects.filter(pk__in=[black_copy.pk, white_copy.pk]).exists()


def test_merged_cap_never_goes_below_zero_nor_above_the_smallest_copy(owner, iphone, white):
    black_copy, white_copy = _copies(owner.seller, [iphone, white], cap=1)
    sell(shopper=UserFactory(), product=iphone, answers=CRACKED)
    sell(shopper=UserFactory(), product=white, answers=CRACKED)  # 2 taken on a wish for 1
    assert merge(apps) == 1
    assert TradeInOffer.objects.get(seller=owner.seller).cap == 0


def test_offers_set_apart_or_alone_stay_as_they_are(owner, rival, iphone, white):
    priced_apart = [offer_save(seller=owner.seller, product=iphone, condition="worn", price="150", cap=2)[0],
                    offer_save(seller=owner.seller, product=white, condition="worn", price="140", cap=2)[0]]
    alone = _copies(rival.seller, [iphone])
    switched = [offer_save(seller=rival.seller, product=p, condition="dead", price="20", cap=2,
                           is_active=p == iphone)[0] for p in (iphone, white)]
    assert merge(apps) == 0
    kept = set(TradeInOffer.objects.values_list("pk", flat=True))
    assert kept == {o.pk for o in [*priced_apart, *alone, *switched]}
    assert not TradeInOffer.objects.filter(model__isnull=False).exists()
