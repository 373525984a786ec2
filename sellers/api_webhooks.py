"""The seller API's webhook endpoints: list, add (the secret is shown once) and remove.

Events and their delivery are sellers.webhooks. Every key lists; adding and removing needs the
key's `orders` scope (the events are about orders)."""
from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from .api import ERRORS, WITH_BODY_ERRORS
from .api_auth import ApiKeyAuth
from .models import WebhookEndpoint
from .permissions import Scope
from .webhooks import EVENT_TYPES, webhook_endpoint_create

EventType = Literal["seller_order.paid", "seller_order.cancelled"]
assert set(EventType.__args__) == set(EVENT_TYPES)
URL_PATTERN = r"^https://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]{0,200})?$"

router = Router(tags=["webhooks"], auth=ApiKeyAuth(write_scope=Scope.ORDERS))


class WebhookIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "url": "https://erp.example.com/refurb/events", "event_types": ["seller_order.paid"]}]})

    url: str = Field(pattern=URL_PATTERN, max_length=500, description="An https:// URL of yours.")
    event_types: list[EventType] = Field(min_length=1, max_length=len(EVENT_TYPES) * 4)


class WebhookOut(Schema):
    id: int
    url: str
    event_types: list[str]
    is_active: bool
    created_at: datetime

    @staticmethod
    def of(endpoint: WebhookEndpoint) -> "WebhookOut":
        return WebhookOut(id=endpoint.pk, url=endpoint.url, event_types=endpoint.event_types,
                          is_active=endpoint.is_active, created_at=endpoint.created_at)


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="Signs every delivery; shown only in this answer. Keep it.")


def _endpoint(request, webhook_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(seller=request.seller, pk=webhook_id).first()
    if endpoint is None:
        raise Http404
    return endpoint


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS}, summary="Your webhook endpoints")
def webhooks_list(request):
    return [WebhookOut.of(endpoint) for endpoint in
            WebhookEndpoint.objects.filter(seller=request.seller).order_by("id")]


@router.post("/webhooks", response={201: WebhookCreatedOut, **WITH_BODY_ERRORS},
             summary="Add a webhook endpoint (its secret is shown once)")
def webhooks_create(request, payload: WebhookIn):
    endpoint, secret = webhook_endpoint_create(seller=request.seller, url=payload.url,
                                               event_types=payload.event_types)
    return Status(201, WebhookCreatedOut(**WebhookOut.of(endpoint).model_dump(), secret=secret))


@router.delete("/webhooks/{int:webhook_id}", response={200: WebhookOut, **ERRORS},
               summary="Remove a webhook endpoint")
def webhooks_delete(request, webhook_id: int):
    endpoint = _endpoint(request, webhook_id)
    answer = WebhookOut.of(endpoint)
    endpoint.delete()
    return answer
