"""Roles within a seller and API key scopes, walked table by table.

ROLE_URLS says, for every seller back-office URL, which roles may GET it and POST to it; the
walk asks each URL with each role and checks a 403 page for the others and that a refused request
changes nothing. API_SCOPES does the same for every seller API operation and key scope. A new
seller URL or API operation must be added to its table, or the coverage tests fail.

The tables are written here by hand, from the issue ("owner: everything; manager: listings,
stock, orders, returns, API keys of their own; warehouse: orders and shipping, listings read
only"), not derived from sellers/permissions.py, so a change of the code's table is caught.
"""
import json
import secrets
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from marketplace.api import api
from orders.models import ReturnRequest, SellerOrder
from sellers.api_auth import api_key_create
from sellers.models import (
    ApiKey,
    Event,
    Listing,
    SellerInvitation,
    SellerMember,
    StockImport,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from sellers.webhooks import webhook_endpoint_create
from tests.factories import ListingFactory, SellerMemberFactory, UserFactory
from tests.orders.fulfil_support import paid_order

pytestmark = pytest.mark.django_db

OWNER, MANAGER, WAREHOUSE = "owner", "manager", "warehouse"
ROLES = (OWNER, MANAGER, WAREHOUSE)
OWNER_ONLY = {OWNER}
NOT_WAREHOUSE = {OWNER, MANAGER}
EVERY_ROLE = set(ROLES)
POST_ONLY = None  # a GET is a 405 for everyone
GET_ONLY = None  # a POST is a 405 for everyone


class Team:
    """A seller whose team has one member of each role, plus a colleague for the owner to manage,
    and one of everything the back office names by id."""

    def __init__(self):
        self.owner = SellerMemberFactory(role=OWNER)
        self.seller = self.owner.seller
        self.manager = SellerMemberFactory(seller=self.seller, role=MANAGER)
        self.warehouse = SellerMemberFactory(seller=self.seller, role=WAREHOUSE)
        self.colleague = SellerMemberFactory(seller=self.seller, role=MANAGER)
        self.members = {OWNER: self.owner, MANAGER: self.manager, WAREHOUSE: self.warehouse}
        self.listing = ListingFactory(seller=self.seller, price=Decimal("300.00"), quantity=5)
        self.seller_order = paid_order(lines=[(self.listing, 1)]).seller_orders.get()
        line = self.seller_order.lines.first()
        self.return_request = ReturnRequest.objects.create(
            seller_order=self.seller_order, order_line=line, reason="defective", comment="Broken",
            amount=Decimal("10.00"), requested_by=UserFactory())
        self.stock_import = StockImport.objects.create(
            seller=self.seller, uploaded_by=self.owner.user, file="stock-imports/x.csv",
            original_name="stock.csv", sha256="0" * 64)
        self.stock_import.file.save("stock.csv", ContentFile(b"sku\n"), save=True)
        self.manager_key, _raw = api_key_create(seller=self.seller, name="Manager's ERP",
                                                created_by=self.manager.user)
        self.invitation = SellerInvitation.objects.create(seller=self.seller, email="new@example.test",
                                                          token=secrets.token_urlsafe(16))
        self.webhook, _secret = webhook_endpoint_create(seller=self.seller, url="https://erp.example.test/h",
                                                        event_types=["seller_order.paid"])
        event = Event.objects.create(seller=self.seller, type="seller_order.paid", payload={})
        self.delivery = WebhookDelivery.objects.create(event=event, endpoint=self.webhook, status="delivered",
                                                       next_attempt_at=timezone.now())

    def client(self, role: str) -> Client:
        client = Client()
        client.force_login(self.members[role].user)
        return client

    def snapshot(self) -> tuple:
        """Everything a refused request must leave as it was."""
        self.listing.refresh_from_db()
        self.seller.refresh_from_db()
        return (
            (self.listing.price, self.listing.quantity, self.listing.is_active, self.listing.archived_at),
            Listing.objects.filter(seller=self.seller).count(),
            SellerOrder.objects.get(pk=self.seller_order.pk).state,
            ReturnRequest.objects.get(pk=self.return_request.pk).state,
            StockImport.objects.filter(seller=self.seller).count(),
            sorted(ApiKey.objects.filter(seller=self.seller).values_list("pk", "revoked_at")),
            sorted(SellerMember.objects.filter(seller=self.seller).values_list("pk", "role")),
            sorted(SellerInvitation.objects.filter(seller=self.seller).values_list("pk", flat=True)),
            sorted(WebhookEndpoint.objects.filter(seller=self.seller)
                   .values_list("pk", "is_active", "secret", "event_types")),
            WebhookAttempt.objects.filter(delivery__endpoint__seller=self.seller).count(),
            self.seller.low_stock_alerts,
        )


def _team_proposal(team: Team):
    """The team's product proposal, made once."""
    from catalog.models import ProductProposal

    return ProductProposal.objects.get_or_create(seller=team.seller, reference="MPN-TEAM-1", defaults={
        "model": team.listing.product.model, "storage_gb": 128})[0]


def _team_proposal_photo(team: Team):
    """A photo of the team's proposal (a private file), made once."""
    from django.core.files.base import ContentFile

    from catalog.models import ProductProposalPhoto

    proposal = _team_proposal(team)
    return proposal.photos.first() or ProductProposalPhoto.objects.create(
        proposal=proposal, image=ContentFile(b"team photo", name="team.webp"))


def _team_export(team: Team):
    """The team's built listing export, made once."""
    from sellers.models import ListingExport

    export = ListingExport.objects.filter(seller=team.seller).first()
    if export is None:
        export = ListingExport.objects.create(
            seller=team.seller, filters_key="team", status=ListingExport.Status.DONE, total_rows=1,
            done_rows=1, finished_at=timezone.now(), expires_at=timezone.now() + timedelta(hours=1))
        export.file.save("team.csv", ContentFile(b"sku\r\n"), save=True)
    return export


# URL name -> (kwargs naming the team's object, roles that may GET, roles that may POST).
ROLE_URLS = {
    "sellers:dashboard": (None, EVERY_ROLE, EVERY_ROLE),
    "sellers:performance": (None, EVERY_ROLE, GET_ONLY),
    "sellers:listing_list": (None, EVERY_ROLE, EVERY_ROLE),
    "sellers:listing_create": (None, NOT_WAREHOUSE, NOT_WAREHOUSE),
    "sellers:product_search": (None, NOT_WAREHOUSE, NOT_WAREHOUSE),
    "sellers:listing_update": (lambda t: {"pk": t.listing.pk}, NOT_WAREHOUSE, NOT_WAREHOUSE),
    "sellers:listing_inline": (lambda t: {"pk": t.listing.pk}, POST_ONLY, NOT_WAREHOUSE),
    "sellers:listing_toggle": (lambda t: {"pk": t.listing.pk}, POST_ONLY, NOT_WAREHOUSE),
    "sellers:listing_archive": (lambda t: {"pk": t.listing.pk}, NOT_WAREHOUSE, NOT_WAREHOUSE),
    "sellers:listing_match_price": (lambda t: {"pk": t.listing.pk}, NOT_WAREHOUSE, NOT_WAREHOUSE),
    "sellers:listing_stock_history": (lambda t: {"pk": t.listing.pk}, EVERY_ROLE, GET_ONLY),
    "sellers:stock_movements_export": (None, EVERY_ROLE, GET_ONLY),
    "sellers:stock_imports": (None, NOT_WAREHOUSE, NOT_WAREHOUSE),
    "sellers:stock_import": (lambda t: {"pk": t.stock_import.pk}, NOT_WAREHOUSE, GET_ONLY),
    "sellers:stock_import_progress": (lambda t: {"pk": t.stock_import.pk}, NOT_WAREHOUSE, GET_ONLY),
    "sellers:stock_import_errors": (lambda t: {"pk": t.stock_import.pk}, NOT_WAREHOUSE, GET_ONLY),
    "sellers:stock_import_file": (lambda t: {"pk": t.stock_import.pk}, NOT_WAREHOUSE, GET_ONLY),
    "sellers:stock_export": (None, EVERY_ROLE, GET_ONLY),
    "sellers:stock_export_xlsx": (None, EVERY_ROLE, GET_ONLY),
    "sellers:listing_exports": (None, EVERY_ROLE, EVERY_ROLE),
    "sellers:listing_export": (lambda t: {"pk": _team_export(t).pk}, EVERY_ROLE, GET_ONLY),
    "sellers:listing_export_progress": (lambda t: {"pk": _team_export(t).pk}, EVERY_ROLE, GET_ONLY),
    "sellers:listing_export_download": (lambda t: {"pk": _team_export(t).pk}, EVERY_ROLE, GET_ONLY),
    "sellers:stock_template": (None, EVERY_ROLE, GET_ONLY),
    "sellers:api_keys": (None, NOT_WAREHOUSE, NOT_WAREHOUSE),
    "sellers:api_key_revoke": (lambda t: {"pk": t.manager_key.pk}, POST_ONLY, NOT_WAREHOUSE),
    "sellers:order_list": (None, EVERY_ROLE, EVERY_ROLE),
    "sellers:order_detail": (lambda t: {"pk": t.seller_order.pk}, EVERY_ROLE, EVERY_ROLE),
    "sellers:order_accept": (lambda t: {"pk": t.seller_order.pk}, POST_ONLY, EVERY_ROLE),
    "sellers:order_refuse": (lambda t: {"pk": t.seller_order.pk}, POST_ONLY, EVERY_ROLE),
    "sellers:order_ship": (lambda t: {"pk": t.seller_order.pk}, POST_ONLY, EVERY_ROLE),
    "sellers:return_decide": (lambda t: {"pk": t.return_request.pk, "decision": "accept"}, POST_ONLY,
                              NOT_WAREHOUSE),
    "sellers:payouts": (None, OWNER_ONLY, OWNER_ONLY),
    "sellers:team": (None, EVERY_ROLE, OWNER_ONLY),
    "sellers:member_role": (lambda t: {"pk": t.colleague.pk}, POST_ONLY, OWNER_ONLY),
    "sellers:member_remove": (lambda t: {"pk": t.colleague.pk}, OWNER_ONLY, OWNER_ONLY),
    "sellers:invitation_withdraw": (lambda t: {"pk": t.invitation.pk}, POST_ONLY, OWNER_ONLY),
    "sellers:settings": (None, OWNER_ONLY, OWNER_ONLY),
    "sellers:webhooks": (None, OWNER_ONLY, OWNER_ONLY),
    "sellers:webhook_docs": (None, OWNER_ONLY, GET_ONLY),
    "sellers:webhook_detail": (lambda t: {"pk": t.webhook.pk}, OWNER_ONLY, OWNER_ONLY),
    "sellers:webhook_action": (lambda t: {"pk": t.webhook.pk, "action": "test"}, POST_ONLY, OWNER_ONLY),
    "sellers:webhook_resend": (lambda t: {"pk": t.delivery.pk}, POST_ONLY, OWNER_ONLY),
    "sellers:catalog": (None, EVERY_ROLE, GET_ONLY),
    "sellers:catalog_export": (None, EVERY_ROLE, GET_ONLY),
    "sellers:proposal_create": (None, NOT_WAREHOUSE, NOT_WAREHOUSE),
    "sellers:proposal_detail": (lambda t: {"pk": _team_proposal(t).pk}, EVERY_ROLE, GET_ONLY),
    "sellers:proposal_photo": (lambda t: {"pk": _team_proposal(t).pk, "photo_pk": _team_proposal_photo(t).pk},
                               EVERY_ROLE, GET_ONLY),
    "sellers:repricing": (None, EVERY_ROLE, NOT_WAREHOUSE),
    "sellers:bulk_match": (None, NOT_WAREHOUSE, NOT_WAREHOUSE),
    "sellers:listing_rule": (lambda t: {"pk": t.listing.pk}, NOT_WAREHOUSE, NOT_WAREHOUSE),
    "sellers:notices": (None, EVERY_ROLE, GET_ONLY),
    "sellers:notices_digest": (None, POST_ONLY, EVERY_ROLE),
}
# Seller pages that come before belonging to a team: applying, its status, joining.
BEFORE_MEMBERSHIP = {"sellers:apply", "sellers:status", "sellers:invitation_accept"}
# What the allowed requests send: enough to pass the forms, so an allowed POST really acts.
POST_DATA = {"email": "colleague@example.test", "role": "warehouse", "m{colleague}-role": "warehouse",
             "price": "310.00", "quantity": "6", "warranty_months": "12", "name": "ERP",
             "scopes": ["listings"], "reason": "Out of stock", "low_stock_alerts": "on"}


def seller_url_names() -> set[str]:
    resolver = get_resolver()
    return {f"sellers:{name}" for name in resolver.namespace_dict["sellers"][1].reverse_dict
            if isinstance(name, str)}


def test_every_seller_url_has_a_row_in_the_role_table():
    missing = seller_url_names() - set(ROLE_URLS) - BEFORE_MEMBERSHIP
    assert not missing, f"add these seller URLs to ROLE_URLS: {sorted(missing)}"
    assert not set(ROLE_URLS) - seller_url_names(), "ROLE_URLS names a URL that no longer exists"


def _post_data(team: Team) -> dict:
    return {key.replace("{colleague}", str(team.colleague.pk)): value for key, value in POST_DATA.items()}


def _expect(response, *, allowed, where: str) -> str | None:
    """None when the response is what the table says, else why not."""
    if allowed is None:
        return None if response.status_code == 405 else f"{where}: {response.status_code}, expected 405"
    if allowed:
        if response.status_code in (401, 403, 404, 405) or response.status_code >= 500:
            return f"{where}: {response.status_code}, expected the role to reach it"
        return None
    if response.status_code != 403:
        return f"{where}: {response.status_code}, expected 403"
    if "Not part of your role" not in response.content.decode():
        return f"{where}: a 403 without the page that says why"
    return None


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ROLE_URLS))
def test_each_role_reaches_what_the_table_allows_and_gets_403_elsewhere(name, role):
    team = Team()
    build, get_roles, post_roles = ROLE_URLS[name]
    url = reverse(name, kwargs=build(team) if build else None)
    client = team.client(role)
    before = team.snapshot()
    get_allowed = None if get_roles is None else role in get_roles
    post_allowed = None if post_roles is None else role in post_roles

    problems = [_expect(client.get(url), allowed=get_allowed, where=f"{role} GET {url}")]
    if post_allowed is False:
        problems.append(_expect(client.post(url, _post_data(team)), allowed=False,
                                where=f"{role} POST {url}"))
        assert team.snapshot() == before, f"{role} POST {url} changed something"
    elif post_allowed is None:
        problems.append(_expect(client.post(url, _post_data(team)), allowed=None,
                                where=f"{role} POST {url}"))
    else:
        problems.append(_expect(client.post(url, _post_data(team)), allowed=True,
                                where=f"{role} POST {url}"))
    problems = [problem for problem in problems if problem]
    assert not problems, problems


