"""Merges the per-colour copies that offers_save_for_model used to make into one offer for the
model and storage, whose single cap counts all its variants together.

Which rows: a seller's product offers in one condition on two or more active variants of one model
with one storage, with the same price and on/off — what one save "for every colour" wrote (offers
set one by one at different prices stay as they are).

The merged cap: each copy started with the cap the seller gave and lost one per device accepted on
it (given back when a trade-in was not bought). The cap the seller gave is read back as the largest
of (copy's cap + devices still taken on it); the merged cap is that minus every device taken on
all the copies, never below 0, and never more than the smallest copy's cap: a seller is never made
to buy more than it asked for, overall or through any one colour.

The merged offer keeps the oldest copy's creation time (ties between equal prices go to the older
offer) and takes over the copies' quotes and trade-ins; the copies are deleted.
"""
from collections import defaultdict

from django.db import migrations
from django.db.models import Count, Q

# The states in which a trade-in still holds its place on the cap (tradein.states.NOT_BOUGHT give it back).
NOT_BOUGHT = ("expired", "cancelled", "returning", "returned")


def offers_merge_per_model(apps, schema_editor=None) -> int:
    """Returns the number of model offers made."""
    TradeInOffer = apps.get_model("tradein", "TradeInOffer")
    TradeInQuote = apps.get_model("tradein", "TradeInQuote")
    TradeIn = apps.get_model("tradein", "TradeIn")
    groups = defaultdict(list)
    rows = (TradeInOffer.objects.filter(product__isnull=False, product__is_active=True,
                                        product__storage_gb__isnull=False)
            .annotate(taken=Count("trade_ins", filter=~Q(trade_ins__state__in=NOT_BOUGHT)))
            .values("pk", "seller_id", "product__model_id", "product__storage_gb", "condition", "price",
                    "is_active", "cap", "taken", "created_at").order_by("pk"))
    for row in rows:
        key = (row["seller_id"], row["product__model_id"], row["product__storage_gb"], row["condition"],
               row["price"], row["is_active"])
        groups[key].append(row)
    made = 0
    for (seller_id, model_id, storage_gb, condition, price, is_active), copies in groups.items():
        merged_before = TradeInOffer.objects.filter(seller_id=seller_id, model_id=model_id,
                                                    storage_gb=storage_gb, condition=condition)
        if len(copies) < 2 or merged_before.exists():
            continue
        given = max(row["cap"] + row["taken"] for row in copies)
        cap = max(0, min(given - sum(row["taken"] for row in copies), min(row["cap"] for row in copies)))
        offer = TradeInOffer.objects.create(seller_id=seller_id, model_id=model_id, storage_gb=storage_gb,
                                            condition=condition, price=price, is_active=is_active, cap=cap)
        ids = [row["pk"] for row in copies]
        TradeInOffer.objects.filter(pk=offer.pk).update(created_at=min(row["created_at"] for row in copies))
        TradeInQuote.objects.filter(offer_id__in=ids).update(offer=offer)
        TradeIn.objects.filter(offer_id__in=ids).update(offer=offer)
        TradeInOffer.objects.filter(pk__in=ids).delete()
        made += 1
    return made


class Migration(migrations.Migration):

    dependencies = [("tradein", "0004_offer_model_storage")]

    operations = [migrations.RunPython(offers_merge_per_model, migrations.RunPython.noop)]
