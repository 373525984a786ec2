"""The back office's team and settings pages: thin views over sellers.team and sellers.services.

Everyone in the team sees who is in it; only an owner invites, changes roles, removes members,
withdraws invitations and changes settings (the services check it too).
"""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from marketplace.forms import form_add_service_errors

from . import services, team
from .access import seller_invitation_get, seller_member_get, seller_permission_check, seller_required
from .forms import InvitationForm, MemberRoleForm, SellerSettingsForm
from .models import ApiKey
from .permissions import Perm


@seller_required
def team_page(request):
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        seller_permission_check(request, Perm.TEAM_MANAGE)
        if form.is_valid():
            try:
                team.seller_invite(seller=request.seller, actor=request.seller_member,
                                   email=form.cleaned_data["email"], role=form.cleaned_data["role"])
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
                return redirect("sellers:team")
    members = list(request.seller.members.select_related("user").order_by("created_at"))
    invitations = request.seller.invitations.filter(accepted_at__isnull=True)[:20]
    return render(request, "sellers/team.html", {
        "section": "team", "form": form, "invitations": invitations,
        "rows": [(member, MemberRoleForm(initial={"role": member.role}, prefix=f"m{member.pk}",
                                         label_suffix=""))
                 for member in members],
        "can_manage": Perm.TEAM_MANAGE in request.seller_perms,
    }, status=400 if form.errors else 200)


@seller_required
@require_POST
def member_role(request, pk):
    member = seller_member_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.TEAM_MANAGE)
    form = MemberRoleForm(request.POST, prefix=f"m{member.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose owner, manager or warehouse."))
        return redirect("sellers:team")
    try:
        team.seller_member_role_set(member=member, role=form.cleaned_data["role"],
                                    actor=request.seller_member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(who)s is now %(role)s.")
                         % {"who": member.user.email, "role": member.get_role_display()})
    return redirect("sellers:team")


@seller_required
def member_remove(request, pk):
    """GET asks for confirmation (saying what ends with the membership), POST removes."""
    member = seller_member_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.TEAM_MANAGE)
    error = None
    if request.method == "POST":
        try:
            revoked = team.seller_member_remove(member=member, actor=request.seller_member)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, ngettext(
                "%(who)s is removed from the team: their sessions are ended and %(keys)s API key they "
                "made is revoked.",
                "%(who)s is removed from the team: their sessions are ended and %(keys)s API keys they "
                "made are revoked.", revoked) % {"who": member.user.email, "keys": revoked})
            return redirect("sellers:team")
    keys = ApiKey.objects.filter(seller=request.seller, created_by=member.user_id,
                                 revoked_at__isnull=True).count()
    return render(request, "sellers/member_remove.html", {
        "section": "team", "member": member, "keys": keys, "error": error,
        "is_self": member.pk == request.seller_member.pk,
    }, status=400 if error else 200)


@seller_required
@require_POST
def invitation_withdraw(request, pk):
    invitation = seller_invitation_get(seller=request.seller, pk=pk)
    seller_permission_check(request, Perm.TEAM_MANAGE)
    try:
        team.invitation_withdraw(invitation=invitation, actor=request.seller_member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation to %(email)s is withdrawn; its link no longer works.")
                         % {"email": invitation.email})
    return redirect("sellers:team")


@seller_required(permission=Perm.SETTINGS_WRITE)
def settings_view(request):
    form = SellerSettingsForm(request.POST if request.method == "POST" else None,
                              initial={"low_stock_alerts": request.seller.low_stock_alerts})
    if request.method == "POST":
        if not form.is_valid():
            return HttpResponseBadRequest()
        services.seller_settings_update(seller=request.seller, actor=request.seller_member,
                                        **form.cleaned_data)
        messages.success(request, _("Your settings are saved."))
        return redirect("sellers:settings")
    return render(request, "sellers/settings.html", {"section": "settings", "form": form,
                                                     "seller": request.seller})