def test_an_allowed_post_really_acts_so_the_walk_above_proves_something():
    """The walk's POST data passes the forms: the manager's listing edit and the owner's role
    change are applied, not refused with a form error."""
    team = Team()
    team.client(MANAGER).post(reverse("sellers:listing_update", args=[team.listing.pk]), _post_data(team))
    team.listing.refresh_from_db()
    assert (team.listing.price, team.listing.quantity) == (Decimal("310.00"), 6)
    team.client(OWNER).post(reverse("sellers:member_role", args=[team.colleague.pk]), _post_data(team))
    team.colleague.refresh_from_db()
    assert team.colleague.role == WAREHOUSE


def test_navigation_shows_each_role_only_its_pages():
    team = Team()
    pages = ["dashboard", "order_list", "payouts", "listing_list", "listing_create", "stock_imports",
             "api_keys", "team", "settings"]
    shown = {
        OWNER: set(pages),
        MANAGER: set(pages) - {"payouts", "settings"},
        WAREHOUSE: {"dashboard", "order_list", "listing_list", "team"},
    }
    for role in ROLES:
        page = team.client(role).get(reverse("sellers:dashboard")).content.decode()
        nav = page.split('class="side-nav"', 1)[1].split("</nav>", 1)[0]
        links = {name for name in pages if f'href="{reverse(f"sellers:{name}")}"' in nav}
        assert links == shown[role], role


