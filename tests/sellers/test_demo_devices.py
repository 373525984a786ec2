"""The demo marketplace shows the device itself: new batteries (ReNew Tech's best grades), battery
health on most offers, box contents, and unlocked / eSIM only on phones."""
import pytest
from django.core.management import call_command

from sellers.models import Listing
from sellers.services import phone_product_ids

pytestmark = pytest.mark.django_db


def test_the_demo_offers_carry_their_device_details():
    call_command("seed_demo", "--allow-demo-users", verbosity=0)
    listings = Listing.objects.all()
    assert listings.filter(battery_new=True, battery_health=100, seller__slug="renew-tech").exists()
    assert listings.filter(battery_new=False, battery_health__gte=78, battery_health__lt=100).count() > 50
    assert listings.filter(includes_cable=True).exists() and listings.filter(includes_box=True).exists()
    phones = phone_product_ids(listings.values_list("product_id", flat=True))
    assert phones and listings.filter(product_id__in=phones, is_unlocked=True).exists()
    assert not listings.exclude(product_id__in=phones).filter(is_unlocked__isnull=False).exists()
    assert not listings.exclude(product_id__in=phones).filter(has_esim__isnull=False).exists()
