"""Query filters shared by the seller API's list endpoints (listings, orders)."""
from ninja import Field, Schema

from .api_types import DateTime


class UpdatedSinceFilter(Schema):
    # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows (found by fuzzing).
    updated_since: DateTime | None = Field(None, description="RFC 3339 (ISO 8601) with its offset, "
                                           "e.g. 2026-01-31T08:00:00Z.")
