"""Seller API keys: creating and revoking them, Bearer authentication, and per-key rate limits.

A key looks like `rfb_1a2b3c4d_<secret>`. Only its SHA-256 is stored, with the short public
prefix so the seller can tell keys apart; the full key is shown once, when it is created.
"""
import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from .models import ApiKey, Seller, SellerMember
from .permissions import ALL_SCOPES, Perm, RoleForbidden, member_require, role_has, scope_allows, scopes_clean

KEY_PREFIX = "rfb_"
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_ACTIVE_KEYS = 20


@dataclass(frozen=True)
class RateLimitState:
    """What the RateLimit-* headers tell: calls allowed per window, left, and seconds to the reset."""

    limit: int
    remaining: int
    reset: int


class RateLimited(Exception):
    def __init__(self, retry_after: int, state: RateLimitState | None = None):
        super().__init__(retry_after)
        self.retry_after = retry_after
        self.limit_state = state


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, seller: Seller, name: str, scopes=ALL_SCOPES, created_by=None) -> tuple[ApiKey, str]:
    """A new key for the seller with the given scopes; returns the record and the full key (never
    stored, shown once). A key made by a member (`created_by`) needs a role that may hold keys; it
    is revoked when they leave the team."""
    if created_by is not None:
        member_require(SellerMember.objects.filter(user=created_by, seller=seller).first(),
                       Perm.API_KEYS_OWN)
    try:
        scopes = scopes_clean(scopes)
    except ValueError as exc:
        raise ValidationError({"scopes": _("Choose among read, listings and orders.")}) from exc
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the key after the system that will use it.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name must be at most 100 characters.")})
    if seller.api_keys.filter(revoked_at__isnull=True).count() >= MAX_ACTIVE_KEYS:
        raise ValidationError({"name": _("You have %(max)s active keys; revoke one first.")
                               % {"max": MAX_ACTIVE_KEYS}})
    for _attempt in range(5):
        prefix = KEY_PREFIX + secrets.token_hex(4)
        raw_key = f"{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(seller=seller, name=name, prefix=prefix, scopes=scopes,
                                            hashed_key=hash_key(raw_key), created_by=created_by)
            return key, raw_key
        except IntegrityError:  # a prefix collision: draw again
            continue
    raise RuntimeError("could not draw a unique API key prefix")


def api_key_revoke(*, api_key: ApiKey, actor: SellerMember | None = None) -> ApiKey:
    """Revokes the key at once; calls with it are refused from the next request.

    A member (`actor`) revokes the keys they made; an owner revokes any key of the seller.
    """
    if actor is not None:
        member_require(actor, Perm.API_KEYS_OWN, seller_id=api_key.seller_id)
        if api_key.created_by_id != actor.user_id and not role_has(actor.role, Perm.API_KEYS_ALL):
            raise RoleForbidden(Perm.API_KEYS_ALL)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The live key matching `raw_key`, with its seller, or None."""
    if not raw_key or not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 200:
        return None
    api_key = (ApiKey.objects.select_related("seller")
               .filter(hashed_key=hash_key(raw_key), revoked_at__isnull=True).first())
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or api_key.last_used_at < now - LAST_USED_PRECISION:
        # At most one write a minute per key, however busy it is.
        ApiKey.objects.filter(pk=api_key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def rate_limit_check(api_key: ApiKey) -> RateLimitState:
    """A fixed window per key in the shared cache (Redis); raises RateLimited when exceeded."""
    limit = getattr(settings, "SELLER_API_RATE_LIMIT", 600)
    window = getattr(settings, "SELLER_API_RATE_WINDOW", 60)
    now = time.time()
    bucket = int(now // window)
    cache_key = f"seller-api-rate:{api_key.pk}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 5)
        count = 1
    reset = max(1, int((bucket + 1) * window - now) + 1)
    state = RateLimitState(limit=limit, remaining=max(0, limit - count), reset=reset)
    if count > limit:
        raise RateLimited(retry_after=reset, state=state)
    return state


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer <key>`; sets request.seller and request.api_key.

    Every key reads (GET); any other method needs `write_scope` among the key's scopes, or is a
    403. Without a `write_scope` nothing but reads is allowed: a router declares what it writes.
    """

    openapi_description = ("An API key created in the seller back office (Stock sync › API keys). "
                           "Every key reads; writes need the key's `listings` or `orders` scope.")

    def __init__(self, *, write_scope: str | None = None):
        super().__init__()
        self.write_scope = write_scope

    def authenticate(self, request, token):
        api_key = api_key_authenticate(token)
        if api_key is None or api_key.seller.status != Seller.Status.APPROVED:
            return None
        try:
            request.rate_limit = rate_limit_check(api_key)
        except RateLimited as exc:
            request.rate_limit = exc.limit_state
            raise
        if not scope_allows(api_key.scopes, method=request.method, write_scope=self.write_scope):
            raise HttpError(403, _("This key's scopes (%(scopes)s) do not include %(scope)s; create a key "
                                   "with that scope.") % {"scopes": ", ".join(api_key.scopes),
                                                          "scope": self.write_scope or _("writes")})
        request.seller = api_key.seller
        request.api_key = api_key
        return api_key
