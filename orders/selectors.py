"""Reads about carts and orders."""
from django.db.models import Sum

from .models import CartLine


def cart_item_count(*, request) -> int:
    """Units in the visitor's cart, in one query (none for a visitor without a session)."""
    if request.user.is_authenticated:
        lines = CartLine.objects.filter(cart__user=request.user)
    elif request.session.session_key:
        lines = CartLine.objects.filter(cart__session_key=request.session.session_key)
    else:
        return 0
    return lines.aggregate(n=Sum("quantity"))["n"] or 0