def test_warehouse_reads_listings_without_any_edit_control():
    team = Team()
    page = team.client(WAREHOUSE).get(reverse("sellers:listing_list")).content.decode()
    assert team.listing.sku in page
    for name in ("listing_update", "listing_inline", "listing_toggle"):
        assert f'"{reverse(f"sellers:{name}", args=[team.listing.pk])}"' not in page, name
    page = team.client(MANAGER).get(reverse("sellers:listing_list")).content.decode()
    assert f'"{reverse("sellers:listing_inline", args=[team.listing.pk])}"' in page


def test_warehouse_sees_a_return_but_not_the_buttons_to_decide_it():
    team = Team()
    url = reverse("sellers:order_detail", args=[team.seller_order.pk])
    decide = reverse("sellers:return_decide", args=[team.return_request.pk, "accept"])
    assert "Broken" in team.client(WAREHOUSE).get(url).content.decode()
    assert decide not in team.client(WAREHOUSE).get(url).content.decode()
    assert decide in team.client(MANAGER).get(url).content.decode()


# --- Another seller's object stays a 404, whatever the role ------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_another_sellers_objects_are_404_for_every_role_even_where_the_role_would_be_refused(role):
    team, intruders = Team(), Team()
    client = intruders.client(role)
    before = team.snapshot()
    wrong = []
    for name, (build, get_roles, post_roles) in ROLE_URLS.items():
        if build is None:
            continue
        url = reverse(name, kwargs=build(team))
        for method, roles in (("get", get_roles), ("post", post_roles)):
            if roles is None:
                continue
            response = getattr(client, method)(url, _post_data(team)) if method == "post" else client.get(url)
            if response.status_code != 404:
                wrong.append(f"{role} {method.upper()} {url} -> {response.status_code}")
    assert not wrong, wrong
    assert team.snapshot() == before


