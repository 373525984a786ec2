"""What every part of the generated marketplace shares: its fixed clock, its row counts per scale,
the people and places it names, slugs and prices as text."""
from __future__ import annotations

from datetime import UTC, datetime

FULL_SCALE = {"products": 10_000, "models": 2_000, "sellers": 500, "listings": 200_000,
              "orders": 50_000, "shoppers": 20_000}
BENCH_SELLER_SLUG = "bench-refurb-lab"
BENCH_SELLER_EMAIL = "seller0@bench.test"
BENCH_SHOPPER_EMAIL = "shopper0@bench.test"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # fixed, so two runs write the same rows

CITIES = [("75011", "Paris"), ("69002", "Lyon"), ("13001", "Marseille"), ("31000", "Toulouse"),
          ("33000", "Bordeaux"), ("59000", "Lille"), ("44000", "Nantes"), ("67000", "Strasbourg")]
FIRST = ["Alex", "Camille", "Jules", "Léa", "Hugo", "Manon", "Louis", "Chloé", "Noah", "Inès",
         "Lucas", "Emma", "Arthur", "Zoé", "Nathan", "Sarah", "Paul", "Jeanne", "Tom", "Alice"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
        "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Roux", "Fournier", "Girard"]


def scaled(scale: float) -> dict[str, int]:
    """The row counts for a scale; a floor keeps tiny scales meaningful."""
    floors = {"products": 10, "models": 3, "sellers": 5, "listings": 40, "orders": 10, "shoppers": 5}
    counts = {name: max(floors[name], round(n * scale)) for name, n in FULL_SCALE.items()}
    counts["models"] = min(counts["models"], counts["products"])
    return counts


def slugify(text: str) -> str:
    out = []
    for ch in text.lower():
        out.append(ch if ch.isalnum() and ch.isascii() else "-")
    return "-".join(part for part in "".join(out).split("-") if part)


def cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"
