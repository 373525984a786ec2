"""Every back-office URL is scoped to the user's seller: others get 404, shoppers apply, anonymous log in."""
import pytest
from django.urls import reverse

from sellers.models import Listing, SellerInvitation
from tests.factories import ListingFactory, SellerMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

SELLER_URLS = ["sellers:dashboard", "sellers:listing_list", "sellers:listing_create",
               "sellers:product_search", "sellers:team", "sellers:settings"]
LISTING_URLS = ["sellers:listing_update", "sellers:listing_inline", "sellers:listing_toggle",
                "sellers:listing_archive", "sellers:listing_match_price"]
POST_DATA = {"price": "1.00", "quantity": "0", "warranty_months": "12", "email": "x@example.test"}


@pytest.fixture
def victim_listing(db):
    return ListingFactory()


@pytest.mark.parametrize("name", LISTING_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_sellers_listing_is_a_404_and_untouched(client, victim_listing, name, method):
    intruder = SellerMemberFactory()
    client.force_login(intruder.user)
    before = Listing.objects.values().get(pk=victim_listing.pk)
    response = getattr(client, method)(reverse(name, args=[victim_listing.pk]), POST_DATA)
    post_only = name in ("sellers:listing_inline", "sellers:listing_toggle")
    # A GET of a POST-only URL is refused before the lookup; its POST case proves the 404.
    assert response.status_code == (405 if method == "get" and post_only else 404)
    assert Listing.objects.values().get(pk=victim_listing.pk) == before


@pytest.mark.parametrize("name", SELLER_URLS + LISTING_URLS)
def test_anonymous_users_are_sent_to_log_in(client, victim_listing, name):
    url = reverse(name, args=[victim_listing.pk]) if name in LISTING_URLS else reverse(name)
    response = client.post(url, POST_DATA) if name in LISTING_URLS else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", SELLER_URLS + LISTING_URLS)
def test_shoppers_without_a_seller_are_sent_to_apply(client, victim_listing, name):
    client.force_login(UserFactory())
    url = reverse(name, args=[victim_listing.pk]) if name in LISTING_URLS else reverse(name)
    response = client.post(url, POST_DATA) if name in LISTING_URLS else client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("sellers:apply")


@pytest.mark.parametrize("name", ["sellers:apply", "sellers:status"])
def test_anonymous_users_log_in_before_applying_or_reading_a_status(client, name):
    assert client.get(reverse(name))["Location"].startswith(reverse("account_login"))


def test_shopper_without_seller_status_page_sends_to_apply(client):
    client.force_login(UserFactory())
    assert client.get(reverse("sellers:status"))["Location"] == reverse("sellers:apply")


def test_team_and_dashboard_show_only_the_users_own_seller(client):
    mine, theirs = SellerMemberFactory(), SellerMemberFactory()
    ListingFactory(seller=theirs.seller, sku="THEIR-SECRET")
    client.force_login(mine.user)
    assert theirs.user.email not in client.get(reverse("sellers:team")).content.decode()
    results = client.get(reverse("sellers:listing_list"), {"q": "THEIR"}).content.decode()
    assert 'id="listing-' not in results


def test_invitation_link_needs_a_login(client):
    owner = SellerMemberFactory()
    invitation = SellerInvitation.objects.create(seller=owner.seller, email="a@example.test",
                                                 token="abc" * 10)
    url = reverse("sellers:invitation_accept", kwargs={"token": invitation.token})
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    client.force_login(UserFactory())
    assert client.get(reverse("sellers:invitation_accept", kwargs={"token": "nope"})).status_code == 404
