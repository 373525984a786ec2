"""What every answer of the seller API carries for an integrator: the RateLimit-* headers (and
Retry-After on a 429), written on the response and documented on every operation of the schema;
and the `Idempotency-Key` of every write (sellers.api_idempotency), documented likewise.

`SellerNinjaAPI` is the NinjaAPI of sellers.api: it puts the headers on every operation's answer,
errors included, and documents them.
"""
from functools import wraps

from ninja import NinjaAPI

from .api_idempotency import HEADER as IDEMPOTENCY_HEADER
from .api_idempotency import KEY_PATTERN, idempotent_run, idempotent_view

RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": "Calls allowed per window for this key.",
    "RateLimit-Remaining": "Calls left in the current window.",
    "RateLimit-Reset": "Seconds until the window resets.",
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
IDEMPOTENCY_PARAMETER = {
    "in": "header", "name": IDEMPOTENCY_HEADER, "required": False,
    "schema": {"type": "string", "pattern": KEY_PATTERN, "maxLength": 255},
    "description": "A key of yours (a UUID, say) that makes a retry safe: for 24 hours the same key "
                   "with the same request returns the first answer unchanged without writing again; "
                   "with a different request it is a 422.",
}


def rate_limit_headers_set(*, request, response):
    state = getattr(request, "rate_limit", None)
    if state is not None:
        response["RateLimit-Limit"] = str(state.limit)
        response["RateLimit-Remaining"] = str(state.remaining)
        response["RateLimit-Reset"] = str(state.reset)
        if response.status_code == 429:
            response["Retry-After"] = str(state.reset)
    return response


def _with_headers(run):
    @wraps(run)
    def run_with_headers(request, *args, **kwargs):
        return rate_limit_headers_set(request=request, response=run(request, *args, **kwargs))

    return run_with_headers


class SellerNinjaAPI(NinjaAPI):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "view" mode wraps each operation's whole run, its key check included.
        self.add_decorator(_with_headers, mode="view")
        self.add_decorator(idempotent_run, mode="view")  # outside: one transaction for the call
        self.add_decorator(idempotent_view, mode="operation")  # after the key check and validation

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("headers", {})
        for name, description in RATE_LIMIT_HEADERS.items():
            components[name] = {"description": description, "schema": {"type": "integer", "minimum": 0}}
        components["Retry-After"] = {"description": "Seconds to wait before calling again.",
                                     "schema": {"type": "integer", "minimum": 1}}
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if method.upper() in WRITE_METHODS:
                    operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
                for status, answer in operation.get("responses", {}).items():
                    if str(status) == "401":
                        continue  # no valid key: nothing is counted
                    headers = answer.setdefault("headers", {})
                    for name in RATE_LIMIT_HEADERS:
                        headers[name] = {"$ref": f"#/components/headers/{name}"}
                    if str(status) == "429":
                        headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
        return schema
