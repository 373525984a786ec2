"""The integrator: an order-management system reading a seller's orders and accepting the paid ones."""
from __future__ import annotations

from locust import task

from benchmarks.locust_users.base import ApiUser, fixed_count, thinking
from benchmarks.locust_users.outcomes import outcome


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
