"""Repricing: the seller's rule — a floor, a ceiling, a strategy — and the prices it sets.

DOMAIN.md "Repricing rule". A listing names its own strategy or follows its seller's default:
`off`, `match` (the price to win: the highest price that takes the box), or `beat` (that price less
an amount); when the listing already wins, `raise` takes it up to just under what still wins
against the runner-up (the money left on the table). A price set here is never below the floor and
never above the ceiling, and a rule does nothing without a floor, so two rules facing each other
stop when one of them reaches its floor. Every door (back office, CSV import, API) writes rules
through `listing_repricing_set` / `repricing_rows_apply`, and every automatic price goes through
the listing service (`listing_update`) with a PriceChange row and a `listing.price_changed` event.
The price to win comes from the one buy-box selector (sellers.selectors).
"""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from .models import Listing, PriceChange, Seller
from .price_guard import LOW_PRICE, low_prices
from .selectors import RankedOffer, buy_box_positions, price_to_win
from .services import MAX_PRICE, listing_update, validate_price

CENT = Decimal("0.01")
STRATEGIES = ("off", "match", "beat")
ACTIVE_STRATEGIES = ("match", "beat")
MAX_BEAT_BY = Decimal("1000.00")
FIELDS = ("floor_price", "ceiling_price", "reprice_strategy", "reprice_beat_by", "reprice_raise")
# Listings one bulk match may change (its preview lists every one).
BULK_MATCH_MAX = 1000


# --- The rule ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    strategy: str  # off, match or beat, the seller's default applied
    beat_by: Decimal
    raise_when_winning: bool
    floor: Decimal | None
    ceiling: Decimal | None

    @property
    def is_on(self) -> bool:
        return self.strategy in ACTIVE_STRATEGIES and self.floor is not None


def rule_of(listing: Listing, seller: Seller) -> Rule:
    """The rule that applies to the listing: its own values, else its seller's default."""
    strategy = listing.reprice_strategy or seller.reprice_strategy or "off"
    beat_by = listing.reprice_beat_by if listing.reprice_beat_by is not None else seller.reprice_beat_by
    raise_ = listing.reprice_raise if listing.reprice_raise is not None else seller.reprice_raise
    return Rule(strategy, beat_by or CENT, bool(raise_), listing.floor_price, listing.ceiling_price)


def eligible_q() -> Q:
    """Listings a rule may reprice automatically: a floor and a strategy (its own or the default)."""
    return Q(floor_price__isnull=False) & (
        Q(reprice_strategy__in=ACTIVE_STRATEGIES)
        | Q(reprice_strategy__isnull=True, seller__reprice_strategy__in=ACTIVE_STRATEGIES))


def _money(value, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return validate_price(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.message_dict["price"]}) from exc