# --- API keys: a manager's own, an owner's all -------------------------------------------------
def test_manager_sees_and_revokes_only_the_keys_they_made():
    team = Team()
    owners_key, _raw = api_key_create(seller=team.seller, name="Owner's ERP", created_by=team.owner.user)
    manager = team.client(MANAGER)
    page = manager.get(reverse("sellers:api_keys")).content.decode()
    assert team.manager_key.prefix in page and owners_key.prefix not in page
    assert manager.post(reverse("sellers:api_key_revoke", args=[owners_key.pk])).status_code == 404
    owners_key.refresh_from_db()
    assert owners_key.revoked_at is None
    assert manager.post(reverse("sellers:api_key_revoke", args=[team.manager_key.pk])).status_code == 302
    team.manager_key.refresh_from_db()
    assert team.manager_key.revoked_at is not None


def test_owner_sees_every_key_with_who_made_it_and_revokes_any():
    team = Team()
    page = team.client(OWNER).get(reverse("sellers:api_keys")).content.decode()
    assert team.manager_key.prefix in page and team.manager.user.email in page
    response = team.client(OWNER).post(reverse("sellers:api_key_revoke", args=[team.manager_key.pk]))
    assert response.status_code == 302
    team.manager_key.refresh_from_db()
    assert team.manager_key.revoked_at is not None


