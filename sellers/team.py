"""Writes about a seller's team: invitations (each granting a role), role changes, removals.

Each takes the acting member and checks their role here, so a page, a test or a future API
cannot skip the rule. A seller always keeps at least one owner.
"""
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import ApiKey, Seller, SellerInvitation, SellerMember
from .permissions import INVITABLE_ROLES, Perm, Role, member_require, role_has

INVITATION_VALID_DAYS = 14


@transaction.atomic
def seller_invite(*, seller: Seller, actor: SellerMember, email: str,
                  role: str = Role.MANAGER) -> SellerInvitation:
    """An owner invites a colleague by e-mail to a role; the e-mailed link joins them to the team."""
    member_require(actor, Perm.TEAM_MANAGE, seller_id=seller.pk)
    if role not in INVITABLE_ROLES:
        raise ValidationError({"role": _("Invite as a manager or as warehouse; promote to owner once "
                                         "they have joined.")})
    email = email.strip().lower()
    if SellerMember.objects.filter(seller=seller, user__email__iexact=email).exists():
        raise ValidationError({"email": _("%(email)s is already in your team.") % {"email": email}})
    invitation = SellerInvitation.objects.create(
        seller=seller, email=email, role=role, token=secrets.token_urlsafe(32), invited_by=actor.user,
    )
    from .tasks import send_seller_invitation_email

    transaction.on_commit(lambda: send_seller_invitation_email.delay(invitation.pk))
    return invitation


def invitation_is_open(invitation: SellerInvitation) -> bool:
    return (invitation.accepted_at is None
            and invitation.created_at >= timezone.now() - timedelta(days=INVITATION_VALID_DAYS))


@transaction.atomic
def invitation_accept(*, token: str, user) -> SellerMember:
    """The invited colleague, logged in with the invited address, joins in the invitation's role."""
    invitation = (SellerInvitation.objects.select_for_update().select_related("seller")
                  .filter(token=token).first())
    if invitation is None or not invitation_is_open(invitation):
        raise ValidationError(_("This invitation is no longer valid. Ask your colleague for a new one."))
    if invitation.email.lower() != (user.email or "").lower():
        raise ValidationError(_("This invitation was sent to %(email)s. Log in with that address to "
                                "accept it.") % {"email": invitation.email})
    if SellerMember.objects.filter(user=user).exists():
        raise ValidationError(_("Your account already belongs to a seller."))
    member = SellerMember.objects.create(seller=invitation.seller, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return member


@transaction.atomic
def invitation_withdraw(*, invitation: SellerInvitation, actor: SellerMember) -> None:
    """An owner withdraws an invitation not yet accepted: its link stops working at once."""
    member_require(actor, Perm.TEAM_MANAGE, seller_id=invitation.seller_id)
    locked = SellerInvitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if locked is None:
        return
    if locked.accepted_at is not None:
        raise ValidationError(_("%(email)s has already joined; remove them from the team instead.")
                              % {"email": locked.email})
    locked.delete()


def _other_owners(member: SellerMember):
    return SellerMember.objects.filter(seller_id=member.seller_id, role=Role.OWNER).exclude(pk=member.pk)


def _keys_made_by(member: SellerMember):
    return ApiKey.objects.filter(seller_id=member.seller_id, created_by_id=member.user_id,
                                 revoked_at__isnull=True)


@transaction.atomic
def seller_member_role_set(*, member: SellerMember, role: str, actor: SellerMember) -> SellerMember:
    """An owner changes a member's role. Keys a member may no longer hold are revoked."""
    member_require(actor, Perm.TEAM_MANAGE, seller_id=member.seller_id)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose owner, manager or warehouse.")})
    # Lock the team's owners so two owners demoting each other at once cannot leave none.
    list(SellerMember.objects.select_for_update().filter(seller_id=member.seller_id, role=Role.OWNER))
    member.refresh_from_db(fields=["role"])
    if member.role == Role.OWNER and role != Role.OWNER and not _other_owners(member).exists():
        raise ValidationError({"role": _("%(seller)s needs at least one owner: make someone else owner "
                                         "first.") % {"seller": member.seller}})
    if member.role != role:
        member.role = role
        member.save(update_fields=["role"])
        if not role_has(role, Perm.API_KEYS_OWN):
            _keys_made_by(member).update(revoked_at=timezone.now())
    return member


@transaction.atomic
def seller_member_remove(*, member: SellerMember, actor: SellerMember) -> int:
    """An owner removes a member: their sessions end and the API keys they made are revoked.

    Returns the number of keys revoked. The user's account stays: only the membership goes.
    """
    member_require(actor, Perm.TEAM_MANAGE, seller_id=member.seller_id)
    if member.pk == actor.pk:
        raise ValidationError(_("You cannot remove yourself; another owner can."))
    list(SellerMember.objects.select_for_update().filter(seller_id=member.seller_id, role=Role.OWNER))
    if member.role == Role.OWNER and not _other_owners(member).exists():
        raise ValidationError(_("%(seller)s needs at least one owner.") % {"seller": member.seller})
    revoked = _keys_made_by(member).update(revoked_at=timezone.now())
    user = member.user
    member.delete()
    user_sessions_end(user=user)
    return revoked


def user_sessions_end(*, user) -> int:
    """Ends every session of the user (logged out everywhere); returns how many ended.

    The sessions live in the database (SESSION_ENGINE db or cached_db): the rows are read and the
    user's are deleted through the session store, which also clears a cached copy. A store that
    cannot be listed (cache only) ends nothing here; the back office still checks the membership
    on every request, so a removed member reaches nothing of the seller's either way.
    """
    store_class = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    get_model = getattr(store_class, "get_model_class", None)
    if get_model is None:
        return 0
    user_id = str(user.pk)
    ended = 0
    sessions = get_model().objects.filter(expire_date__gt=timezone.now())
    for session in sessions.only("session_key", "session_data").iterator(chunk_size=2000):
        if str(session.get_decoded().get(SESSION_KEY)) == user_id:
            store_class(session_key=session.session_key).delete()
            ended += 1
    return ended