def _beat_by(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({"reprice_beat_by": _("Enter an amount such as 1.00.")}) from exc
    if not amount.is_finite() or not CENT <= amount <= MAX_BEAT_BY:
        raise ValidationError({"reprice_beat_by": _("The amount must be between 0.01 and %(max)s.")
                               % {"max": MAX_BEAT_BY}})
    return amount


def rule_clean(*, current: dict, given: dict) -> dict:
    """The rule fields to write: `given` (only the fields given; None or "" clears one) checked
    against the listing's `current` values. Raises ValidationError naming each refused field."""
    unknown = set(given) - set(FIELDS)
    assert not unknown, unknown
    errors: dict[str, list[str]] = {}
    values: dict = {}
    for name, clean in (("floor_price", lambda v: _money(v, "floor_price")),
                        ("ceiling_price", lambda v: _money(v, "ceiling_price")),
                        ("reprice_beat_by", _beat_by)):
        if name in given:
            try:
                values[name] = clean(given[name])
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if "reprice_strategy" in given:
        strategy = given["reprice_strategy"] or None
        if strategy is not None and strategy not in STRATEGIES:
            errors["reprice_strategy"] = [_("Choose one of: %(choices)s.")
                                          % {"choices": ", ".join(STRATEGIES)}]
        values["reprice_strategy"] = strategy
    if "reprice_raise" in given:
        values["reprice_raise"] = given["reprice_raise"]
    if errors:
        raise ValidationError(errors)
    merged = {**current, **values}
    if (merged.get("floor_price") is not None and merged.get("ceiling_price") is not None
            and merged["ceiling_price"] < merged["floor_price"]):
        errors["ceiling_price"] = [_("The ceiling cannot be below the floor.")]
    if merged.get("reprice_strategy") in ACTIVE_STRATEGIES and merged.get("floor_price") is None:
        errors["floor_price"] = [_("Set a floor price: repricing never goes below it.")]
    if errors:
        raise ValidationError(errors)
    return values


def _current(listing: Listing) -> dict:
    return {name: getattr(listing, name) for name in FIELDS}


def _floor_guard(*, listing: Listing, values: dict, confirmed: bool) -> None:
    floor = values.get("floor_price")
    if floor is None or confirmed:
        return
    found = low_prices([(None, listing.product_id, listing.grade, floor)])
    if found:
        raise ValidationError({"floor_price": ValidationError(
            found[None] + " " + _("Confirm the price to publish it."), code=LOW_PRICE)})


@transaction.atomic
def listing_repricing_set(*, listing: Listing, confirm_low_price: bool = False, **given) -> tuple[str, ...]:
    """Sets the listing's rule (the fields given; None clears one); returns the fields changed. A
    floor that looks mistaken (sellers.price_guard) needs `confirm_low_price` like a price."""
    locked = Listing.objects.select_for_update().get(pk=listing.pk)
    values = rule_clean(current=_current(locked), given=given)
    _floor_guard(listing=locked, values=values, confirmed=confirm_low_price)
    changed = tuple(name for name, value in values.items() if getattr(locked, name) != value)
    for name in changed:
        setattr(locked, name, values[name])
        setattr(listing, name, values[name])
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
        from .buybox_watch import boxes_changed_on_commit

        boxes_changed_on_commit([locked.product_id])  # a new rule may act at once
    return changed


@transaction.atomic
def seller_repricing_set(*, seller: Seller, strategy: str, beat_by=None,
                         raise_when_winning: bool = False) -> Seller:
    """The seller's default rule, for listings that name none."""
    if strategy not in STRATEGIES:
        raise ValidationError({"strategy": _("Choose one of: %(choices)s.")
                               % {"choices": ", ".join(STRATEGIES)}})
    amount = _beat_by(beat_by)
    if strategy == "beat" and amount is None:
        raise ValidationError({"beat_by": _("Give the amount to beat the price to win by.")})
    seller.reprice_strategy, seller.reprice_beat_by = strategy, amount
    seller.reprice_raise = bool(raise_when_winning)
    seller.save(update_fields=["reprice_strategy", "reprice_beat_by", "reprice_raise", "updated_at"])
    from .buybox_watch import boxes_changed_on_commit

    boxes_changed_on_commit(set(Listing.objects.filter(seller=seller, floor_price__isnull=False)
                                .values_list("product_id", flat=True)))
    return seller


def repricing_rows_apply(*, seller: Seller, rows: list, results: list) -> None:
    """The rule columns of bulk rows (CSV import, bulk API), for the rows the bulk writer applied.
    `rows` carry `.key` and `.rule` (a dict of FIELDS given); a row whose rule is refused becomes
    failed with its reasons. Two queries and one UPDATE for any number of rows."""
    by_key = {result.key: result for result in results}
    wanted = {by_key[row.key].listing_id: row for row in rows
              if row.key in by_key and by_key[row.key].status in ("created", "updated", "unchanged")}
    if not wanted:
        return
    current = {pk: dict(zip(("product_id", "grade", *FIELDS), values, strict=True)) for pk, *values in
               Listing.objects.filter(seller=seller, pk__in=wanted)
               .values_list("pk", "product_id", "grade", *FIELDS)}
    cleaned: dict[int, dict] = {}
    for pk, row in wanted.items():
        try:
            cleaned[pk] = rule_clean(current={k: current[pk][k] for k in FIELDS}, given=row.rule)
        except ValidationError as exc:
            _fail(by_key[row.key], exc.message_dict)
    floors = low_prices([(pk, current[pk]["product_id"], current[pk]["grade"], values["floor_price"])
                         for pk, values in cleaned.items() if values.get("floor_price") is not None
                         and not getattr(wanted[pk], "confirm_low_price", False)])
    for pk, message in floors.items():
        _fail(by_key[wanted[pk].key],
              {"floor_price": [message + " " + _("Confirm the price to publish it.")]})
        del cleaned[pk]
    to_update = []
    for pk, values in cleaned.items():
        if any(current[pk][name] != value for name, value in values.items()):
            to_update.append((pk, {**{k: current[pk][k] for k in FIELDS}, **values}))
            if by_key[wanted[pk].key].status == "unchanged":
                by_key[wanted[pk].key].status = "updated"
    if to_update:
        Listing.objects.bulk_update([Listing(pk=pk, **values) for pk, values in to_update], list(FIELDS),
                                    batch_size=1000)
        from .buybox_watch import boxes_changed_on_commit

        boxes_changed_on_commit({current[pk]["product_id"] for pk, _values in to_update})


# The rule's fields as the CSV file and the API name them.
PUBLIC_NAMES = {"reprice_strategy": "repricing", "reprice_beat_by": "beat_by",
                "reprice_raise": "raise_when_winning"}


def _fail(result, errors: dict) -> None:
    result.status = "failed"
    for name, messages in errors.items():
        result.errors.setdefault(PUBLIC_NAMES.get(name, name), []).extend(messages)


# --- The price a rule sets -------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    price: Decimal
    strategy: str  # match, beat or raise
    competitor_price: Decimal


def _rival(position) -> RankedOffer:
    # price_to_win reads the rival's effective price only.
    return RankedOffer(0, 0, Decimal(0), position.winner_price, position.winner_effective_price, None)


def target_price(listing: Listing, position, rule: Rule) -> Target | None:
    """The price `rule` sets on `listing` at its buy-box `position`, or None to leave it."""
    if not rule.is_on or position.own_listing_wins or position.winner_price is None:
        return None
    if not position.is_winning:
        win = position.price_to_win
        if win is None or win < rule.floor:  # no price at or above the floor wins
            return None
        price = win - rule.beat_by if rule.strategy == "beat" else win
        price = max(price, rule.floor)
        if rule.ceiling is not None:
            price = min(price, rule.ceiling)
        if price >= listing.price:
            return None
        return Target(price, rule.strategy, position.winner_price)
    if not rule.raise_when_winning:
        return None
    best = price_to_win(listing, _rival(position), score=listing.seller.quality_score)
    if best is None:
        return None
    price = min(best, rule.ceiling if rule.ceiling is not None else MAX_PRICE)
    if price <= listing.price:
        return None
    return Target(price, "raise", position.winner_price)


def _lock_products(product_ids) -> None:
    """Serialises repricing and the buy-box watch per product (transaction-scoped)."""
    if connection.vendor != "postgresql" or not product_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(5150, id) FROM "
                       "(SELECT unnest(%s::int[]) AS id ORDER BY 1) AS ids", [sorted(product_ids)])
        cursor.fetchall()