def test_a_new_key_shows_its_scopes_once_and_in_the_list():
    team = Team()
    response = team.client(MANAGER).post(reverse("sellers:api_keys"),
                                         {"name": "Stock sync", "scopes": ["listings"]})
    key = ApiKey.objects.get(name="Stock sync")
    assert key.scopes == ["read", "listings"] and key.created_by == team.manager.user
    page = response.content.decode()
    assert "This key may:" in page and "Change listings and stock" in page
    listed = team.client(MANAGER).get(reverse("sellers:api_keys")).content.decode()
    assert "Read listings and orders · Change listings and stock" in listed


def test_a_key_made_without_a_scope_only_reads():
    team = Team()
    team.client(OWNER).post(reverse("sellers:api_keys"), {"name": "Dashboard"})
    assert ApiKey.objects.get(name="Dashboard").scopes == ["read"]


def test_a_role_that_holds_no_keys_cannot_have_one_made_by_the_service():
    from sellers.permissions import RoleForbidden

    team = Team()
    with pytest.raises(RoleForbidden):
        api_key_create(seller=team.seller, name="Warehouse", created_by=team.warehouse.user)
    assert not ApiKey.objects.filter(name="Warehouse").exists()


# --- The services ask too: a page that forgot to check would still be refused ------------------
def test_services_refuse_a_member_whose_role_lacks_the_permission():
    from orders import fulfilment
    from sellers import services
    from sellers import team as team_services
    from sellers.api_auth import api_key_revoke
    from sellers.ledger import Reason, StockCause
    from sellers.permissions import RoleForbidden
    from sellers.stock_sync import stock_import_create

    team = Team()
    as_warehouse = StockCause(Reason.BACK_OFFICE, user_id=team.warehouse.user_id)
    before = team.snapshot()
    refused = [
        lambda: services.listing_update(listing=team.listing, quantity=1, cause=as_warehouse),
        lambda: services.listing_create(seller=team.seller, product=team.listing.product, grade="fair",
                                        sku="NEW-1", price="100.00", quantity=1, cause=as_warehouse),
        lambda: stock_import_create(seller=team.seller, uploaded_by=team.warehouse.user, name="s.csv",
                                    data=b"sku\n"),
        lambda: fulfilment.return_accept(ret=team.return_request, actor=team.warehouse.user),
        lambda: team_services.seller_invite(seller=team.seller, actor=team.manager, email="x@example.test"),
        lambda: team_services.seller_member_remove(member=team.colleague, actor=team.manager),
        lambda: team_services.seller_member_role_set(member=team.colleague, role=OWNER, actor=team.manager),
        lambda: team_services.invitation_withdraw(invitation=team.invitation, actor=team.manager),
        lambda: services.seller_settings_update(seller=team.seller, actor=team.manager,
                                                low_stock_alerts=False),
        lambda: api_key_revoke(api_key=ApiKey.objects.create(
            seller=team.seller, name="Owner's", prefix="rfb_owner1", hashed_key="h" * 64,
            created_by=team.owner.user), actor=team.manager),
        # An owner of another seller acts on this seller's team: refused as well.
        lambda: team_services.seller_member_remove(member=team.colleague, actor=Team().owner),
    ]
    for number, call in enumerate(refused):
        with pytest.raises(RoleForbidden):
            call()
        assert team.snapshot()[:5] == before[:5], number
    # The same services let the roles that may do it through.
    manager = StockCause(Reason.BACK_OFFICE, user_id=team.manager.user_id)
    change = services.listing_update(listing=team.listing, quantity=4, cause=manager)
    assert change.changed_fields == ("quantity",)
    fulfilment.return_accept(ret=team.return_request, actor=team.manager.user)
    assert ReturnRequest.objects.get(pk=team.return_request.pk).state == "accepted"


