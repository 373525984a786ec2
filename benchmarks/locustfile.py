"""The load test's users, as they behave: shoppers, sellers syncing stock, an integrator.

Run by benchmarks/load_test.py (which starts gunicorn and a Celery worker, generates the data and
writes the fixture this file reads); alone:

    LOAD_TEST_FIXTURE=/path/fixture.json locust -f benchmarks/locustfile.py --headless \
        -u 50 -r 5 -t 120s --host http://127.0.0.1:8105

- **Shopper** (most users): the home page, categories with and without filters, search (a typo
  now and then), product pages, the search suggestions; one action in seven buys: add to cart,
  cart, delivery (a saved address or a new one), review, place the order, pay on the test
  provider's page (one card in twenty is declined; half of those shoppers cancel), and the order
  page must then say paid. A third of the shoppers are returning customers whose browser kept
  their session (saved addresses, their own cart), one in twenty logs in with a password, the
  others check out as guests.
- **Seller, by API**: pages through its listings with the cursor, sets a few quantities one by one
  (PATCH) and a hundred at once (bulk), and syncs what changed since the run started.
- **Seller, by CSV**: logs in to the back office, uploads a file of 200–2,000 SKUs with new
  quantities, and follows the import's progress until the worker has applied it.
- **Integrator**: reads its seller's orders through the API incrementally (`updated_since`, then
  each `next_cursor`), opens some, and accepts the paid ones.

Each simulated user comes from its own loopback address (127.1.x.y), as each shopper has their
own address in production: the per-address limits (login, checkout) hold as they are, with no
setting loosened for the test.

Answers the app gives on purpose are counted as outcomes (written with the statistics to
$LOAD_TEST_RESULT as JSON when the run stops), never as errors and never hidden: the last unit
bought by someone else at checkout, a quantity below what orders hold (422), an order another
call accepted first (409). Anything else that is not the expected answer is a failure in locust's
statistics, and so is an exception in a user's code.

Think times are those of people (`thinking`, `MarketplaceUser.think`): a shopper reads a page for
3–12 s and types an address for 5–15 s. The fixture's think_scale multiplies them all.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from locust import HttpUser, events, task
from requests.adapters import HTTPAdapter

FIXTURE = (
    json.loads(Path(os.environ["LOAD_TEST_FIXTURE"]).read_text())
    if os.environ.get("LOAD_TEST_FIXTURE")
    else None
)
OUTCOMES: Counter = Counter()
_numbers = itertools.count(1)
_lock = threading.Lock()

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LISTING_RE = re.compile(r'name="listing" value="(\d+)"')
REVIEWED_RE = re.compile(r'name="reviewed" value="([^"]+)"')
SAVED_ADDRESS_RE = re.compile(r'name="saved_address" value="(\d+)"')
ORDER_URL_RE = re.compile(r"/orders/([A-Za-z0-9-]+)/$")
SUCCESS_CARD, DECLINE_CARD = "4242424242424242", "4000000000000002"


def outcome(name: str) -> None:
    """An answer the app gives on purpose (sold out, below allocated…): counted, not an error."""
    OUTCOMES[name] += 1


def _stats_row(entry, name: str | None = None) -> dict:
    percentile = entry.get_response_time_percentile
    return {
        "type": entry.method or "",
        "name": name or entry.name,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "requests_per_s": round(entry.total_rps, 2),
        "median_ms": percentile(0.5) if entry.num_requests else None,
        "p95_ms": percentile(0.95) if entry.num_requests else None,
        "p99_ms": percentile(0.99) if entry.num_requests else None,
        "max_ms": round(entry.max_response_time) if entry.num_requests else None,
        "average_ms": round(entry.avg_response_time, 1),
    }


@events.quitting.add_listener
def _write_results(environment, **_kwargs):
    """The final figures once every user has stopped (locust's CSV is written a moment earlier)."""
    path = os.environ.get("LOAD_TEST_RESULT")
    if not path:
        return
    stats = environment.stats
    Path(path).write_text(
        json.dumps(
            {
                "rows": [
                    *(_stats_row(entry) for entry in stats.entries.values()),
                    _stats_row(stats.total, "Aggregated"),
                ],
                "failures": [
                    {
                        "method": error.method,
                        "name": error.name,
                        "error": str(error.error),
                        "occurrences": error.occurrences,
                    }
                    for error in stats.errors.values()
                ]
                # An exception in the users' own code (a task that crashed) is an error too.
                + [
                    {
                        "method": "EXCEPTION",
                        "name": "user code",
                        "error": error["msg"],
                        "occurrences": error["count"],
                    }
                    for error in environment.runner.exceptions.values()
                ],
                "outcomes": dict(sorted(OUTCOMES.items())),
            },
            indent=2,
        )
    )


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


class Shopper(MarketplaceUser):
    weight = 90
    wait_time = thinking(3, 12)

    def on_start(self):
        super().on_start()
        shoppers, draw = FIXTURE["shoppers"], self.rng.random()
        self.logged_in = False
        if draw < shoppers["remembered_share"] and shoppers["sessions"]:
            # A returning shopper whose browser kept the session: no password typed.
            session = shoppers["sessions"][self.number % len(shoppers["sessions"])]
            self.client.cookies.set(shoppers["session_cookie"], session["key"])
            self.email, self.logged_in = session["email"], True
        elif draw < shoppers["remembered_share"] + shoppers["login_share"]:
            self.email = shoppers["email"].format(shoppers["first"] + self.number % shoppers["count"])
            self.logged_in = self.login(self.email, FIXTURE["password"])
        if not self.logged_in:
            self.email = f"guest-{FIXTURE['seed']}-{self.number}@load.test"

    def _model(self) -> dict:
        return pick_weighted(FIXTURE["models"], self.rng)

    def _product_page(self, model: dict):
        url = f"/p/{model['slug']}/"
        if model["variants"] and self.rng.random() < 0.5:
            url += f"?variant={self.rng.choice(model['variants'])}"
        return self.client.get(url, name="GET /p/[model]/")

    @task(2)
    def home(self):
        self.client.get("/", name="GET /")

    @task(3)
    def category(self):
        category = pick_weighted(FIXTURE["categories"], self.rng)
        params = {}
        if self.rng.random() < 0.4 and category["brands"]:
            params["brand"] = self.rng.sample(category["brands"], min(2, len(category["brands"])))
            params["grade"] = self.rng.sample(["premium", "excellent", "good", "fair"], 2)
        if self.rng.random() < 0.2:
            params["page"] = self.rng.randint(2, 4)
        name = "GET /c/[category]/?filters" if "brand" in params else "GET /c/[category]/"
        self.client.get(f"/c/{category['slug']}/", params=params, name=name)

    @task(3)
    def search(self):
        query = pick_weighted(FIXTURE["searches"], self.rng)
        if self.rng.random() < 0.2:
            query = typo(query, self.rng)
        if self.rng.random() < 0.5:
            # Typing first: the suggestions as the box fills (htmx).
            self.client.get(
                "/search/suggest/",
                params={"q": query[:4]},
                name="GET /search/suggest/",
                headers={"HX-Request": "true"},
            )
        self.client.get("/search/", params={"q": query}, name="GET /search/?q=")

    @task(3)
    def product(self):
        self._product_page(self._model())

    @task(1)
    def cart_page(self):
        self.client.get("/cart/", name="GET /cart/")

    @task((FIXTURE or {}).get("buy_weight", 2))  # the smoke test buys more often
    def buy(self):
        """A whole purchase, from the product page to the paid order's page."""
        page = self._product_page(self._model())
        listings = LISTING_RE.findall(page.text)
        if not listings:
            outcome("product page with nothing to buy")
            return
        with self.client.post(
            "/cart/add/",
            name="POST /cart/add/",
            catch_response=True,
            data={
                "listing": listings[0] if self.rng.random() < 0.7 else self.rng.choice(listings),
                "quantity": 1,
            },
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf_from(page)},
        ) as added:
            if added.status_code != 200:
                added.failure(f"cart add answered {added.status_code}")
                return
            if "message-success" not in added.text:
                added.success()
                outcome("cart add refused (sold out meanwhile)")
                return
        self.think(2, 6)
        self.client.get("/cart/", name="GET /cart/")
        self.think(2, 6)
        self.checkout()

    def checkout(self):
        delivery = self.client.get("/checkout/", name="GET /checkout/")
        if "/checkout/" not in delivery.url:
            outcome("checkout sent back to the cart (a line sold out)")
            return
        data = {
            "csrfmiddlewaretoken": self.csrf_from(delivery),
            "shipping_method": "express" if self.rng.random() < 0.2 else "standard",
        }
        saved = SAVED_ADDRESS_RE.findall(delivery.text)
        if saved:
            data["saved_address"] = saved[0]
        else:
            data.update(
                full_name=f"Load Shopper {self.number}",
                line1=f"{self.number} rue de la Paix",
                postal_code="75002",
                city="Paris",
                country="FR",
                phone="+33 1 23 45 67 89",
            )
            if self.logged_in:
                data["save_address"] = "on"
            else:
                data["email"] = self.email
        self.think(5, 15)  # the address, or choosing a saved one
        with self.client.post("/checkout/", data=data, name="POST /checkout/", catch_response=True) as review:
            if not review.url.endswith("/checkout/review/"):
                review.failure(f"the delivery step did not lead to the review (ended at {review.url})")
                return
        self.place_order(review)

    def place_order(self, review, *, again: bool = True):
        self.think(2, 6)
        token = REVIEWED_RE.search(review.text)
        data = {"csrfmiddlewaretoken": self.csrf_from(review), "reviewed": token.group(1) if token else ""}
        with self.client.post(
            "/checkout/review/",
            data=data,
            name="POST /checkout/review/ (place order)",
            allow_redirects=False,
            catch_response=True,
        ) as placed:
            where = placed.headers.get("Location", "")
            if placed.status_code != 302:
                placed.failure(f"placing the order answered {placed.status_code}")
                return
            if "/payments/test/" in where:
                pass
            elif where.endswith("/cart/"):
                outcome("order refused: a unit sold out at checkout")
                return
            elif where.endswith("/checkout/review/") and again:
                outcome("order sent back to the review: a price rose")
                review = self.client.get(where, name="GET /checkout/review/")
                self.place_order(review, again=False)
                return
            else:
                placed.failure(f"placing the order led to {where}")
                return
        self.pay(where)

    def pay(self, payment_url: str):
        page = self.client.get(payment_url, name="GET /payments/test/[ref]/")
        declined = self.rng.random() < 0.05
        self.think(5, 12)  # the card number
        if not declined:
            # Counted before the answer: a user stopped at the end of the run may not see it.
            outcome("success card submitted")
        with self.client.post(
            payment_url,
            name="POST /payments/test/[ref]/ (pay)",
            catch_response=True,
            data={
                "csrfmiddlewaretoken": self.csrf_from(page),
                "card_number": DECLINE_CARD if declined else SUCCESS_CARD,
            },
        ) as paid:
            number = ORDER_URL_RE.search(paid.url)
            if paid.status_code != 200 or not number:
                paid.failure(f"paying did not lead to the order page ({paid.status_code} at {paid.url})")
                return
            if declined:
                if "status-failed" not in paid.text:
                    paid.failure("a declined card did not say so on the order page")
                    return
                outcome("payment declined (test card)")
            elif "status-paid" not in paid.text:
                paid.failure(f"order {number.group(1)} is not paid after a successful card")
                return
            else:
                outcome("order paid")
        if declined and self.rng.random() < 0.5:
            self.client.post(
                f"/orders/{number.group(1)}/cancel/",
                name="POST /orders/[number]/cancel/",
                data={"csrfmiddlewaretoken": self.csrf_from(paid)},
            )
            outcome("declined order cancelled by the shopper")


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


