"""At login, the anonymous cart joins the user's cart (the session keeps its id across the login)."""
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import services
from .models import Cart


@receiver(user_logged_in, dispatch_uid="orders_cart_merge_at_login")
def merge_cart_at_login(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    cart_id = request.session.pop("cart_id", None)
    source = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if source is None:
        return
    services.cart_merge(source=source, target=services.cart_get_or_create(user=user))
