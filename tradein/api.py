"""The seller API's trade-in endpoints (django-ninja), mounted under /api/v1/trade-in/: the seller's
buying offers beside the best of the others, saving one for a product or one for every variant of
a model with one storage (the same services as the back office and the CSV import), and the devices
heading its way. A write needs the key's `listings` scope."""
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema

from catalog.models import Product
from sellers.api import ERRORS, WITH_BODY_ERRORS
from sellers.api_auth import ApiKeyAuth
from sellers.api_types import Flag, Text, _bounded_integer, _checked, _refused
from sellers.permissions import Scope
from sellers.stock_sync.rows import reference_error

from .models import Condition
from .offers import (
    MAX_CAP,
    MAX_OFFER_PRICE,
    MAX_STORAGE_GB,
    offer_save,
    offer_save_for_model,
    validate_cap,
    validate_offer_price,
    validate_storage_gb,
)
from .selectors import INCOMING_STATES, seller_offers_compared, seller_trade_ins


def _offer_price(value: Any) -> Decimal:
    """A JSON number (never text or a boolean), 0.01 to MAX_OFFER_PRICE, rounded to the cent."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refused(gettext_lazy("Enter a price such as 95.00."))
    return _checked(validate_offer_price, Decimal(str(value)))


OfferPrice = Annotated[Decimal, BeforeValidator(_offer_price), WithJsonSchema({
    "type": "number", "minimum": 0.01, "maximum": float(MAX_OFFER_PRICE),
    "description": f"In euros, 0.01 to {MAX_OFFER_PRICE}, rounded to the cent.", "examples": [95.0]})]
_cap = _bounded_integer(validate_cap, gettext_lazy("Enter a whole number of devices."))
Cap = Annotated[int, BeforeValidator(_cap),
                WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_CAP,
                                "description": f"How many more devices you want, 0 to {MAX_CAP}."})]
_storage = _bounded_integer(validate_storage_gb, gettext_lazy("Enter the storage in GB, such as 128."))
StorageGb = Annotated[int, BeforeValidator(_storage),
                      WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_STORAGE_GB,
                                      "description": "The variants' storage in GB, as in GET /products.",
                                      "examples": [128]})]
router = Router(tags=["trade-in"], auth=ApiKeyAuth(write_scope=Scope.LISTINGS))
ConditionName = Literal["flawless", "worn", "cracked", "dead"]
assert set(ConditionName.__args__) == set(Condition.values)


class OfferOut(Schema):
    id: int
    product_reference: str | None = Field(description="The product it buys; null for an offer on every "
                                          "variant of a model with one storage.", examples=["0194252707272"])
    model: str | None = Field(description="For an offer on every variant of a model with one storage: the "
                              "model's name; null for a product's offer.", examples=[None])
    storage_gb: int | None = Field(description="With `model`: the variants' storage in GB.", examples=[None])
    condition: str = Field(examples=["cracked"])
    price: Decimal = Field(examples=["95.00"])
    cap: int = Field(description="How many more devices you want at this price (for a model and storage: "
                     "all its variants together).", examples=[20])
    is_active: bool
    best_other_price: Decimal | None = Field(description="The best price of the other sellers for the same "
                                             "product (or model and storage, any of its variants) and "
                                             "condition; null if none buys it.")
    is_best: bool = Field(description="Your price is the best (ties go to the older offer).")
    open_quotes: int = Field(description="Quotes this offer gave that shoppers may still accept: each is "
                             "honoured at its price for 14 days while the cap lasts, even if you "
                             "lower the price or switch the offer off.")
    updated_at: datetime

    @staticmethod
    def of(offer) -> "OfferOut":
        best_other = getattr(offer, "best_other", None)
        return OfferOut(id=offer.pk, product_reference=offer.product.reference if offer.product_id else None,
                        model=None if offer.product_id else str(offer.model.name),
                        storage_gb=offer.storage_gb, condition=offer.condition,
                        price=offer.price, cap=offer.cap, is_active=offer.is_active,
                        best_other_price=best_other, is_best=best_other is None or offer.price > best_other,
                        open_quotes=getattr(offer, "open_quotes", 0), updated_at=offer.updated_at)


class OfferIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "product_reference": "0194252707272", "condition": "cracked", "price": 95.0, "cap": 20,
        "is_active": True}]})

    product_reference: Text(64, description="The catalog product's EAN or reference.")
    condition: ConditionName
    price: OfferPrice
    cap: Cap
    is_active: Flag = True


class OfferSavedOut(Schema):
    status: Literal["created", "updated", "unchanged"]
    offer: OfferOut


class ModelOfferIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "model": "iPhone 12", "storage_gb": 128, "condition": "cracked", "price": 95.0, "cap": 20,
        "is_active": True}]})

    model: Text(120, description="The catalog model's name (as GET /products gives it) or its slug.")
    storage_gb: StorageGb
    condition: ConditionName
    price: OfferPrice
    cap: Cap  # for all the variants together
    is_active: Flag = True


class TradeInOut(Schema):
    number: str
    state: str
    product_reference: str
    product_name: str
    condition: str
    quoted_price: Decimal
    counter_price: Decimal | None
    agreed_price: Decimal | None
    ship_by: datetime
    inspect_by: datetime | None
    shipping_tracking: str
    created_at: datetime


def _offer_out(seller, pk: int) -> OfferOut:
    return OfferOut.of(seller_offers_compared(seller=seller).get(pk=pk))


@router.get("/offers", response={200: list[OfferOut], **ERRORS}, summary="Your trade-in offers")
def offers_list(request):
    return [OfferOut.of(offer) for offer in seller_offers_compared(seller=request.seller)]


@router.put("/offers", response={200: OfferSavedOut, **WITH_BODY_ERRORS},
            summary="Create or change your offer for a product and condition")
def offers_save(request, payload: OfferIn):
    product = Product.objects.filter(reference=payload.product_reference).first()
    if product is None:  # a bad value in the body, as the stock import reports it
        raise ValidationError({"product_reference": [reference_error(payload.product_reference)]})
    offer, status = offer_save(seller=request.seller, product=product, condition=payload.condition,
                               price=payload.price, cap=payload.cap, is_active=payload.is_active)
    return OfferSavedOut(status=status, offer=_offer_out(request.seller, offer.pk))


@router.put("/offers/by-model", response={200: OfferSavedOut, **WITH_BODY_ERRORS},
            summary="Create or change your one offer for every variant of a model with one storage")
def offers_save_by_model(request, payload: ModelOfferIn):
    """One offer for all the variants (colour, connectivity) of the model with this storage, with
    one cap for all of them together ("20 iPhone 12 128 GB": 20 in all): what the back office's
    "every colour of a model" and a CSV row naming `model` and `storage_gb` do. For a variant you
    also have a product offer for in that condition, the product offer is the one shoppers are
    quoted. An unknown model or storage is a 422 naming the field."""
    offer, status = offer_save_for_model(seller=request.seller, model_ref=payload.model,
                                         storage_gb=payload.storage_gb, condition=payload.condition,
                                         price=payload.price, cap=payload.cap, is_active=payload.is_active)
    return OfferSavedOut(status=status, offer=_offer_out(request.seller, offer.pk))


@router.get("/trade-ins", response={200: list[TradeInOut], **ERRORS},
            summary="Devices heading your way or in your hands")
def trade_ins_list(request):
    rows = seller_trade_ins(seller=request.seller, states=INCOMING_STATES)[:500]
    return [TradeInOut(number=t.number, state=t.state, product_reference=t.product.reference,
                       product_name=str(t.product.model.name), condition=t.condition,
                       quoted_price=t.quoted_price, counter_price=t.counter_price,
                       agreed_price=t.agreed_price, ship_by=t.ship_by, inspect_by=t.inspect_by,
                       shipping_tracking=t.shipping_tracking, created_at=t.created_at)
            for t in rows]

