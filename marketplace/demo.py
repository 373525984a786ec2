"""Demo accounts with published passwords, for a newcomer to click through (never in production)."""
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

DEMO_PASSWORD = "refurb-demo-2026"  # noqa: S105 (published on purpose, demo only)
STAFF_EMAIL = "staff@refurb.test"
SHOPPER_EMAIL = "shopper@refurb.test"
SELLER_EMAIL = "seller@refurb.test"


def demo_user(*, email: str, first_name: str, last_name: str, is_staff: bool = False):
    """Creates the user once, with a verified e-mail address; later runs leave it as it is."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=email,
        defaults={"email": email, "first_name": first_name, "last_name": last_name,
                  "is_staff": is_staff, "is_superuser": is_staff},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email,
                                       defaults={"verified": True, "primary": True})
    return user


def seed_users() -> dict:
    return {
        "staff": demo_user(email=STAFF_EMAIL, first_name="Sam", last_name="Staff", is_staff=True),
        "shopper": demo_user(email=SHOPPER_EMAIL, first_name="Alex", last_name="Martin"),
        "seller": demo_user(email=SELLER_EMAIL, first_name="Rita", last_name="Refurb"),
    }
