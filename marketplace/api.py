"""The seller API under /api/v1/, assembled in one place: the NinjaAPI of sellers.api (its key auth
and error handlers) with the listings, the stock ledger (sellers.api_movements) and the orders
(orders.api) routers. The apps do not import each other's API."""
from orders.api import router as orders_router
from orders.api_returns import router as returns_router
from sellers.api import api
from sellers.api_movements import router as movements_router
from sellers.api_performance import router as performance_router
from sellers.api_products import router as products_router
from sellers.api_types import forbid_unknown_query_parameters
from sellers.api_webhooks import router as webhooks_router
from tradein.api import router as trade_in_router

api.add_router("/", movements_router)
api.add_router("/", performance_router)  # the scorecard and reviews (read only)
api.add_router("/", products_router)  # the catalog with the best price per grade (read only)
forbid_unknown_query_parameters(webhooks_router)
api.add_router("/", webhooks_router)  # the seller's webhook endpoints (sellers.webhooks)
# Orders (accept, refuse, ship) live with the orders app; the same key auth and error handlers apply.
forbid_unknown_query_parameters(orders_router)
api.add_router("/orders/", orders_router)
forbid_unknown_query_parameters(trade_in_router)
api.add_router("/trade-in/", trade_in_router)  # buying offers and the devices heading to the seller
forbid_unknown_query_parameters(returns_router)
api.add_router("/", returns_router)  # returns: accept, mark received, refuse (orders.fulfilment)

__all__ = ["api"]
