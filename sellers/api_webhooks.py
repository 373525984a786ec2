"""The seller API's webhook endpoints and events: manage endpoints (the secret is shown once, and
again only at a rotation), see their deliveries, resend one, send a test event; read the events.

Events and their delivery are sellers.webhooks and sellers.webhook_delivery. Every key reads;
managing endpoints needs the key's `orders` scope (most events are about orders). Another seller's
endpoint or delivery is a 404.
"""
from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from .api import ERRORS, WITH_BODY_ERRORS
from .api_auth import ApiKeyAuth
from .api_paging import IdCursor, keyset_answer
from .api_types import QueryInteger
from .models import Event, WebhookDelivery, WebhookEndpoint
from .permissions import Scope
from .webhooks import (
    EVENT_TYPES,
    TEST_EVENT,
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_set_active,
    webhook_endpoint_update,
    webhook_secret_rotate,
    webhook_test_send,
)

EventType = Literal[tuple(EVENT_TYPES)]
URL_PATTERN = r"^https://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]{0,200})?$"
TYPES_DOC = "Event types: " + ", ".join(f"`{name}` ({label})" for name, label in EVENT_TYPES.items()) + "."

router = Router(tags=["webhooks"], auth=ApiKeyAuth(write_scope=Scope.ORDERS))


class WebhookIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "url": "https://erp.example.com/refurb/events", "event_types": ["seller_order.paid"]}]})

    url: str = Field(pattern=URL_PATTERN, max_length=500, description="An https:// URL of yours.")
    event_types: list[EventType] = Field(min_length=1, max_length=len(EVENT_TYPES) * 4, description=TYPES_DOC)


class WebhookPatchIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "event_types": ["seller_order.paid", "return.requested"], "is_active": True}]})

    url: str | None = Field(None, pattern=URL_PATTERN, max_length=500)
    event_types: list[EventType] | None = Field(None, min_length=1, max_length=len(EVENT_TYPES) * 4)
    is_active: bool | None = Field(None, description="false switches the endpoint off; true switches it on "
                                   "again and sends the deliveries that waited, in order.")


class WebhookOut(Schema):
    id: int
    url: str
    event_types: list[str]
    is_active: bool
    disabled_reason: str = Field(description="Why it is off, e.g. after failing for 72 hours.")
    failing_since: datetime | None = Field(description="The first failed attempt since the last success.")
    previous_secret_valid_until: datetime | None = Field(
        description="After a rotation: the previous secret also signs until then.")
    created_at: datetime

    @staticmethod
    def of(endpoint: WebhookEndpoint) -> "WebhookOut":
        return WebhookOut(id=endpoint.pk, url=endpoint.url, event_types=endpoint.event_types,
                          is_active=endpoint.is_active, disabled_reason=endpoint.disabled_reason,
                          failing_since=endpoint.failing_since,
                          previous_secret_valid_until=(endpoint.previous_secret_until
                                                       if endpoint.previous_secret else None),
                          created_at=endpoint.created_at)


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="Signs every delivery; shown only in this answer. Keep it.")


class DeliveryOut(Schema):
    id: int
    event_id: str = Field(description="The event's id: the `Refurb-Event-Id` header, the same on every "
                          "attempt.")
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None
    last_response: str = Field(description="The start of the receiver's last answer (or the error).")
    next_attempt_at: datetime | None = Field(description="While pending: the next retry.")
    delivered_at: datetime | None

    @staticmethod
    def of(delivery: WebhookDelivery) -> "DeliveryOut":
        pending = delivery.status == WebhookDelivery.Status.PENDING
        return DeliveryOut(id=delivery.pk, event_id=str(delivery.event.uid), event_type=delivery.event.type,
                           status=delivery.status, attempts=delivery.attempts,
                           last_status_code=delivery.last_status_code, last_response=delivery.last_response,
                           next_attempt_at=delivery.next_attempt_at if pending else None,
                           delivered_at=delivery.delivered_at)


class EventOut(Schema):
    id: str = Field(description="Unique; the `id` of the delivered JSON and the `Refurb-Event-Id` header.")
    type: str
    created_at: datetime
    data: dict

    @staticmethod
    def of(event: Event) -> "EventOut":
        return EventOut(id=str(event.uid), type=event.type, created_at=event.created_at, data=event.payload)


class CursorPage(Schema):
    limit: int
    next_cursor: str = Field(description="Send it as `cursor` for the next page (the same when nothing is "
                             "new).")
    has_more: bool


class DeliveryPage(CursorPage):
    items: list[DeliveryOut]


