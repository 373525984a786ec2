"""At login, the anonymous cart joins the user's cart (the session keeps its id across the login);
when an account's e-mail address is verified, the guest orders placed with it become the account's."""
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed, user_signed_up
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import guest_access, services
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


@receiver(email_confirmed, dispatch_uid="orders_claim_guest_orders_on_email_confirmed")
def claim_guest_orders_on_email_confirmed(sender, request, email_address, **kwargs) -> None:
    guest_access.guest_orders_claim(user=email_address.user, email=email_address.email)


@receiver(user_signed_up, dispatch_uid="orders_claim_guest_orders_at_sign_up")
def claim_guest_orders_at_sign_up(sender, request, user, **kwargs) -> None:
    """An address already verified at sign-up (e.g. vouched for by the sign-up flow itself); an
    unverified one claims its orders later, when it is confirmed."""
    for email in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True):
        guest_access.guest_orders_claim(user=user, email=email)
