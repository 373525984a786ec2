"""What every simulated user shares: the fixture the runner wrote, one loopback address each, think
times, logging in, and (for API users) an account's key and idempotent writes."""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from pathlib import Path

from locust import HttpUser
from requests.adapters import HTTPAdapter

from benchmarks.locust_users.outcomes import outcome

FIXTURE = (
    json.loads(Path(os.environ["LOAD_TEST_FIXTURE"]).read_text())
    if os.environ.get("LOAD_TEST_FIXTURE")
    else None
)
_numbers = itertools.count(1)
_lock = threading.Lock()

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _next_number() -> int:
    with _lock:
        return next(_numbers)


class SourceAddressAdapter(HTTPAdapter):
    """Connections from one loopback address (the whole 127.0.0.0/8 reaches the local server)."""

    def __init__(self, address: str, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def fixed_count(user_class: str) -> int:
    """How many of this kind the fixture asks for whatever the user count (0: by weight); the smoke
    test runs one of each kind of user beside the shoppers."""
    return (FIXTURE or {}).get("fixed_counts", {}).get(user_class, 0)


def thinking(low: float, high: float):
    """A locust wait_time: seconds a person spends on a page before the next action, scaled by the
    fixture's think_scale (below 1 presses harder than people do)."""

    def wait_time(user) -> float:
        return user.rng.uniform(low, high) * FIXTURE["think_scale"]

    return wait_time


def pick_weighted(items: list, rng: random.Random):
    """Popular things first: item i is chosen with weight 1/(i+1) (a Zipf-like spread)."""
    return rng.choices(items, weights=[1 / (i + 1) for i in range(len(items))])[0]


def typo(text: str, rng: random.Random) -> str:
    """One letter dropped, as people type."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 4:
        return text
    drop = rng.choice(letters[1:])
    return text[:drop] + text[drop + 1 :]


class MarketplaceUser(HttpUser):
    abstract = True

    def on_start(self):
        self.number = _next_number()
        self.rng = random.Random(f"{FIXTURE['seed']}-{type(self).__name__}-{self.number}")
        address = f"127.1.{self.number // 250}.{self.number % 250 + 1}"
        adapter = SourceAddressAdapter(address)
        self.client.mount("http://", adapter)
        self.client.headers["Accept-Language"] = "en"

    def think(self, low: float, high: float) -> None:
        """A pause inside a task: reading the cart, typing an address or a card number."""
        time.sleep(self.rng.uniform(low, high) * FIXTURE["think_scale"])

    def csrf_from(self, response) -> str:
        match = CSRF_RE.search(response.text)
        return match.group(1) if match else self.client.cookies.get("csrftoken", "")

    def login(self, email: str, password: str) -> bool:
        page = self.client.get("/accounts/login/", name="GET /accounts/login/")
        with self.client.post(
            "/accounts/login/",
            name="POST /accounts/login/",
            catch_response=True,
            data={"csrfmiddlewaretoken": self.csrf_from(page), "login": email, "password": password},
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {email} answered {response.status_code}, not a redirect")
                return False
        return True


class ApiUser(MarketplaceUser):
    abstract = True
    role = ""

    def on_start(self):
        super().on_start()
        accounts = FIXTURE[self.role]
        self.account = accounts[(self.number - 1) % len(accounts)]
        self.client.headers["Authorization"] = f"Bearer {self.account['api_key']}"
        self.since = FIXTURE["started_at"]

    def api_write(self, method: str, url: str, *, name: str, json_body: dict, expected: dict[int, str]):
        """A write with an idempotency key; the statuses in `expected` are outcomes, not errors."""
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        with self.client.request(
            method, url, json=json_body, name=name, headers=headers, catch_response=True
        ) as response:
            if response.status_code in expected:
                response.success()
                outcome(f"{name} → {response.status_code} {expected[response.status_code]}")
                return None
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            return response.json()
