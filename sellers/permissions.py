"""What each role of a seller's team may do, and what each API key scope allows: the one table.

Roles match how refurbishers work: the owner runs the company (everything, including the team,
settings, payouts and every API key); a manager runs the catalogue and the orders (listings,
stock, orders, returns, and API keys of their own); the warehouse packs and ships (orders and
shipping; listings read only). "Warehouse", not "staff": staff are the marketplace's own people.
"""
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    WAREHOUSE = "warehouse", _("Warehouse")


class Perm:
    """The things a member may do in the back office."""

    LISTINGS_READ = "listings.read"
    LISTINGS_WRITE = "listings.write"  # listings and stock: create, edit, archive, CSV imports
    ORDERS_READ = "orders.read"
    ORDERS_WRITE = "orders.write"  # accept, refuse, ship
    RETURNS_WRITE = "returns.write"  # accept, mark received, dispute
    PAYOUTS_READ = "payouts.read"
    API_KEYS_OWN = "api_keys.own"  # create keys, see and revoke the keys one made
    API_KEYS_ALL = "api_keys.all"  # see and revoke every key of the seller
    TEAM_MANAGE = "team.manage"  # invite, change roles, remove members, withdraw invitations
    SETTINGS_WRITE = "settings.write"


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset({
        Perm.LISTINGS_READ, Perm.LISTINGS_WRITE, Perm.ORDERS_READ, Perm.ORDERS_WRITE,
        Perm.RETURNS_WRITE, Perm.PAYOUTS_READ, Perm.API_KEYS_OWN, Perm.API_KEYS_ALL,
        Perm.TEAM_MANAGE, Perm.SETTINGS_WRITE,
    }),
    Role.MANAGER: frozenset({
        Perm.LISTINGS_READ, Perm.LISTINGS_WRITE, Perm.ORDERS_READ, Perm.ORDERS_WRITE,
        Perm.RETURNS_WRITE, Perm.API_KEYS_OWN,
    }),
    Role.WAREHOUSE: frozenset({Perm.LISTINGS_READ, Perm.ORDERS_READ, Perm.ORDERS_WRITE}),
}
assert set(ROLE_PERMISSIONS) == set(Role.values)

# Roles an invitation may grant; an owner is made by promoting a member who already works there.
INVITABLE_ROLES = (Role.MANAGER, Role.WAREHOUSE)


class Scope(models.TextChoices):
    """What an API key may do. Every key reads; `listings` and `orders` add their writes."""

    READ = "read", _("Read listings and orders")
    LISTINGS = "listings", _("Change listings and stock")
    ORDERS = "orders", _("Accept, refuse and ship orders")


ALL_SCOPES = tuple(Scope.values)


class RoleForbidden(PermissionDenied):
    """The member's role does not include what they asked for (a 403, never another's object)."""

    def __init__(self, permission: str):
        super().__init__(permission)
        self.permission = permission


def role_permissions(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())


def role_can(role: str) -> dict[str, bool]:
    """For templates: {"listings_write": True, ...}, one entry per permission of Perm."""
    granted = role_permissions(role)
    return {name.lower(): value in granted for name, value in vars(Perm).items() if name.isupper()}


def role_has(role: str, permission: str) -> bool:
    return permission in role_permissions(role)


def member_require(member, permission: str, *, seller_id: int | None = None) -> None:
    """Raises RoleForbidden unless the member's role includes the permission (for the seller
    `seller_id`, when given: a member acts only on their own seller's things)."""
    if member is None or not role_has(member.role, permission):
        raise RoleForbidden(permission)
    if seller_id is not None and member.seller_id != seller_id:
        raise RoleForbidden(permission)


def member_user_require(*, user_id: int | None, seller_id: int, permission: str) -> None:
    """For services that know only who acts: a member of this seller must have a role that
    includes `permission`. Anyone else (staff, a shopper, an API key, a task) is checked at their
    own door; this keeps a member's role from being skipped by a page that forgot to ask."""
    if user_id is None:
        return
    from .models import SellerMember

    role = (SellerMember.objects.filter(user_id=user_id, seller_id=seller_id)
            .values_list("role", flat=True).first())
    if role is not None and not role_has(role, permission):
        raise RoleForbidden(permission)


def scopes_clean(scopes) -> list[str]:
    """The key's scopes in their canonical order; read is always included."""
    chosen = set(scopes or ())
    unknown = chosen - set(ALL_SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {sorted(unknown)}")
    return [scope for scope in ALL_SCOPES if scope in chosen or scope == Scope.READ]


def scope_allows(scopes, *, method: str, write_scope: str) -> bool:
    """A read (GET, HEAD) needs no more than a key; any other method needs the write scope."""
    if method in ("GET", "HEAD", "OPTIONS"):
        return True
    return write_scope in (scopes or ())
