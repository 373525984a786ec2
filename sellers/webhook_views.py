"""Back-office pages for webhooks: the seller's endpoints (add, choose event types, switch off and
on, rotate the secret, delete), each endpoint's deliveries with every attempt (resend one, send a
test event), and the page documenting the signature. The work is sellers.webhooks'."""
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.forms import form_add_service_errors

from .access import seller_permission_check, seller_required
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .permissions import Perm
from .webhook_delivery import webhook_signature
from .webhooks import (
    EVENT_TYPES,
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_set_active,
    webhook_endpoint_update,
    webhook_secret_rotate,
    webhook_test_send,
)

DELIVERIES_ON_PAGE = 50
_SHOWN_ONCE_SESSION_ENTRY = "webhook-secret-%s"
ATTEMPTS_PER_DELIVERY = 5


class EventTypesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=[(name, f"{name} — {label}") for name, label in EVENT_TYPES.items()],
                         label=gettext_lazy("Events to send"), **kwargs)


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("URL"), max_length=500,
                          help_text=gettext_lazy("https:// only (http://localhost in development)."),
                          widget=forms.URLInput(attrs={"placeholder": "https://erp.example.com/refurb/events"}))
    event_types = EventTypesField()


class WebhookTypesForm(forms.Form):
    event_types = EventTypesField()


def _endpoint(request, pk) -> WebhookEndpoint:
    """The seller's own endpoint (another seller's is a 404, whatever the role), for a member who
    manages integrations (else 403)."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk, seller=request.seller)
    seller_permission_check(request, Perm.API_KEYS_ALL)
    return endpoint


@never_cache
@seller_required(permission=Perm.API_KEYS_ALL)
@require_http_methods(["GET", "POST"])
def webhooks(request):
    form = WebhookEndpointForm(request.POST or None, label_suffix="")
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = webhook_endpoint_create(seller=request.seller, url=form.cleaned_data["url"],
                                                      event_types=form.cleaned_data["event_types"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            # Shown once, on the endpoint's page (a reload there does not post the form again).
            request.session[_SHOWN_ONCE_SESSION_ENTRY % created.pk] = secret
            return redirect("sellers:webhook_detail", pk=created.pk)
    status = WebhookDelivery.Status
    endpoints = (WebhookEndpoint.objects.filter(seller=request.seller).order_by("id")
                 .annotate(pending=Count("deliveries", filter=Q(deliveries__status=status.PENDING)),
                           failed=Count("deliveries", filter=Q(deliveries__status=status.FAILED))))
    return render(request, "sellers/webhooks/list.html", {
        "section": "webhooks", "form": form, "endpoints": endpoints, "event_labels": EVENT_TYPES})


@never_cache
@seller_required
@require_http_methods(["GET", "POST"])
def webhook_detail(request, pk):
    endpoint = _endpoint(request, pk)
    form = WebhookTypesForm(request.POST or None, initial={"event_types": endpoint.event_types},
                            label_suffix="")
    if request.method == "POST" and form.is_valid():
        try:
            webhook_endpoint_update(endpoint=endpoint, event_types=form.cleaned_data["event_types"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The endpoint now receives the events chosen."))
            return redirect("sellers:webhook_detail", pk=endpoint.pk)
    attempts = Prefetch("attempt_rows", queryset=WebhookAttempt.objects.order_by("-id"))
    deliveries = list(endpoint.deliveries.select_related("event").order_by("-id")
                      .prefetch_related(attempts)[:DELIVERIES_ON_PAGE])
    for delivery in deliveries:
        delivery.recent_attempts = delivery.attempt_rows.all()[:ATTEMPTS_PER_DELIVERY]
    return render(request, "sellers/webhooks/detail.html", {
        "section": "webhooks", "endpoint": endpoint, "form": form, "deliveries": deliveries,
        # A new or rotated secret, read once from the session and gone on the next view.
        "new_secret": request.session.pop(_SHOWN_ONCE_SESSION_ENTRY % endpoint.pk, None),
        "grace_hours": settings.WEBHOOK_SECRET_GRACE_HOURS,
    })


@require_POST
@seller_required
def webhook_action(request, pk, action):
    endpoint = _endpoint(request, pk)
    if action == "disable":
        webhook_endpoint_set_active(endpoint=endpoint, active=False)
        messages.success(request, _("Switched off: no events are sent to it until you switch it on."))
    elif action == "enable":
        webhook_endpoint_set_active(endpoint=endpoint, active=True)
        messages.success(request, _("Switched on: the events that waited are being sent, in order."))
    elif action == "rotate":
        # Shown once, on the next page only: kept in the session for that one read.
        request.session[_SHOWN_ONCE_SESSION_ENTRY % endpoint.pk] = webhook_secret_rotate(endpoint=endpoint)
    elif action == "test":
        webhook_test_send(endpoint=endpoint)
        messages.success(request, _("A test event was sent; its attempt is listed below."))
    elif action == "delete":
        webhook_endpoint_delete(endpoint=endpoint)
        messages.success(request, _("The endpoint %(url)s is deleted.") % {"url": endpoint.url})
        return redirect("sellers:webhooks")
    else:
        raise Http404
    return redirect("sellers:webhook_detail", pk=endpoint.pk)


@require_POST
@seller_required
def webhook_resend(request, pk):
    delivery = get_object_or_404(WebhookDelivery, pk=pk, endpoint__seller=request.seller)
    seller_permission_check(request, Perm.API_KEYS_ALL)
    webhook_delivery_resend(delivery=delivery)
    messages.success(request, _("Sent again, with the same event id."))
    return redirect("sellers:webhook_detail", pk=delivery.endpoint_id)


@require_GET
@seller_required(permission=Perm.API_KEYS_ALL)
def webhook_docs(request):
    body = b'{"id":"3f1c0d4e-8b1a-4f57-9a39-1f2b4f0c7d21","type":"webhook.test","data":{}}'
    return render(request, "sellers/webhooks/docs.html", {
        "section": "webhooks", "event_labels": EVENT_TYPES,
        "grace_hours": settings.WEBHOOK_SECRET_GRACE_HOURS,
        "example_body": body.decode(),
        "example_signature": webhook_signature(secrets=["whsec_example"], timestamp=1767225600, body=body),
    })
