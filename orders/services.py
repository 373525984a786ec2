"""Writes about carts, orders and the shopper's saved data."""
from django.db import transaction

from .models import Address


@transaction.atomic
def address_save(*, address: Address) -> Address:
    """Saves an address; making it the default takes the flag from the user's other addresses."""
    if address.is_default:
        Address.objects.filter(user=address.user, is_default=True).exclude(pk=address.pk).update(
            is_default=False
        )
    elif not Address.objects.filter(user=address.user).exclude(pk=address.pk).exists():
        address.is_default = True
    address.save()
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Deletes an address; if it was the default, the newest remaining one becomes the default."""
    was_default = address.is_default
    user = address.user
    address.delete()
    if was_default:
        newest = Address.objects.filter(user=user).order_by("-created_at").first()
        if newest:
            newest.is_default = True
            newest.save(update_fields=["is_default"])
