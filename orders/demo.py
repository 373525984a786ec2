"""Demo orders (none yet: the checkout issue adds them)."""


def seed_orders(*, users: dict, sellers: dict) -> None:
    return None