class SellerApi(ApiUser):
    """A seller's stock system syncing through the API."""

    weight = 4
    fixed_count = fixed_count("SellerApi")
    wait_time = thinking(2, 10)
    role = "api_sellers"

    def on_start(self):
        super().on_start()
        self.listings: list[dict] = []

    @task(2)
    def read_listings(self):
        cursor = "start"
        for _page in range(self.rng.randint(1, 3)):
            response = self.client.get(
                "/api/v1/listings",
                params={"cursor": cursor, "limit": 100},
                name="GET /api/v1/listings?cursor",
            )
            if response.status_code != 200:
                return
            body = response.json()
            self.listings = [item for item in body["items"] if not item["archived"]] or self.listings
            if not body["has_more"]:
                return
            cursor = body["next_cursor"]

    @task(3)
    def set_quantities(self):
        if not self.listings:
            return self.read_listings()
        for item in self.rng.sample(self.listings, min(3, len(self.listings))):
            # What the warehouse counted: at least the units orders hold when the page was read.
            self.api_write(
                "PATCH",
                f"/api/v1/listings/{item['id']}",
                name="PATCH /api/v1/listings/[id]",
                json_body={"quantity": item["allocated"] + self.rng.randint(0, 12)},
                expected={422: "quantity below the units orders hold"},
            )

    @task(2)
    def bulk(self):
        if not self.listings:
            return self.read_listings()
        items = [
            {"sku": item["sku"], "quantity": item["allocated"] + self.rng.randint(0, 12)}
            for item in self.rng.sample(self.listings, min(100, len(self.listings)))
        ]
        body = self.api_write(
            "POST",
            "/api/v1/listings/bulk",
            name="POST /api/v1/listings/bulk",
            json_body={"items": items},
            expected={},
        )
        for result in (body or {}).get("items", []):
            if result.get("status") not in ("updated", "unchanged"):
                outcome(f"bulk item {result.get('status')}: {', '.join(result.get('errors', {}))}")

    @task(1)
    def changed_since(self):
        self.client.get(
            "/api/v1/listings",
            params={"cursor": "start", "updated_since": self.since, "limit": 100},
            name="GET /api/v1/listings?updated_since",
        )


