"""The home page right after an offer change, beside the bare view of the same run (in-process).

An offer change is what `catalog.cache.products_changed` does to the cache for one product; its
store of the buy boxes (a write) is left out, so the generated database is only read:
`DATABASE_URL=postgres://…/bench_h5 python benchmarks/home_page.py --iterations 5`.
Each timed home request alternates with a bare-view request, so both see the same load.
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    from django.conf import settings

    settings.CACHES["default"]["KEY_PREFIX"] = os.environ.get("CACHE_KEY_PREFIX", "mkt-bench") + "-home"
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    import sellers.buybox_watch
    import sellers.selectors
    from catalog import cache as catalog_cache
    from catalog.models import Product

    # Only the cache's side of an offer change: the database stays as generated.
    sellers.selectors.buy_box_standings_refresh = lambda **kwargs: 0
    sellers.buybox_watch.boxes_changed = lambda ids: None
    setup_test_environment()  # the template context of a response, for the cards shown
    cache.clear()
    client = Client()
    home = client.get("/")
    assert home.status_code == 200
    shown = [m.pk for m in home.context["deals"] + home.context["popular"]]
    shown_product = Product.objects.filter(model_id=shown[0]).values_list("pk", flat=True).first()
    unshown_product = Product.objects.exclude(model_id__in=shown).values_list("pk", flat=True).first()

    def timed(url):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, url
        return elapsed, len(queries.captured_queries)

    cases = {"warm": None, "after a change on a shown product": shown_product,
             "after a change on an unshown product": unshown_product}
    results = {}
    for name, product_id in cases.items():
        homes, bares, queries = [], [], 0
        for _ in range(args.iterations):
            client.get("/")  # warm
            if product_id is not None:
                catalog_cache.products_changed([product_id])
            ms, queries = timed("/")
            homes.append(ms)
            bares.append(timed("/__bench__/bare/")[0])
        home_ms, bare_ms = statistics.median(homes), statistics.median(bares)
        results[name] = {"home_ms": round(home_ms, 1), "bare_ms": round(bare_ms, 1),
                         "ratio": round(home_ms / bare_ms, 1), "queries": queries}
        print(f"{name}: home {home_ms:.1f} ms ({queries} queries), bare {bare_ms:.1f} ms, "
              f"×{home_ms / bare_ms:.1f}")
    print(json.dumps({"label": args.label, "load": os.getloadavg(), "results": results}))


if __name__ == "__main__":
    main()
