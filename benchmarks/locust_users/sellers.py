"""The sellers: one syncing its stock through the API, one uploading its stock file in the back office."""
from __future__ import annotations

import time

from locust import task

from benchmarks.locust_users.base import FIXTURE, ApiUser, MarketplaceUser, fixed_count, thinking
from benchmarks.locust_users.outcomes import outcome


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