def price_change_apply(*, listing: Listing, target: Target, source: str) -> PriceChange | None:
    """Sets the target price through the listing service, with its log row and webhook event.
    None when the listing service refuses it (a price the guard holds, a listing gone off sale)."""
    from .webhooks import event_record

    old = listing.price
    try:
        with transaction.atomic():
            change = listing_update(listing=listing, price=target.price)
            if "price" not in change.changed_fields:
                return None
            logged = PriceChange.objects.create(
                listing=listing, seller_id=listing.seller_id, source=source, strategy=target.strategy,
                old_price=old, new_price=target.price, competitor_price=target.competitor_price)
            event_record(seller_id=listing.seller_id, type="listing.price_changed", payload={
                "listing_id": listing.pk, "sku": listing.sku, "old_price": old, "new_price": target.price,
                "competitor_price": target.competitor_price, "strategy": target.strategy, "source": source})
    except ValidationError:
        return None
    return logged


def box_reprice(*, product_id: int) -> list[PriceChange]:
    """Applies the rules of the listings on one product, each grade's listings in turn, each from the
    buy box as the previous change left it (one query per listing). One pass: a change that moves
    another rule's box is seen by the next run (sellers.buybox_watch), so two rules facing each
    other step down in turn until a floor stops one."""
    done = []
    with transaction.atomic():
        _lock_products([product_id])
        listings = list(Listing.objects.buyable().filter(eligible_q(), product_id=product_id)
                        .select_related("seller").order_by("grade", "pk"))
        for listing in listings:
            position = buy_box_positions([listing])[listing.pk]
            target = target_price(listing, position, rule_of(listing, listing.seller))
            if target is not None:
                logged = price_change_apply(listing=listing, target=target, source=PriceChange.Source.RULE)
                if logged:
                    done.append(logged)
    return done


