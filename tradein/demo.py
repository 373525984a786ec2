"""Demo trade-ins: the sellers' buying offers on the iPhones (Green Phone Lab's for each model and
storage, every colour with one cap; Renew Tech's per product), and the demo shopper's trade-ins in
every state, made through the services (so their history and money are what the app would record)."""
import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalog.models import Product

from . import services
from .models import ShopperPayout, TradeIn, TradeInOffer
from .offers import offer_save, offer_save_for_model
from .payouts import shopper_payout_mark_sent
from .quotes import Answers
from .stock import trade_in_to_stock

DEMO_IBAN = "FR76 3000 6000 0112 3456 7890 189"
# Share of the model's price new each condition is bought at, per seller.
FACTORS = {"green-phone-lab": {"flawless": "0.42", "worn": "0.33", "cracked": "0.18", "dead": "0.07"},
           "renew-tech": {"flawless": "0.40", "worn": "0.34", "cracked": "0.16", "dead": "0.08"}}
ANSWERS = {
    "flawless": Answers(powers_on=True, screen_cracked=False, body_marks="none", battery_health=90,
                        accessories=True, lock_removed=True),
    "worn": Answers(powers_on=True, screen_cracked=False, body_marks="light", battery_health=84,
                    accessories=False, lock_removed=True),
    "cracked": Answers(powers_on=True, screen_cracked=True, body_marks="light", battery_health=None,
                       accessories=False, lock_removed=True),
}


def _photo() -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), (232, 236, 240))
    ImageDraw.Draw(image).line((40, 40, 440, 280), fill=(120, 120, 120), width=6)  # the scratch
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile("scratch.jpg", buffer.getvalue(), content_type="image/jpeg")


def seed_offers(*, sellers: dict, products) -> list[TradeInOffer]:
    iphones = [p for p in products if p.model.name.startswith("iPhone") and p.storage_gb][:10]
    offers = []
    for slug, factors in FACTORS.items():
        seller = sellers["sellers"][slug]
        by_model = slug == "green-phone-lab"
        targets = list({(p.model_id, p.storage_gb): p for p in iphones}.values()) if by_model else iphones
        for product in targets:
            for condition, share in factors.items():
                price = (product.model.reference_price_new * Decimal(share)).quantize(Decimal("1"))
                if by_model:
                    offer, _status = offer_save_for_model(seller=seller, model_ref=product.model.slug,
                                                          storage_gb=product.storage_gb, condition=condition,
                                                          price=price, cap=25)
                else:
                    offer, _status = offer_save(seller=seller, product=product, condition=condition,
                                                price=price, cap=10)
                offers.append(offer)
    return offers


def seed_trade_ins(*, users: dict, sellers: dict, catalog: dict) -> list[TradeIn]:
    """Offers, then one trade-in in each state for the demo shopper, sold to Green Phone Lab (the
    demo seller's company). Runs once: a second run changes nothing."""
    shopper, seller_user, staff = users["shopper"], users["seller"], users["staff"]
    if TradeIn.objects.filter(shopper=shopper).exists():
        return list(TradeIn.objects.filter(shopper=shopper))
    seed_offers(sellers=sellers, products=catalog["products"])
    demo_seller = sellers["demo"]
    offer = (TradeInOffer.objects.filter(seller=demo_seller, condition="flawless", model__isnull=False)
             .select_related("model").order_by("model__name", "storage_gb").first())
    product = (Product.objects.filter(model=offer.model, storage_gb=offer.storage_gb, is_active=True)
               .select_related("model").order_by("pk").first())
    now = timezone.now()

    def accept(condition="flawless", when=now):
        quote = services.trade_in_quote_give(product=product, answers=ANSWERS[condition], shopper=shopper,
                                             now=when)
        return services.trade_in_accept(quote=quote, shopper=shopper, iban=DEMO_IBAN, now=when)

    def received(condition="flawless"):
        trade_in = accept(condition)
        services.trade_in_mark_shipped(trade_in=trade_in, shopper=shopper,
                                       tracking="6A" + trade_in.number[3:])
        return services.trade_in_receive(trade_in=trade_in, actor=seller_user)

    def countered(condition="flawless"):
        trade_in = received(condition)
        price = (trade_in.quoted_price * Decimal("0.75")).quantize(Decimal("1"))
        return services.trade_in_counter_offer(trade_in=trade_in, actor=seller_user, price=price,
                                               reason="Deep scratches on the back glass, not stated.",
                                               photos=[_photo()])

    expired = accept(when=now - timedelta(days=20))
    services.trade_ins_expire_unshipped(now=now)
    made = [expired, accept("worn")]  # accepted, to ship
    shipped = accept("cracked")
    made.append(services.trade_in_mark_shipped(trade_in=shipped, shopper=shopper, tracking="6A0000DEMO"))
    made.append(received())  # to inspect
    made.append(countered())  # waiting for the shopper
    disputed = countered()
    made.append(services.trade_in_counter_answer(trade_in=disputed, shopper=shopper, answer="dispute"))
    # Bought, payment due:
    made.append(services.trade_in_confirm(trade_in=received("worn"), actor=seller_user))
    paid = services.trade_in_counter_answer(trade_in=countered(), shopper=shopper, answer="accept")
    shopper_payout_mark_sent(payout=ShopperPayout.objects.get(trade_in=paid), actor=staff,
                             reference="SEPA-DEMO-0001")
    trade_in_to_stock(trade_in=paid, actor=seller_user, grade="good",
                      price=(paid.agreed_price * Decimal("1.9")).quantize(Decimal("1")))
    made.append(paid)  # paid and in stock
    made.append(services.trade_in_counter_answer(trade_in=countered("cracked"), shopper=shopper,
                                                 answer="refuse"))  # being sent back
    returned = services.trade_in_counter_answer(trade_in=countered(), shopper=shopper, answer="refuse")
    made.append(services.trade_in_return_sent(trade_in=returned, actor=seller_user, tracking="RET-DEMO-01"))
    made.append(services.trade_in_cancel(trade_in=accept(), shopper=shopper))
    # And an offer held for the shopper, not accepted yet (My trade-ins › Offers held for you).
    services.trade_in_quote_give(product=product, answers=ANSWERS["cracked"], shopper=shopper, now=now)
    return made
