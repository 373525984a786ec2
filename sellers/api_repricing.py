"""The seller API's side of repricing and of the guard on mistaken prices: the rule's fields on a
listing (read and written), `confirm_low_price`, and the calls into sellers.repricing. The rule is
checked there, as for the back office and the CSV import; a refused field is a 422 naming it."""
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from ninja import Field, Schema

from .api_types import Amount, Flag, Price
from .models import Listing
from .repricing import PUBLIC_NAMES, listing_repricing_set

Strategy = Literal["off", "match", "beat"]
# The API's names → the listing's fields.
_FIELDS = {"floor_price": "floor_price", "ceiling_price": "ceiling_price", "repricing": "reprice_strategy",
           "beat_by": "reprice_beat_by", "raise_when_winning": "reprice_raise"}


class RuleOut(Schema):
    floor_price: Decimal | None = Field(None, description="Repricing never goes below it; null: no rule.",
                                        examples=["379.00"])
    ceiling_price: Decimal | None = Field(None, description="Repricing never goes above it.")
    repricing: Strategy | None = Field(None, description="off, match (the price to win), beat (it by "
                                       "`beat_by`); null: your default.")
    beat_by: Decimal | None = None
    raise_when_winning: bool | None = Field(None, description="When winning, raise to just under what still "
                                            "wins against the runner-up; null: your default.")


def rule_values(listing: Listing) -> dict:
    return {name: getattr(listing, field) for name, field in _FIELDS.items()}


class RuleIn(Schema):
    """The rule's fields and the confirmation of a low price (a null clears a rule field)."""

    floor_price: Price | None = None
    ceiling_price: Price | None = None
    repricing: Strategy | None = None
    beat_by: Amount | None = None
    raise_when_winning: Flag | None = None
    confirm_low_price: Flag = Field(False, description="Publish a price under the sane bound (a share of "
                                    "the median offer or of the price new) anyway; without it such a "
                                    "price is refused with 422.")


def rule_given(data: dict) -> tuple[dict, bool]:
    """Takes the rule fields (as listing fields) and `confirm_low_price` out of a payload's dump."""
    confirm = bool(data.pop("confirm_low_price", False))
    return {_FIELDS[name]: data.pop(name) for name in list(data) if name in _FIELDS}, confirm


def listing_rule_set(*, listing: Listing, rule: dict, confirm: bool) -> list[str]:
    """Writes the rule through the one service; the API's field names in errors and the answer."""
    if not rule:
        return []
    try:
        changed = listing_repricing_set(listing=listing, confirm_low_price=confirm, **rule)
    except ValidationError as exc:
        raise ValidationError({PUBLIC_NAMES.get(key, key): errors for key, errors in exc.error_dict.items()}
                              ) from exc
    return [PUBLIC_NAMES.get(name, name) for name in changed]
