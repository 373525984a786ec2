"""Object-level access: every URL that names an object (id, slug, number, token) refuses anyone
but its owner — another shopper, another seller and an anonymous visitor get 404/403/405 or a
redirect to log in, never a 200 with someone else's data, and a POST changes nothing.

The test walks the URL resolver and the seller API's OpenAPI schema: a new URL that takes an
object must be added to OWNED (with a builder) or to PUBLIC (with the reason it is public), or
this test fails.

It also runs per seller role: another seller's owner, manager and warehouse member are each
refused, members of the owning seller are refused (403) what their role does not include
(tests/sellers/test_roles.py's ROLE_URLS), and API keys of every scope meet the same walk.
"""
import json
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from marketplace.api import api
from orders import services as order_services
from orders.models import Address, Order, Payment, ReturnRequest, SellerOrder
from sellers.api_auth import api_key_create
from sellers.models import (
    ApiKey,
    Event,
    SellerInvitation,
    SellerMember,
    StockImport,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from sellers.webhooks import webhook_endpoint_create
from tests.factories import ListingFactory, SellerMemberFactory, UserFactory
from tests.sellers.factories_stock import api_key_for
from tests.sellers.test_roles import API_SCOPES, KEY_SCOPES, ROLE_URLS

pytestmark = pytest.mark.django_db

# URL names that take a parameter but are not anyone's object, with the reason.
PUBLIC = {
    "catalog:category": "public catalog page",
    "catalog:model": "public catalog page",
    "catalog:model_offers": "public catalog page: every offer of a variant × grade",
    "orders:payment_webhook": "the parameter names a payment provider; events are signature-checked",
    "account_confirm_email": "allauth: the key is the secret sent by e-mail",
    "account_reset_password_from_key": "allauth: the key is the secret sent by e-mail",
    "sellers:invitation_accept": "the token is the secret sent by e-mail; accepting needs the invited "
                                 "address (tests/sellers/test_onboarding.py)",
    "reviews:seller_page": "a seller's public page (approved sellers only)",
    "pages:page": "a shop page (terms, privacy, help), public",
    "tradein:sell_model": "a model's public \"Sell your device\" page (the slug names a catalog model)",
}
PUBLIC_ROUTES = {"^media/(?P<path>.*)$": "media files, served only with DEBUG on"}


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name


def parameterised_urls():
    return [(route, name) for route, name in _walk(get_resolver().url_patterns)
            if "<" in route or "(?P" in route]


# --- The owners' objects -----------------------------------------------------------------------
class World:
    """A shopper and a seller who own one of everything; the attackers own their own things."""

    def __init__(self):
        self.seller_member = SellerMemberFactory()
        self.seller = self.seller_member.seller
        # The owner's colleagues, one of each other role: the object of the team's pages, and
        # members whose role refuses them part of the back office.
        self.manager = SellerMemberFactory(seller=self.seller, role=SellerMember.Role.MANAGER)
        self.warehouse = SellerMemberFactory(seller=self.seller, role=SellerMember.Role.WAREHOUSE)
        self.listing = ListingFactory(seller=self.seller, price=Decimal("300.00"), quantity=5)
        self.shopper = UserFactory()
        self.address = Address.objects.create(
            user=self.shopper, full_name="Owner Shopper", line1="1 rue Owner", postal_code="75001",
            city="Paris", country="FR")
        cart = order_services.cart_get_or_create(user=self.shopper)
        order_services.cart_add(cart=cart, listing_id=self.listing.pk, quantity=1)
        self.order = order_services.order_place(
            cart=cart, email=self.shopper.email, user=self.shopper,
            address=order_services.ShippingAddress(full_name="Owner Shopper", line1="1 rue Owner",
                                                   postal_code="75001", city="Paris", country="FR"))
        self.seller_order = SellerOrder.objects.get(order=self.order)
        self.order_line = self.seller_order.lines.first()
        self.payment = Payment.objects.create(order=self.order, provider="test",
                                              provider_reference="pay_owner_secret_ref",
                                              amount=self.order.total)
        cart2 = order_services.cart_get_or_create(user=self.shopper)
        self.cart_line = order_services.cart_add(cart=cart2, listing_id=self.listing.pk, quantity=1)
        self.stock_import = StockImport.objects.create(
            seller=self.seller, uploaded_by=self.seller_member.user, file="stock-imports/x.csv",
            original_name="owner-stock.csv", sha256="0" * 64)
        self.api_key = self._key()
        self.webhook, _secret = webhook_endpoint_create(seller=self.seller, url="https://erp.example.test/h",
                                                        event_types=["seller_order.paid"])
        event = Event.objects.create(seller=self.seller, type="seller_order.paid", payload={})
        self.return_request()
        self.delivery = WebhookDelivery.objects.create(event=event, endpoint=self.webhook, status="delivered",
                                                       next_attempt_at=event.created_at)
        self.invitation = SellerInvitation.objects.create(seller=self.seller, email="new@example.test",
                                                          token="owner-invitation-token")
        # The attackers: another shopper and another seller, each with their own things.
        self.other_shopper = UserFactory()
        self.other_seller_member = SellerMemberFactory()
        self.other_members = {
            role: SellerMemberFactory(seller=self.other_seller_member.seller, role=role)
            for role in (SellerMember.Role.MANAGER, SellerMember.Role.WAREHOUSE)}
        self.other_members[SellerMember.Role.OWNER] = self.other_seller_member
        self.other_key = api_key_for(self.other_seller_member.seller)

    def _key(self):
        api_key_for(self.seller)
        return ApiKey.objects.filter(seller=self.seller).latest("created_at")

    def review(self):
        from reviews.models import Review

        return Review.objects.create(seller_order=self.seller_order, seller=self.seller, author=self.shopper,
                                     stars=4, created_at=self.order.created_at)

    def return_request(self):
        """The owner's return, made once (the pages and the API walk name it)."""
        return ReturnRequest.objects.get_or_create(
            order_line=self.order_line, defaults={
                "seller_order": self.seller_order, "reason": "defective", "comment": "Owner's return",
                "amount": Decimal("10.00"), "requested_by": self.shopper})[0]


def _owner_export(w: World):
    """The owner's built stock export, with its private file, made once."""
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from sellers.models import ListingExport

    export = ListingExport.objects.filter(seller=w.seller).first()
    if export is None:
        export = ListingExport.objects.create(
            seller=w.seller, filters_key="owner", status=ListingExport.Status.DONE, total_rows=1,
            done_rows=1, finished_at=timezone.now(), expires_at=timezone.now() + timedelta(hours=1))
        export.file.save("owner.csv", ContentFile(b"sku\r\nOWNER-1\r\n"), save=True)
    return export


def _owner_proposal(w: World):
    """The owner's product proposal, made once."""
    from catalog.models import ProductProposal

    return ProductProposal.objects.get_or_create(seller=w.seller, reference="MPN-OWNER-1", defaults={
        "model": w.listing.product.model, "storage_gb": 128})[0]


def _owner_proposal_photo(w: World):
    """A photo of the owner's proposal (a private file), made once."""
    from django.core.files.base import ContentFile

    from catalog.models import ProductProposalPhoto

    proposal = _owner_proposal(w)
    return proposal.photos.first() or ProductProposalPhoto.objects.create(
        proposal=proposal, image=ContentFile(b"owner's photo", name="owner.webp"))


OWNER_ANSWERS = dict(powers_on=True, screen_cracked=False, body_marks="none", battery_health=None,
                     accessories=False, lock_removed=True)


def _owner_trade_in(w: World):
    """The owner shopper's trade-in to the owner seller (its offer the seller's own), made once."""
    from tradein.models import TradeIn
    from tradein.offers import offer_save
    from tradein.quotes import Answers
    from tradein.services import trade_in_accept, trade_in_quote_give

    existing = TradeIn.objects.filter(shopper=w.shopper).first()
    if existing:
        return existing
    offer_save(seller=w.seller, product=w.listing.product, condition="flawless", price="200", cap=3)
    quote = trade_in_quote_give(product=w.listing.product, answers=Answers(**OWNER_ANSWERS),
                                shopper=w.shopper)
    return trade_in_accept(quote=quote, shopper=w.shopper, iban="DE89370400440532013000")


def _owner_quote(w: World):
    """A quote held for the owner shopper, not accepted yet, made once."""
    from tradein.models import TradeInQuote
    from tradein.quotes import Answers
    from tradein.services import trade_in_quote_give

    _owner_trade_in(w)
    return (TradeInQuote.objects.filter(shopper=w.shopper, trade_in__isnull=True).first()
            or trade_in_quote_give(product=w.listing.product, answers=Answers(**OWNER_ANSWERS),
                                   shopper=w.shopper))


def _owner_trade_in_photo(w: World):
    """A photo of the owner's trade-in (a private file), made once."""
    from django.core.files.base import ContentFile

    from tradein.models import TradeInPhoto

    trade_in = _owner_trade_in(w)
    return trade_in.photos.first() or TradeInPhoto.objects.create(
        trade_in=trade_in, image=ContentFile(b"owner's photo", name="owner.png"))


def _owner_claim(w: World):
    """The owner's warranty claim on its order line, made once."""
    from aftersales.models import WarrantyClaim

    return WarrantyClaim.objects.get_or_create(order_line=w.order_line, defaults={
        "seller_order": w.seller_order, "reason": "battery", "description": "Owner's claim",
        "user": w.shopper})[0]


def _owner_claim_photo(w: World):
    from aftersales.models import WarrantyClaimPhoto

    return WarrantyClaimPhoto.objects.get_or_create(claim=_owner_claim(w),
                                                    defaults={"image": "warranty-claims/owner.webp"})[0]


# URL name -> kwargs naming the owner's object.
OWNED = {
    "sellers:listing_update": lambda w: {"pk": w.listing.pk},
    "sellers:listing_inline": lambda w: {"pk": w.listing.pk},
    "sellers:listing_toggle": lambda w: {"pk": w.listing.pk},
    "sellers:listing_archive": lambda w: {"pk": w.listing.pk},
    "sellers:listing_match_price": lambda w: {"pk": w.listing.pk},
    "sellers:listing_rule": lambda w: {"pk": w.listing.pk},
    "sellers:listing_stock_history": lambda w: {"pk": w.listing.pk},
    "sellers:stock_import": lambda w: {"pk": w.stock_import.pk},
    "sellers:stock_import_progress": lambda w: {"pk": w.stock_import.pk},
    "sellers:stock_import_errors": lambda w: {"pk": w.stock_import.pk},
    "sellers:stock_import_file": lambda w: {"pk": w.stock_import.pk},
    "sellers:listing_export": lambda w: {"pk": _owner_export(w).pk},
    "sellers:listing_export_progress": lambda w: {"pk": _owner_export(w).pk},
    "sellers:listing_export_download": lambda w: {"pk": _owner_export(w).pk},
    "sellers:api_key_revoke": lambda w: {"pk": w.api_key.pk},
    "sellers:member_role": lambda w: {"pk": w.manager.pk},
    "sellers:member_remove": lambda w: {"pk": w.manager.pk},
    "sellers:invitation_withdraw": lambda w: {"pk": w.invitation.pk},
    "sellers:order_detail": lambda w: {"pk": w.seller_order.pk},
    "sellers:order_accept": lambda w: {"pk": w.seller_order.pk},
    "sellers:order_refuse": lambda w: {"pk": w.seller_order.pk},
    "sellers:order_ship": lambda w: {"pk": w.seller_order.pk},
    "sellers:return_decide": lambda w: {"pk": w.return_request().pk, "decision": "accept"},
    "sellers:webhook_detail": lambda w: {"pk": w.webhook.pk},
    "sellers:webhook_action": lambda w: {"pk": w.webhook.pk, "action": "delete"},
    "sellers:webhook_resend": lambda w: {"pk": w.delivery.pk},
    "sellers:proposal_detail": lambda w: {"pk": _owner_proposal(w).pk},
    "sellers:proposal_photo": lambda w: {"pk": _owner_proposal(w).pk,
                                         "photo_pk": _owner_proposal_photo(w).pk},
    "orders:cart_line_update": lambda w: {"pk": w.cart_line.pk},
    "orders:cart_line_remove": lambda w: {"pk": w.cart_line.pk},
    "orders:cart_line_replace": lambda w: {"pk": w.cart_line.pk},
    "orders:order_detail": lambda w: {"number": w.order.number},
    "orders:order_pay": lambda w: {"number": w.order.number},
    "orders:order_invoice": lambda w: {"number": w.order.number},
    "orders:order_cancel": lambda w: {"number": w.order.number},
    "orders:return_request": lambda w: {"number": w.order.number, "line_id": w.order_line.pk},
    "orders:test_provider_pay": lambda w: {"reference": w.payment.provider_reference},
    "orders:address_update": lambda w: {"pk": w.address.pk},
    "orders:address_delete": lambda w: {"pk": w.address.pk},
    "reviews:review_write": lambda w: {"seller_order_id": w.seller_order.pk},
    "aftersales:claim_create": lambda w: {"number": w.order.number, "line_id": w.order_line.pk},
    "aftersales:seller_claim_detail": lambda w: {"pk": _owner_claim(w).pk},
    "aftersales:seller_claim_answer": lambda w: {"pk": _owner_claim(w).pk},
    "aftersales:seller_claim_photo": lambda w: {"pk": _owner_claim(w).pk,
                                                "photo_pk": _owner_claim_photo(w).pk},
    "reviews:seller_review_reply": lambda w: {"pk": w.review().pk},
    "tradein:quote": lambda w: {"token": _owner_quote(w).token},
    "tradein:quote_accept": lambda w: {"token": _owner_quote(w).token},
    "tradein:quote_renew": lambda w: {"token": _owner_quote(w).token},
    "tradein:status": lambda w: {"number": _owner_trade_in(w).number},
    "tradein:slip": lambda w: {"number": _owner_trade_in(w).number},
    "tradein:photo": lambda w: {"number": _owner_trade_in(w).number, "pk": _owner_trade_in_photo(w).pk},
    "tradein:shipped": lambda w: {"number": _owner_trade_in(w).number},
    "tradein:cancel": lambda w: {"number": _owner_trade_in(w).number},
    "tradein:counter_answer": lambda w: {"number": _owner_trade_in(w).number},
    "tradein:seller_offer_switch": lambda w: {"pk": _owner_trade_in(w).offer_id},
    "tradein:seller_detail": lambda w: {"number": _owner_trade_in(w).number},
    "tradein:seller_photo": lambda w: {"number": _owner_trade_in(w).number,
                                       "pk": _owner_trade_in_photo(w).pk},
    "tradein:seller_step": lambda w: {"number": _owner_trade_in(w).number, "step": "receive"},
}
# Seller API operations (OpenAPI path templates) -> the owner's object id.
API_OWNED = {
    "/api/v1/listings/{listing_id}": lambda w: w.listing.pk,
    "/api/v1/listings/{listing_id}/price-to-win": lambda w: w.listing.pk,
    "/api/v1/listings/{listing_id}/movements": lambda w: w.listing.pk,
    "/api/v1/orders/{seller_order_id}": lambda w: w.seller_order.pk,
    "/api/v1/orders/{seller_order_id}/accept": lambda w: w.seller_order.pk,
    "/api/v1/orders/{seller_order_id}/refuse": lambda w: w.seller_order.pk,
    "/api/v1/orders/{seller_order_id}/ship": lambda w: w.seller_order.pk,
    "/api/v1/webhooks/{webhook_id}": lambda w: w.webhook.pk,
    "/api/v1/webhooks/{webhook_id}/rotate-secret": lambda w: w.webhook.pk,
    "/api/v1/webhooks/{webhook_id}/test": lambda w: w.webhook.pk,
    "/api/v1/webhooks/{webhook_id}/deliveries": lambda w: w.webhook.pk,
    "/api/v1/webhook-deliveries/{delivery_id}/resend": lambda w: w.delivery.pk,
    "/api/v1/returns/{return_id}": lambda w: w.return_request().pk,
    "/api/v1/returns/{return_id}/accept": lambda w: w.return_request().pk,
    "/api/v1/returns/{return_id}/received": lambda w: w.return_request().pk,
    "/api/v1/returns/{return_id}/refuse": lambda w: w.return_request().pk,
}


def _snapshot(w: World) -> tuple:
    """What an attacker's request must not change."""
    w.listing.refresh_from_db()
    w.order.refresh_from_db()
    w.seller_order.refresh_from_db()
    return (w.listing.price, w.listing.quantity, w.listing.allocated, w.listing.is_active,
            w.listing.archived_at, w.order.status, w.seller_order.state,
            Address.objects.filter(pk=w.address.pk).exists(),
            ApiKey.objects.get(pk=w.api_key.pk).revoked_at,
            w.cart_line.__class__.objects.filter(pk=w.cart_line.pk).values_list("quantity", flat=True)
            .first(), Payment.objects.get(pk=w.payment.pk).status,
            sorted(SellerMember.objects.filter(seller=w.seller).values_list("pk", "role")),
            SellerInvitation.objects.filter(pk=w.invitation.pk).exists(),
            WebhookEndpoint.objects.filter(pk=w.webhook.pk).values_list("is_active", "secret", "event_types")
            .first(), WebhookAttempt.objects.count(),
            sorted(ReturnRequest.objects.filter(seller_order=w.seller_order).values_list("pk", "state")),
            sorted(ApiKey.objects.filter(seller=w.seller).values_list("pk", "revoked_at")),
            _trade_in_snapshot(w))


def _trade_in_snapshot(w: World) -> list:
    from tradein.models import TradeIn, TradeInQuote

    _owner_quote(w)  # made before the walk (with the trade-in), so that the first snapshot holds it
    return (sorted(TradeIn.objects.filter(seller=w.seller).values_list("pk", "state", "offer__is_active")),
            sorted(TradeInQuote.objects.values_list("pk", "shopper_id", "valid_until")))


def _visitors(w: World):
    anonymous = Client()
    shopper = Client()
    shopper.force_login(w.other_shopper)
    visitors = {"anonymous": anonymous, "another shopper": shopper}
    for role, member in w.other_members.items():
        seller = Client()
        seller.force_login(member.user)
        visitors[f"another seller's {role}"] = seller
    return visitors


def _refused(response, who: str) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        # A redirect is a refusal when it leads to a login, or away to a page of one's own.
        return (location.startswith((reverse("account_login"), "/admin/login/"))
                or who != "anonymous")
    return False


def test_every_url_naming_an_object_is_covered_by_this_test():
    uncovered = []
    for route, name in parameterised_urls():
        if name in OWNED or name in PUBLIC or route in PUBLIC_ROUTES:
            continue
        if route.startswith("admin/"):
            continue  # staff only: test_admin_object_urls_send_everyone_else_to_the_admin_login
        if name and name.startswith("api-v1:"):
            continue  # the seller API: covered from its OpenAPI schema below
        uncovered.append(f"{name} ({route})")
    assert not uncovered, f"add these URLs to OWNED or PUBLIC: {uncovered}"


def test_every_seller_api_operation_naming_an_object_is_covered_by_this_test():
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    uncovered = [path for path in schema["paths"] if "{" in path and path not in API_OWNED]
    assert not uncovered, f"add these API paths to API_OWNED: {uncovered}"


def test_nobody_but_the_owner_can_open_or_change_an_object(django_capture_on_commit_callbacks):
    w = World()
    present = {name for _route, name in parameterised_urls()}
    before = _snapshot(w)
    leaks = []
    for name, build in OWNED.items():
        if name not in present:
            continue  # a URL of work not merged yet
        url = reverse(name, kwargs=build(w))
        for who, client in _visitors(w).items():
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                if not _refused(response, who):
                    leaks.append(f"{who} {method.upper()} {url} -> {response.status_code}")
    assert not leaks, leaks
    assert _snapshot(w) == before


def test_the_owner_does_reach_their_objects():
    """The refusals above are about ownership, not broken URLs: the owners get their pages."""
    w = World()
    owner = Client()
    owner.force_login(w.shopper)
    for name in ("orders:order_detail", "orders:address_update"):
        assert owner.get(reverse(name, kwargs=OWNED[name](w))).status_code == 200
    seller = Client()
    seller.force_login(w.seller_member.user)
    for name in ("sellers:listing_update", "sellers:stock_import"):
        assert seller.get(reverse(name, kwargs=OWNED[name](w))).status_code == 200


def test_members_of_the_owning_seller_get_403_for_what_their_role_does_not_include():
    """Per role: the owner's own manager and warehouse member, on the owner's own objects, are
    refused (403) every URL their role does not include, and their requests change nothing."""
    w = World()
    present = {name for _route, name in parameterised_urls()}
    urls = {name: reverse(name, kwargs=build(w)) for name, build in OWNED.items()
            if name.startswith("sellers:") and name in present}
    before = _snapshot(w)
    leaks, checked = [], 0
    for role, member in ((SellerMember.Role.MANAGER, w.manager), (SellerMember.Role.WAREHOUSE, w.warehouse)):
        client = Client()
        client.force_login(member.user)
        for name, url in urls.items():
            _build, get_roles, post_roles = ROLE_URLS[name]
            for method, roles in (("get", get_roles), ("post", post_roles)):
                if roles is None or role in roles:
                    continue
                checked += 1
                response = getattr(client, method)(url)
                if response.status_code != 403:
                    leaks.append(f"{role} {method.upper()} {url} -> {response.status_code}, expected 403")
    assert not leaks, leaks
    assert checked >= 20  # the walk did refuse something for each role
    assert _snapshot(w) == before


def _example(schema: dict, components: dict):
    """A minimal body that passes validation, so a refusal cannot hide behind a 422."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return _example(schema[key][0], components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: _example(schema["properties"][name], components)
                for name in schema.get("required", [])}
    if kind == "array":
        return [_example(schema.get("items", {}), components)] * max(1, schema.get("minItems", 1))
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return True
    return "x" * max(1, schema.get("minLength", 1)) if schema.get("format") != "date-time" \
        else "2026-01-01T00:00:00Z"


def test_seller_api_objects_are_404_for_another_sellers_key_and_401_without_a_key():
    w = World()
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    before = _snapshot(w)
    leaks = []
    for path, operations in schema["paths"].items():
        if path not in API_OWNED:
            continue
        object_id = API_OWNED[path](w)
        url = path.split("{")[0] + str(object_id) + path.split("}", 1)[1]
        for method, operation in operations.items():
            body_schema = (operation.get("requestBody", {}).get("content", {})
                           .get("application/json", {}).get("schema"))
            body = json.dumps(_example(body_schema, schema["components"]["schemas"])
                              if body_schema else {})
            for headers, expected in (({"HTTP_AUTHORIZATION": f"Bearer {w.other_key}"}, 404), ({}, 401)):
                response = Client().generic(method.upper(), url, data=body,
                                            content_type="application/json", **headers)
                if response.status_code != expected:
                    leaks.append(f"{method.upper()} {url} -> {response.status_code}, expected {expected}")
    assert not leaks, leaks
    assert _snapshot(w) == before


@pytest.mark.parametrize("scope", sorted(KEY_SCOPES))
def test_seller_api_objects_per_key_scope_another_sellers_stay_404_and_a_missing_scope_is_403(scope):
    """Another seller's key of each scope still finds nothing (404), or is refused the write its
    scope lacks (403) before anything is looked up; the owner's own key lacking the scope gets 403.
    Nothing changes either way."""
    w = World()
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    _key, other_key = api_key_create(seller=w.other_seller_member.seller, name="other",
                                     scopes=KEY_SCOPES[scope])
    _key, own_key = api_key_create(seller=w.seller, name="own", scopes=KEY_SCOPES[scope])
    before = _snapshot(w)
    leaks = []
    for path, operations in schema["paths"].items():
        if path not in API_OWNED:
            continue
        url = path.split("{")[0] + str(API_OWNED[path](w)) + path.split("}", 1)[1]
        for method, operation in operations.items():
            needed = API_SCOPES[(method, path)]
            allowed = needed is None or needed in KEY_SCOPES[scope]
            body_schema = (operation.get("requestBody", {}).get("content", {})
                           .get("application/json", {}).get("schema"))
            body = json.dumps(_example(body_schema, schema["components"]["schemas"])
                              if body_schema else {})
            cases = [(other_key, 404 if allowed else 403)] + ([] if allowed else [(own_key, 403)])
            for key, expected in cases:
                response = Client().generic(method.upper(), url, data=body, content_type="application/json",
                                            HTTP_AUTHORIZATION=f"Bearer {key}")
                if response.status_code != expected:
                    who = "own" if key == own_key else "other"
                    leaks.append(f"{scope} {who} {method.upper()} {url} -> {response.status_code}, "
                                 f"expected {expected}")
    assert not leaks, leaks
    assert _snapshot(w) == before


def test_admin_object_urls_send_everyone_else_to_the_admin_login():
    w = World()
    visitors = _visitors(w)
    for model, _model_admin in admin_site._registry.items():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[1])
        for who, client in visitors.items():
            response = client.get(url)
            assert response.status_code == 302, (who, url)
            assert response["Location"].startswith("/admin/login/"), (who, url)


def test_the_order_number_alone_does_not_open_a_guest_order():
    w = World()
    Order.objects.filter(pk=w.order.pk).update(user=None)
    response = Client().get(reverse("orders:order_detail", kwargs={"number": w.order.number}))
    assert response.status_code == 404