class SellerCsv(MarketplaceUser):
    """A seller uploading its stock file in the back office."""

    weight = 2
    fixed_count = fixed_count("SellerCsv")
    wait_time = thinking(10, 30)

    def on_start(self):
        super().on_start()
        accounts = FIXTURE["csv_sellers"]
        self.account = accounts[(self.number - 1) % len(accounts)]
        self.logged_in = self.login(self.account["email"], FIXTURE["password"])

    @task(1)
    def dashboard(self):
        self.client.get("/seller/", name="GET /seller/")
        self.client.get("/seller/listings/", name="GET /seller/listings/")

    @task(2)
    def upload(self):
        page = self.client.get("/seller/stock/", name="GET /seller/stock/")
        skus = self.rng.sample(
            self.account["skus"], min(len(self.account["skus"]), self.rng.randint(200, 2000))
        )
        # Quantities the warehouse counted, above what orders could hold.
        lines = ["sku,quantity", *(f"{sku},{self.rng.randint(4, 40)}" for sku in skus)]
        files = {"file": ("stock.csv", ("\n".join(lines) + "\n").encode(), "text/csv")}
        with self.client.post(
            "/seller/stock/",
            name="POST /seller/stock/ (upload)",
            files=files,
            data={"csrfmiddlewaretoken": self.csrf_from(page), "sheet": ""},
            catch_response=True,
        ) as uploaded:
            if "/seller/stock/imports/" not in uploaded.url:
                uploaded.failure(
                    f"the upload did not open its import ({uploaded.status_code} at {uploaded.url})"
                )
                return
        progress_url = uploaded.url.rstrip("/") + "/progress/"
        deadline = time.monotonic() + FIXTURE["import_timeout_s"]
        while time.monotonic() < deadline:
            with self.client.get(
                progress_url,
                name="GET /seller/stock/imports/[pk]/progress/",
                headers={"HX-Request": "true"},
                catch_response=True,
            ) as progress:
                if progress.status_code != 200:
                    progress.failure(f"progress answered {progress.status_code}")
                    return
                if 'hx-trigger="every 1s"' not in progress.text:
                    if "badge-danger" in progress.text:
                        progress.failure("the stock import failed")
                    else:
                        outcome("stock import applied")
                        if "stock-failed" in progress.text:
                            outcome("stock import with failed rows")
                    return
            time.sleep(1)
        outcome("stock import still running when the seller stopped watching")


