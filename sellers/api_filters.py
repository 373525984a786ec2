"""Query filters shared by the seller API's list endpoints (listings, orders)."""
from datetime import UTC, datetime

from ninja import Field, Schema
from pydantic import field_validator


class UpdatedSinceFilter(Schema):
    updated_since: datetime | None = Field(None, description="ISO 8601, e.g. 2026-01-31T08:00:00Z.")

    @field_validator("updated_since")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        # PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows (found by fuzzing): use UTC.
        if value is None or value.tzinfo is None:
            return value
        try:
            return value.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("Out of range.") from exc
