"""`Idempotency-Key` on every write (POST, PUT, PATCH, DELETE) of the seller API.

The first answer to a key is stored for 24 hours, per API key, with a SHA-256 of the request
(method, path with its query, body). A repeat gets that answer unchanged (status and body) without
running the write again; the same key with another request is a 422. The whole call runs in one
transaction that holds the record's row: a second identical call sent at the same time waits on the
row, then gets the stored answer, so the write applies once. Expired rows are deleted by the beat
job `sellers.tasks.purge_idempotency_records`.
"""
import hashlib
import re
from datetime import timedelta
from functools import wraps

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)
KEY_PATTERN = r"^[A-Za-z0-9_.:\-]{1,255}$"
_KEY = re.compile(KEY_PATTERN)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _applies(request) -> bool:
    return request.method in WRITE_METHODS and HEADER in request.headers


def request_fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), request.body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def idempotency_record_claim(*, api_key, key: str, fingerprint: str) -> IdempotencyRecord:
    """The key's record, locked for the caller's transaction; a new or expired one starts afresh."""
    now = timezone.now()
    record, created = IdempotencyRecord.objects.select_for_update().get_or_create(
        api_key=api_key, key=key, defaults={"request_hash": fingerprint, "expires_at": now + KEEP_FOR})
    if not created and record.expires_at <= now:
        record.request_hash, record.status_code, record.body, record.content_type = fingerprint, None, "", ""
        record.expires_at = now + KEEP_FOR
        record.save()
    return record


def idempotency_records_purge(*, now=None) -> int:
    """Deletes the records past their 24 hours; returns how many."""
    deleted, _by_model = IdempotencyRecord.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def idempotent_run(run):
    """Around an operation's whole run (key check included): one transaction, and the answer stored."""
    @wraps(run)
    def run_once(request, *args, **kwargs):
        if not _applies(request):
            return run(request, *args, **kwargs)
        with transaction.atomic():
            response = run(request, *args, **kwargs)
            record = getattr(request, "idempotency_record", None)
            if record is not None:
                record.status_code = response.status_code
                record.content_type = response.get("Content-Type", "")
                record.body = response.content.decode()
                record.save(update_fields=["status_code", "content_type", "body"])
        return response

    return run_once


def idempotent_view(view_func):
    """Around the view, after the key check and the input's validation: replay, refuse or run once."""
    @wraps(view_func)
    def view_once(request, *args, **kwargs):
        if not _applies(request) or getattr(request, "api_key", None) is None:
            return view_func(request, *args, **kwargs)
        key = request.headers[HEADER]
        if not _KEY.fullmatch(key):
            raise HttpError(422, _("The Idempotency-Key must be 1 to 255 letters, digits or . _ : -"))
        fingerprint = request_fingerprint(request)
        record = idempotency_record_claim(api_key=request.api_key, key=key, fingerprint=fingerprint)
        if record.request_hash != fingerprint:
            raise HttpError(422, _("This Idempotency-Key was already used for a different request; "
                                   "use a new key for each new request."))
        if record.status_code is not None:
            response = HttpResponse(record.body, status=record.status_code, content_type=record.content_type)
            response["Idempotent-Replayed"] = "true"
            return response
        request.idempotency_record = record
        with transaction.atomic():  # a failed write rolls back alone; its error answer is kept
            return view_func(request, *args, **kwargs)

    return view_once
