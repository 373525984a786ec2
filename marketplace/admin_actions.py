"""Admin building blocks shared by the apps: actions that ask for a reason, and read-only admins.

A reason action first shows a confirmation page listing what it applies to and asking staff why
(and, for some actions, more: an amount); once confirmed it calls the service once per object,
and each refusal the service raises is shown as a message rather than a server error.

A read-only admin lets staff look at rows whose every change must go through a state machine's
actions: no add, no change form, no delete, no revert from the history.
"""
from collections.abc import Callable, Iterable

from django import forms
from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from marketplace.admin_money import MoneyAdminMixin

TEMPLATE = "admin/reason_action.html"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), max_length=2000,
        help_text=_("Kept in the history with your name."),
    )

    def __init__(self, *args, objects: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.objects = objects or []  # what the action applies to, for checks across them


def refusal_text(error: Exception) -> str:
    """What a service's refusal says, whatever its kind (ValidationError or a domain error)."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return getattr(error, "message", None) or str(error)


def reason_action(modeladmin, request, queryset, *, action: str, title: str,
                  apply: Callable[[object, dict], object], done_message: Callable[[int], str],
                  refusals: tuple[type[Exception], ...] = (ValidationError,),
                  refusal_level: int = messages.ERROR, form_class: type[ReasonForm] = ReasonForm,
                  describe: Callable[[object], str] = str, log: bool = True,
                  intro: str = ""):
    """Shows the confirmation page, then (on `confirm`) runs `apply(obj, cleaned_data)` for each
    object. Returns the page to show, or None to go back to the list with the messages."""
    objects = list(queryset)
    form = form_class(request.POST if "confirm" in request.POST else None, objects=objects)
    if form.is_bound and form.is_valid():
        done, refused = 0, []
        for obj in objects:
            try:
                apply(obj, form.cleaned_data)
            except refusals as error:
                refused.append(f"{obj}: {refusal_text(error)}")
            else:
                done += 1
                if log:  # the admin's own log: who ran which action on what, and why
                    modeladmin.log_change(request, obj, f"{title}: {form.cleaned_data['reason']}")
        if done:
            modeladmin.message_user(request, done_message(done), messages.SUCCESS)
        for line in refused:
            modeladmin.message_user(request, line, refusal_level)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "opts": modeladmin.model._meta,
        "items": [(obj.pk, describe(obj)) for obj in objects],
        "form": form,
        "action": action,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, TEMPLATE, context)


class ReadOnlyAdminMixin(MoneyAdminMixin):
    """Staff see these rows but change them only through the admin actions, which call the
    services. Actions ask for `permissions=["act"]`: the model's change permission, which the
    staff groups grant, while the change form itself stays read-only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_act_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # django-simple-history saves a posted historical version without asking for the change
        # permission: that would revert a state behind the state machine's back.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyInlineMixin(MoneyAdminMixin):
    """An inline shown for reading: no row added, changed or deleted from the parent's page."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def all_fields(model, exclude: Iterable[str] = ()) -> list[str]:
    """Every concrete field of a model, for a read-only admin's `readonly_fields`."""
    return [f.name for f in model._meta.concrete_fields if f.name not in set(exclude)]
