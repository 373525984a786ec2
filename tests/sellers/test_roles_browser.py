"""The team page and the API keys page in real Chromium, as an owner and as warehouse staff see them."""
import pytest

from sellers.api_auth import api_key_create
from sellers.models import ApiKey, SellerInvitation, SellerMember
from tests.factories import SellerMemberFactory, UserFactory
from tests.helpers import browser_login, journey_step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team():
    owner = SellerMemberFactory(seller__name="Green Phone Lab", user__first_name="Olga",
                                user__email="olga@greenphone.test")
    manager = SellerMemberFactory(seller=owner.seller, role=SellerMember.Role.MANAGER,
                                  user=UserFactory(email="max@greenphone.test"))
    warehouse = SellerMemberFactory(seller=owner.seller, role=SellerMember.Role.WAREHOUSE,
                                    user=UserFactory(email="wim@greenphone.test"))
    SellerInvitation.objects.create(seller=owner.seller, email="new@greenphone.test", token="browser-token",
                                    role=SellerMember.Role.WAREHOUSE)
    api_key_create(seller=owner.seller, name="Max's ERP", scopes=["listings"], created_by=manager.user)
    return owner, manager, warehouse


def test_owner_changes_a_role_removes_a_member_and_withdraws_an_invitation(page, live_server, team):
    owner, manager, warehouse = team
    browser_login(page, live_server, owner.user.email)
    page.goto(f"{live_server.url}/seller/team/")
    journey_step(page, "roles-team-owner")
    page.get_by_label("Role of wim@greenphone.test").select_option("manager")
    page.get_by_role("button", name="Change role wim@greenphone.test").click()
    page.get_by_text("wim@greenphone.test is now Manager.").wait_for()
    warehouse.refresh_from_db()
    assert warehouse.role == SellerMember.Role.MANAGER

    page.get_by_role("link", name="Remove max@greenphone.test").click()
    assert page.get_by_text("the 1 API key they made is revoked").is_visible()
    journey_step(page, "roles-remove-confirm")
    page.get_by_role("button", name="Remove from the team").click()
    page.get_by_text("max@greenphone.test is removed from the team").wait_for()
    assert not SellerMember.objects.filter(pk=manager.pk).exists()
    assert ApiKey.objects.get(name="Max's ERP").revoked_at is not None

    page.get_by_role("button", name="Withdraw new@greenphone.test").click()
    page.get_by_text("The invitation to new@greenphone.test is withdrawn").wait_for()
    assert not SellerInvitation.objects.exists()


def test_warehouse_sees_the_team_without_forms_and_a_403_page_elsewhere(page, live_server, team):
    _owner, _manager, warehouse = team
    browser_login(page, live_server, warehouse.user.email)
    page.goto(f"{live_server.url}/seller/team/")
    assert page.get_by_text("olga@greenphone.test").first.is_visible()
    assert page.get_by_role("button", name="Change role").count() == 0
    assert page.get_by_role("link", name="API keys").count() == 0
    response = page.goto(f"{live_server.url}/seller/api-keys/")
    assert response.status == 403
    # Chromium logs every 4xx document as a failed resource: that one is this test's point.
    page.console_errors[:] = [e for e in page.console_errors if "status of 403" not in e]
    assert page.get_by_role("heading", name="Not part of your role").is_visible()
    journey_step(page, "roles-warehouse-forbidden")


def test_owner_sees_every_key_with_its_scopes_and_who_made_it(page, live_server, team):
    owner, _manager, _warehouse = team
    browser_login(page, live_server, owner.user.email)
    page.goto(f"{live_server.url}/seller/api-keys/")
    row = page.get_by_role("row", name="Max's ERP")
    assert "Change listings and stock" in row.inner_text() and "max@greenphone.test" in row.inner_text()
    page.get_by_label("Key name").fill("Shipping robot")
    page.get_by_label("Accept, refuse and ship orders").check()
    page.get_by_role("button", name="Create key").click()
    page.get_by_role("heading", name="Your new key").wait_for()
    assert "This key may: Read listings and orders · Accept, refuse and ship orders" in page.content()
    journey_step(page, "roles-api-key-created")
    assert ApiKey.objects.get(name="Shipping robot").scopes == ["read", "orders"]