class EventPage(CursorPage):
    items: list[EventOut]


class DeliveryFilters(Schema):
    status: Literal["pending", "delivered", "failed"] | None = None
    limit: QueryInteger(100, ge=1, le=500)
    cursor: IdCursor = "start"


class EventFilters(Schema):
    type: Literal[(*EVENT_TYPES, TEST_EVENT)] | None = None
    limit: QueryInteger(100, ge=1, le=500)
    cursor: IdCursor = Field("start", description="Oldest first, by id: each event comes once; keep the last "
                           "`next_cursor` to read the new ones later.")


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


@router.get("/webhooks/{int:webhook_id}", response={200: WebhookOut, **ERRORS}, summary="A webhook endpoint")
def webhooks_get(request, webhook_id: int):
    return WebhookOut.of(_endpoint(request, webhook_id))


@router.patch("/webhooks/{int:webhook_id}", response={200: WebhookOut, **WITH_BODY_ERRORS},
              summary="Change an endpoint's URL or event types, or switch it off or on")
def webhooks_update(request, webhook_id: int, payload: WebhookPatchIn):
    endpoint = _endpoint(request, webhook_id)
    if payload.url is not None or payload.event_types is not None:
        endpoint = webhook_endpoint_update(endpoint=endpoint, url=payload.url,
                                           event_types=payload.event_types)
    if payload.is_active is not None and payload.is_active != endpoint.is_active:
        endpoint = webhook_endpoint_set_active(endpoint=endpoint, active=payload.is_active)
    return WebhookOut.of(endpoint)


@router.delete("/webhooks/{int:webhook_id}", response={200: WebhookOut, **ERRORS},
               summary="Remove a webhook endpoint")
def webhooks_delete(request, webhook_id: int):
    endpoint = _endpoint(request, webhook_id)
    answer = WebhookOut.of(endpoint)
    webhook_endpoint_delete(endpoint=endpoint)
    return answer


@router.post("/webhooks/{int:webhook_id}/rotate-secret", response={200: WebhookCreatedOut, **ERRORS},
             summary="A new secret (shown once); the previous one also signs during the grace period")
def webhooks_rotate_secret(request, webhook_id: int):
    endpoint = _endpoint(request, webhook_id)
    secret = webhook_secret_rotate(endpoint=endpoint)
    endpoint.refresh_from_db()
    return WebhookCreatedOut(**WebhookOut.of(endpoint).model_dump(), secret=secret)


@router.post("/webhooks/{int:webhook_id}/test", response={202: DeliveryOut, **ERRORS},
             summary="Send a `webhook.test` event to this endpoint now")
def webhooks_test(request, webhook_id: int):
    delivery = webhook_test_send(endpoint=_endpoint(request, webhook_id))
    return Status(202, DeliveryOut.of(WebhookDelivery.objects.select_related("event").get(pk=delivery.pk)))


@router.get("/webhooks/{int:webhook_id}/deliveries", response={200: DeliveryPage, **ERRORS},
            summary="An endpoint's deliveries, oldest first")
def webhooks_deliveries(request, webhook_id: int, filters: Query[DeliveryFilters]):
    deliveries = _endpoint(request, webhook_id).deliveries.select_related("event")
    if filters.status:
        deliveries = deliveries.filter(status=filters.status)
    return keyset_answer(deliveries, cursor=filters.cursor, limit=filters.limit, by_update=False,
                         item=DeliveryOut.of, updatable=False)


@router.post("/webhook-deliveries/{int:delivery_id}/resend", response={202: DeliveryOut, **ERRORS},
             summary="Send one delivery again now (the same event id)")
def webhooks_resend(request, delivery_id: int):
    delivery = WebhookDelivery.objects.filter(endpoint__seller=request.seller, pk=delivery_id).first()
    if delivery is None:
        raise Http404
    webhook_delivery_resend(delivery=delivery)
    return Status(202, DeliveryOut.of(WebhookDelivery.objects.select_related("event").get(pk=delivery.pk)))


@router.get("/events", response={200: EventPage, **ERRORS}, summary="Your events, oldest first")
def events_list(request, filters: Query[EventFilters]):
    """Every event, whether or not an endpoint receives it: poll this with the last `next_cursor` to
    catch up after an outage of your receiver."""
    events = Event.objects.filter(seller=request.seller)
    if filters.type:
        events = events.filter(type=filters.type)
    return keyset_answer(events, cursor=filters.cursor, limit=filters.limit, by_update=False,
                         item=EventOut.of, updatable=False)
