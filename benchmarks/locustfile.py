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

Each kind of user is a module of benchmarks/locust_users/ (shopper, sellers, integrator, with what
they share in base and outcomes); this file gathers them for locust.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# locust runs the User classes it finds here (dispatched by name); outcomes writes the results.
from benchmarks.locust_users import outcomes  # noqa: E402, F401
from benchmarks.locust_users.integrator import Integrator  # noqa: E402
from benchmarks.locust_users.sellers import SellerApi, SellerCsv  # noqa: E402
from benchmarks.locust_users.shopper import Shopper  # noqa: E402

__all__ = ["Integrator", "SellerApi", "SellerCsv", "Shopper"]