# --- Team: remove, withdraw, change role -------------------------------------------------------
def _session_keys(user) -> set[str]:
    return {s.session_key for s in Session.objects.filter(expire_date__gt=timezone.now())
            if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)}


def test_removing_a_member_ends_their_sessions_and_revokes_the_keys_they_made():
    team = Team()
    colleague_key, raw = api_key_create(seller=team.seller, name="Colleague's ERP",
                                        created_by=team.colleague.user)
    owners_key, owners_raw = api_key_create(seller=team.seller, name="Owner's", created_by=team.owner.user)
    browser_one, browser_two = Client(), Client()
    browser_one.force_login(team.colleague.user)
    browser_two.force_login(team.colleague.user)
    bystander = team.client(MANAGER)
    assert len(_session_keys(team.colleague.user)) == 2
    assert browser_one.get(reverse("sellers:listing_list")).status_code == 200

    owner = team.client(OWNER)
    confirm = owner.get(reverse("sellers:member_remove", args=[team.colleague.pk])).content.decode()
    assert "1 API key they made is revoked" in confirm
    response = owner.post(reverse("sellers:member_remove", args=[team.colleague.pk]))
    assert response.status_code == 302

    assert not SellerMember.objects.filter(pk=team.colleague.pk).exists()
    assert _session_keys(team.colleague.user) == set()
    for browser in (browser_one, browser_two):  # logged out: sent to log in
        assert browser.get(reverse("sellers:listing_list"))["Location"].startswith(reverse("account_login"))
    colleague_key.refresh_from_db()
    assert colleague_key.revoked_at is not None
    assert Client().get("/api/v1/listings", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    # Nobody else is touched.
    assert Client().get("/api/v1/listings", HTTP_AUTHORIZATION=f"Bearer {owners_raw}").status_code == 200
    assert bystander.get(reverse("sellers:listing_list")).status_code == 200
    assert owner.get(reverse("sellers:team")).status_code == 200


def test_an_owner_cannot_remove_themselves_nor_the_last_owner():
    from sellers import team as team_services

    team = Team()
    response = team.client(OWNER).post(reverse("sellers:member_remove", args=[team.owner.pk]))
    assert response.status_code == 400
    assert SellerMember.objects.filter(pk=team.owner.pk).exists()
    second = SellerMemberFactory(seller=team.seller, role=OWNER)
    team_services.seller_member_remove(member=team.owner, actor=second)
    assert not SellerMember.objects.filter(pk=team.owner.pk).exists()
    with pytest.raises(Exception, match="cannot remove yourself"):
        team_services.seller_member_remove(member=second, actor=second)


def test_the_last_owner_cannot_be_demoted_but_one_of_two_can():
    team = Team()
    owner = team.client(OWNER)
    second = SellerMemberFactory(seller=team.seller, role=OWNER)
    owner.post(reverse("sellers:member_role", args=[second.pk]), {f"m{second.pk}-role": MANAGER})
    second.refresh_from_db()
    assert second.role == MANAGER
    # The owner is now the only one: changing their own role through the URL is refused.
    owner.post(reverse("sellers:member_role", args=[team.owner.pk]), {f"m{team.owner.pk}-role": MANAGER})
    team.owner.refresh_from_db()
    assert team.owner.role == OWNER


def test_a_manager_moved_to_warehouse_loses_the_keys_they_made():
    team = Team()
    team.client(OWNER).post(reverse("sellers:member_role", args=[team.manager.pk]),
                            {f"m{team.manager.pk}-role": WAREHOUSE})
    team.manager_key.refresh_from_db()
    assert team.manager_key.revoked_at is not None


def test_withdrawing_an_invitation_kills_its_link():
    team = Team()
    url = reverse("sellers:invitation_accept", kwargs={"token": team.invitation.token})
    response = team.client(OWNER).post(reverse("sellers:invitation_withdraw", args=[team.invitation.pk]))
    assert response.status_code == 302
    assert not SellerInvitation.objects.filter(pk=team.invitation.pk).exists()
    invited = Client()
    invited.force_login(UserFactory(email="new@example.test"))
    assert invited.get(url).status_code == 404
    assert invited.post(url).status_code == 404
    assert not SellerMember.objects.filter(user__email="new@example.test").exists()


def test_an_accepted_invitation_cannot_be_withdrawn():
    team = Team()
    SellerInvitation.objects.filter(pk=team.invitation.pk).update(accepted_at=timezone.now())
    response = team.client(OWNER).post(reverse("sellers:invitation_withdraw", args=[team.invitation.pk]))
    assert response.status_code == 404
    assert SellerInvitation.objects.filter(pk=team.invitation.pk).exists()


def test_an_invitation_cannot_make_an_owner():
    team = Team()
    response = team.client(OWNER).post(reverse("sellers:team"), {"email": "boss@example.test", "role": OWNER})
    assert response.status_code == 400
    assert not SellerInvitation.objects.filter(email="boss@example.test").exists()


def test_team_page_shows_roles_and_the_owner_gets_the_forms():
    team = Team()
    owner_page = team.client(OWNER).get(reverse("sellers:team")).content.decode()
    assert reverse("sellers:member_role", args=[team.colleague.pk]) in owner_page
    assert reverse("sellers:member_remove", args=[team.colleague.pk]) in owner_page
    assert reverse("sellers:invitation_withdraw", args=[team.invitation.pk]) in owner_page
    assert reverse("sellers:member_remove", args=[team.owner.pk]) not in owner_page  # not oneself
    manager_page = team.client(MANAGER).get(reverse("sellers:team")).content.decode()
    assert "Warehouse" in manager_page and "Manager" in manager_page
    assert team.warehouse.user.email in manager_page
    assert reverse("sellers:member_remove", args=[team.colleague.pk]) not in manager_page
    assert reverse("sellers:invitation_withdraw", args=[team.invitation.pk]) not in manager_page


# --- The upgrade -------------------------------------------------------------------------------
def test_migration_keeps_the_owner_makes_other_members_managers_and_old_keys_keep_every_scope():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("sellers.migrations.0009_roles_and_key_scopes")
    owner = SellerMemberFactory(role=OWNER)
    member = SellerMemberFactory(seller=owner.seller)
    SellerMember.objects.filter(pk=member.pk).update(role="staff")  # the old "team member"
    migration.members_to_roles(apps, None)
    assert SellerMember.objects.get(pk=owner.pk).role == OWNER
    assert SellerMember.objects.get(pk=member.pk).role == MANAGER
    add_scopes = next(op for op in migration.Migration.operations
                      if getattr(op, "name", "") == "scopes" and op.__class__.__name__ == "AddField")
    assert add_scopes.field.default == ["read", "listings", "orders"]


# --- API key scopes, every operation -----------------------------------------------------------
# (method, OpenAPI path) -> the scope a key needs besides read (None: every key may).
API_SCOPES = {
    ("get", "/api/v1/listings"): None,
    ("post", "/api/v1/listings"): "listings",
    ("get", "/api/v1/listings/{listing_id}"): None,
    ("patch", "/api/v1/listings/{listing_id}"): "listings",
    ("delete", "/api/v1/listings/{listing_id}"): "listings",
    ("get", "/api/v1/listings/{listing_id}/price-to-win"): None,
    ("post", "/api/v1/listings/bulk"): "listings",
    ("get", "/api/v1/listings/{listing_id}/movements"): None,
    ("get", "/api/v1/movements"): None,
    ("get", "/api/v1/performance"): None,
    ("get", "/api/v1/reviews"): None,
    ("get", "/api/v1/products"): None,
    ("get", "/api/v1/orders/"): None,
    ("get", "/api/v1/orders/{seller_order_id}"): None,
    ("post", "/api/v1/orders/{seller_order_id}/accept"): "orders",
    ("post", "/api/v1/orders/{seller_order_id}/refuse"): "orders",
    ("post", "/api/v1/orders/{seller_order_id}/ship"): "orders",
    ("get", "/api/v1/webhooks"): None,
    ("post", "/api/v1/webhooks"): "orders",
    ("delete", "/api/v1/webhooks/{webhook_id}"): "orders",
    ("get", "/api/v1/webhooks/{webhook_id}"): None,
    ("patch", "/api/v1/webhooks/{webhook_id}"): "orders",
    ("post", "/api/v1/webhooks/{webhook_id}/rotate-secret"): "orders",
    ("post", "/api/v1/webhooks/{webhook_id}/test"): "orders",
    ("get", "/api/v1/webhooks/{webhook_id}/deliveries"): None,
    ("post", "/api/v1/webhook-deliveries/{delivery_id}/resend"): "orders",
    ("get", "/api/v1/events"): None,
    ("get", "/api/v1/returns"): None,
    ("get", "/api/v1/returns/{return_id}"): None,
    ("post", "/api/v1/returns/{return_id}/accept"): "orders",
    ("post", "/api/v1/returns/{return_id}/received"): "orders",
    ("post", "/api/v1/returns/{return_id}/refuse"): "orders",
    ("get", "/api/v1/trade-in/offers"): None,
    ("put", "/api/v1/trade-in/offers"): "listings",
    ("put", "/api/v1/trade-in/offers/by-model"): "listings",
    ("get", "/api/v1/trade-in/trade-ins"): None,
}
KEY_SCOPES = {"read": ["read"], "listings": ["read", "listings"], "orders": ["read", "orders"]}


def api_operations():
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return schema, {(method, path): operation for path, operations in schema["paths"].items()
                    for method, operation in operations.items()}


def test_every_api_operation_has_a_row_in_the_scope_table():
    _schema, operations = api_operations()
    assert set(operations) == set(API_SCOPES)


def test_every_api_write_documents_the_403_of_a_missing_scope():
    _schema, operations = api_operations()
    writes = {op: operation for op, operation in operations.items() if op[0] != "get"}
    assert writes and [op for op, operation in writes.items() if 403 not in operation["responses"]] == []


def api_request(team: Team, method: str, path: str, raw_key: str, schema: dict):
    from tests.security.test_object_access import _example

    url = (path.replace("{listing_id}", str(team.listing.pk))
           .replace("{seller_order_id}", str(team.seller_order.pk))
           .replace("{webhook_id}", str(team.webhook.pk)).replace("{delivery_id}", str(team.delivery.pk))
           .replace("{return_id}", str(team.return_request.pk)))
    operation = schema["paths"][path][method]
    body_schema = (operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                   .get("schema"))
    body = json.dumps(_example(body_schema, schema["components"]["schemas"]) if body_schema else {})
    return Client().generic(method.upper(), url, data=body, content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {raw_key}")


@pytest.mark.parametrize("scope", sorted(KEY_SCOPES))
def test_each_key_scope_reaches_what_the_table_allows_and_gets_403_elsewhere(scope):
    schema, _operations = api_operations()
    wrong = []
    for (method, path), needed in API_SCOPES.items():
        team = Team()
        _key, raw = api_key_create(seller=team.seller, name="k", scopes=KEY_SCOPES[scope])
        before = team.snapshot()
        response = api_request(team, method, path, raw, schema)
        allowed = needed is None or needed in KEY_SCOPES[scope]
        if allowed and response.status_code in (401, 403, 404):
            wrong.append(f"{scope} {method.upper()} {path} -> {response.status_code}, expected to reach it")
        if not allowed:
            if response.status_code != 403 or needed not in response.json()["detail"]:
                wrong.append(f"{scope} {method.upper()} {path} -> {response.status_code}, expected 403")
            if team.snapshot() != before:
                wrong.append(f"{scope} {method.upper()} {path} changed something")
    assert not wrong, wrong


def test_a_read_key_cannot_change_stock_through_bulk():
    team = Team()
    _key, raw = api_key_create(seller=team.seller, name="BI", scopes=["read"])
    response = Client().post("/api/v1/listings/bulk", {"items": [{"sku": team.listing.sku, "quantity": 0}]},
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403
    team.listing.refresh_from_db()
    assert team.listing.quantity == 5
