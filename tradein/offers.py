"""Trade-in offers, the one writer: a seller's price per product (or model + storage) × condition,
its cap and on/off.

Every door (back office, API, CSV import) saves an offer with `offer_save` (one product) or
`offer_save_for_model` (every variant of a model with one storage, as ONE offer with one cap). The
cap counts the devices the seller still wants; a shopper's acceptance takes one with a guarded single UPDATE
(`offer_take_one`: zero rows means none left), so concurrent acceptances never take it below zero.
A price changed or an offer switched off stops new quotes only: quotes already given are honoured
at their price while the cap lasts (services.trade_in_accept).
"""
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from catalog.models import Product
from sellers.models import Seller
from sellers.permissions import Perm, member_user_require

from .models import Condition, TradeInOffer

MAX_OFFER_PRICE = Decimal("10000.00")
MAX_CAP = 10_000
MAX_STORAGE_GB = 100_000


def validate_condition(value) -> str:
    value = str(value or "").strip().lower()
    if value not in Condition.values:
        raise ValidationError({"condition": _("Choose a condition: %(names)s.")
                               % {"names": ", ".join(Condition.values)}})
    return value


def validate_offer_price(value) -> Decimal:
    try:
        price = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({"price": _("Enter a price such as 95.00.")}) from exc
    if not price.is_finite() or price <= 0:
        raise ValidationError({"price": _("The price must be more than zero.")})
    if price > MAX_OFFER_PRICE:
        raise ValidationError({"price": _("The price must be at most %(max)s.") % {"max": MAX_OFFER_PRICE}})
    return price


def validate_cap(value) -> int:
    try:
        cap = int(Decimal(str(value).strip()))
        if Decimal(str(value).strip()) != cap:
            raise ValueError
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({"cap": _("Enter a whole number of devices.")}) from exc
    if not 0 <= cap <= MAX_CAP:
        raise ValidationError({"cap": _("The cap must be between 0 and %(max)s.") % {"max": MAX_CAP}})
    return cap


def validate_storage_gb(value) -> int:
    try:
        storage = Decimal(str(value).strip())
        if storage != int(storage):
            raise ValueError
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({"storage_gb": _("Enter the storage in GB, such as 128.")}) from exc
    if not 1 <= storage <= MAX_STORAGE_GB:
        raise ValidationError({"storage_gb": _("The storage must be between 1 and %(max)s GB.")
                               % {"max": MAX_STORAGE_GB}})
    return int(storage)


def _saved(*, seller: Seller, target: dict, condition: str, price, cap,
           is_active) -> tuple[TradeInOffer, str]:
    """Creates or changes the seller's one offer for `target` (a product, or a model + storage) ×
    condition, under the row's lock (a concurrent first save changes the row the other made)."""
    values = {"price": validate_offer_price(price), "cap": validate_cap(cap), "is_active": bool(is_active)}
    condition = validate_condition(condition)
    lookup = {"seller": seller, "condition": condition, **target}
    with transaction.atomic():
        offer = TradeInOffer.objects.select_for_update().filter(**lookup).first()
        if offer is None:
            try:
                with transaction.atomic():
                    offer = TradeInOffer.objects.create(**lookup, **values)
            except IntegrityError:
                offer = TradeInOffer.objects.select_for_update().get(**lookup)
            else:
                return offer, "created"
        changed = [name for name, value in values.items() if getattr(offer, name) != value]
        if not changed:
            return offer, "unchanged"
        for name in changed:
            setattr(offer, name, values[name])
        offer.save(update_fields=[*changed, "updated_at"])
        return offer, "updated"


def _may_offer(*, seller: Seller, actor) -> None:
    member_user_require(user_id=getattr(actor, "pk", None), seller_id=seller.pk,
                        permission=Perm.LISTINGS_WRITE)
    if seller.status != Seller.Status.APPROVED:
        raise ValidationError(_("Only approved sellers can make trade-in offers."))


def offer_save(*, seller: Seller, product: Product, condition: str, price, cap, is_active: bool = True,
               actor=None) -> tuple[TradeInOffer, str]:
    """Creates or changes the seller's offer for product × condition; returns it and what happened
    (created, updated or unchanged). A member saving needs a role that changes listings."""
    _may_offer(seller=seller, actor=actor)
    if not product.is_active:
        raise ValidationError({"product": _("This product is not sold on the marketplace.")})
    return _saved(seller=seller, target={"product": product}, condition=condition, price=price, cap=cap,
                  is_active=is_active)


def offer_save_for_model(*, seller: Seller, model_ref: str, storage_gb, condition: str, price, cap,
                         is_active: bool = True, actor=None) -> tuple[TradeInOffer, str]:
    """The seller's one offer for every variant (colour, connectivity) of a model with this storage:
    one row, one cap for all of them together ("20 iPhone 12 128 GB, cracked": 20 in all, whatever
    their colours). `model_ref` is the model's slug or its name. The back office, the API
    (PUT /trade-in/offers/by-model) and the CSV of offers all call this. For a variant the seller
    also has an offer of its own for, that offer is the one shoppers are quoted."""
    from catalog.models import ProductModel

    _may_offer(seller=seller, actor=actor)
    model = (ProductModel.objects.filter(slug=str(model_ref).strip()).first()
             or ProductModel.objects.filter(name__iexact=str(model_ref).strip()).first())
    if model is None:
        raise ValidationError({"model": _("No model in the catalog is called “%(name)s”.")
                               % {"name": model_ref}})
    storage = validate_storage_gb(storage_gb)
    if not Product.objects.filter(model=model, storage_gb=storage, is_active=True).exists():
        raise ValidationError({"storage_gb": _("The %(model)s is not sold with %(gb)s GB.")
                               % {"model": model.name, "gb": storage}})
    return _saved(seller=seller, target={"model": model, "storage_gb": storage}, condition=condition,
                  price=price, cap=cap, is_active=is_active)


def offer_toggle(*, offer: TradeInOffer, is_active: bool, actor=None) -> TradeInOffer:
    member_user_require(user_id=getattr(actor, "pk", None), seller_id=offer.seller_id,
                        permission=Perm.LISTINGS_WRITE)
    TradeInOffer.objects.filter(pk=offer.pk).update(is_active=bool(is_active))
    offer.is_active = bool(is_active)
    return offer


def offer_take_one(*, offer_id: int) -> bool:
    """Takes one device off the offer's cap for a quote it gave; False when the cap is exhausted.
    One guarded statement. Switched off or repriced since does not matter: the quote holds."""
    return bool(TradeInOffer.objects.filter(pk=offer_id, cap__gt=0).update(cap=F("cap") - 1))


def offer_give_back(*, offer_id: int) -> None:
    """A trade-in that will not be bought (expired, cancelled, sent back) frees its place again."""
    TradeInOffer.objects.filter(pk=offer_id, cap__lt=MAX_CAP).update(cap=F("cap") + 1)
