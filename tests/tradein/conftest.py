"""Trade-in fixtures: an iPhone on the catalog, two sellers' buying offers, a verified shopper."""
import io
import threading

import pytest
from django.db import connections

from sellers.models import SellerMember
from tests.factories import ProductFactory, ProductModelFactory, SellerMemberFactory, UserFactory
from tradein import services
from tradein.iban import iban_clean
from tradein.offers import offer_save
from tradein.quotes import Answers

GOOD_IBAN = "FR76 3000 6000 0112 3456 7890 189"
FLAWLESS = Answers(powers_on=True, screen_cracked=False, body_marks="none", battery_health=91,
                   accessories=True, lock_removed=True)
CRACKED = Answers(powers_on=True, screen_cracked=True, body_marks="light", battery_health=None,
                  accessories=False, lock_removed=True)
FORM_FLAWLESS = {"powers_on": "yes", "screen_cracked": "no", "body_marks": "none", "battery_health": "91",
                 "accessories": "yes", "lock_removed": "yes"}

assert iban_clean(GOOD_IBAN) == "FR7630006000011234567890189"


@pytest.fixture
def iphone(db):
    model = ProductModelFactory(name="iPhone 12", slug="iphone-12")
    return ProductFactory(model=model, slug="iphone-12-128-black", reference="0194252030394", storage_gb=128)


@pytest.fixture
def owner(db):
    return SellerMemberFactory(seller__name="GreenFix", seller__return_address="4 rue du Port, 44000 Nantes")


@pytest.fixture
def rival(db):
    return SellerMemberFactory(seller__name="PhoneDoctor")


@pytest.fixture
def warehouse(owner):
    return SellerMemberFactory(seller=owner.seller, role=SellerMember.Role.WAREHOUSE)


@pytest.fixture
def offers(iphone, owner, rival):
    """GreenFix pays 300 flawless / 95 cracked (cap 5); PhoneDoctor 280 flawless / 110 cracked (cap 2)."""
    ours = {c: offer_save(seller=owner.seller, product=iphone, condition=c, price=p, cap=5)[0]
            for c, p in (("flawless", "300.00"), ("cracked", "95.00"))}
    theirs = {c: offer_save(seller=rival.seller, product=iphone, condition=c, price=p, cap=2)[0]
              for c, p in (("flawless", "280.00"), ("cracked", "110.00"))}
    return {"ours": ours, "theirs": theirs}


@pytest.fixture
def shopper(db):
    return UserFactory(first_name="Alex", email="alex@example.test")


def sell(*, shopper, product, answers, iban=GOOD_IBAN, now=None):
    """The shopper is quoted the best offer for the answers and accepts it at once."""
    quote = services.trade_in_quote_give(product=product, answers=answers, shopper=shopper, now=now)
    return services.trade_in_accept(quote=quote, shopper=shopper, iban=iban, now=now)


def png_bytes(size=(8, 8), colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def run_concurrently(functions) -> list:
    """Starts every function at once (a barrier) in its own thread and connection."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    return results

