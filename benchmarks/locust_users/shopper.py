"""The shopper: browses, searches and, one action in seven, buys through checkout and the test
provider's payment page."""
from __future__ import annotations

import re

from locust import task

from benchmarks.locust_users.base import FIXTURE, MarketplaceUser, pick_weighted, thinking, typo
from benchmarks.locust_users.outcomes import outcome

LISTING_RE = re.compile(r'name="listing" value="(\d+)"')
REVIEWED_RE = re.compile(r'name="reviewed" value="([^"]+)"')
SAVED_ADDRESS_RE = re.compile(r'name="saved_address" value="(\d+)"')
ORDER_URL_RE = re.compile(r"/orders/([A-Za-z0-9-]+)/$")
SUCCESS_CARD, DECLINE_CARD = "4242424242424242", "4000000000000002"


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
