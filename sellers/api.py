"""The seller REST API (django-ninja), mounted under /api/v1/."""
from ninja import NinjaAPI

api = NinjaAPI(
    title="Refurb seller API",
    version="1.0.0",
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    description="Keep your listings' stock and prices true from your own systems.",
)