class Integrator(ApiUser):
    """An order-management system reading a seller's orders and accepting the paid ones."""

    weight = 4
    fixed_count = fixed_count("Integrator")
    wait_time = thinking(2, 8)
    role = "integrators"

    def on_start(self):
        super().on_start()
        self.orders: list[dict] = []

    @task(4)
    def sync(self):
        cursor, newest = "start", self.since
        for _page in range(5):
            response = self.client.get(
                "/api/v1/orders/",
                params={"cursor": cursor, "limit": 50, "updated_since": self.since},
                name="GET /api/v1/orders/?updated_since",
            )
            if response.status_code != 200:
                return
            body = response.json()
            self.orders = (body["items"] + self.orders)[:200]
            newest = max([newest, *(item["updated_at"] for item in body["items"])])
            if not body["has_more"]:
                break
            cursor = body["next_cursor"]
        self.since = newest

    @task(2)
    def recent(self):
        response = self.client.get(
            "/api/v1/orders/", params={"cursor": "start", "limit": 50}, name="GET /api/v1/orders/?cursor"
        )
        if response.status_code == 200 and not self.orders:
            self.orders = response.json()["items"]

    @task(2)
    def one(self):
        if self.orders:
            self.client.get(
                f"/api/v1/orders/{self.rng.choice(self.orders)['id']}", name="GET /api/v1/orders/[id]"
            )

    @task(2)
    def accept(self):
        paid = [item for item in self.orders if item["state"] == "paid"]
        if not paid:
            return
        order = self.rng.choice(paid)
        body = self.api_write(
            "POST",
            f"/api/v1/orders/{order['id']}/accept",
            name="POST /api/v1/orders/[id]/accept",
            json_body={},
            expected={409: "no longer paid (accepted or cancelled first)"},
        )
        order["state"] = body["state"] if body else "unknown"
        if body:
            outcome("seller order accepted")