def products_with_rules(product_ids) -> list[int]:
    """The products among these with a listing a rule may reprice (one query)."""
    return sorted(set(Listing.objects.buyable().filter(eligible_q(), product_id__in=set(product_ids))
                      .values_list("product_id", flat=True)))


# --- Bulk match from the back office ----------------------------------------------------------------
@dataclass(frozen=True)
class PlannedChange:
    listing: Listing
    new_price: Decimal
    competitor_price: Decimal
    held: str = ""  # why the guard holds it (not applied)
    at_floor: bool = False


def bulk_match_plan(*, listings, strategy: str = "match", beat_by=None) -> list[PlannedChange]:
    """What "match the price to win" (or beat it by `beat_by`) would set on each losing listing,
    never below its floor: one buy-box query for all, two for the guard. Listings that win, or
    whose floor is above the price to win, are left out."""
    listings = list(listings)[:BULK_MATCH_MAX]
    amount = _beat_by(beat_by) if strategy == "beat" else None
    positions = buy_box_positions(listings)
    planned = []
    for listing in listings:
        position = positions[listing.pk]
        win = position.price_to_win
        if position.is_winning or position.own_listing_wins or win is None:
            continue
        floor = listing.floor_price
        if floor is not None and floor > win:
            continue
        price = win - amount if amount else win
        at_floor = floor is not None and price <= floor
        if at_floor:
            price = floor
        if price >= listing.price or price < CENT:
            continue
        planned.append(PlannedChange(listing, price, position.winner_price, at_floor=at_floor))
    held = low_prices([(change.listing.pk, change.listing.product_id, change.listing.grade, change.new_price)
                       for change in planned])
    return [PlannedChange(c.listing, c.new_price, c.competitor_price, held.get(c.listing.pk, ""), c.at_floor)
            for c in planned]


def bulk_match_apply(*, listings, confirmed: dict[int, Decimal], strategy: str = "match",
                     beat_by=None) -> tuple[int, int]:
    """Applies the planned changes the seller saw and confirmed (listing id → price shown); a
    change whose price moved since the preview, or held by the guard, is skipped. Returns
    (applied, skipped)."""
    plan = {c.listing.pk: c for c in bulk_match_plan(listings=listings, strategy=strategy, beat_by=beat_by)}
    applied = skipped = 0
    for pk, price in confirmed.items():
        change = plan.get(pk)
        if change is None or change.held or change.new_price != price:
            skipped += 1
            continue
        target = Target(change.new_price, strategy, change.competitor_price)
        if price_change_apply(listing=change.listing, target=target, source=PriceChange.Source.BULK):
            applied += 1
        else:
            skipped += 1
    return applied, skipped
