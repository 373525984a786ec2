"""The audit trail: who changed what on sellers, listings, orders and refunds.

django-simple-history keeps a historical row for every save made through the ORM (the user comes
from HistoryRequestMiddleware in requests, and is empty for workers and commands). Models are
registered here rather than in each app's models.py so that one module lists what is audited;
the historical tables live in each model's own app (see its migrations).
"""
from contextlib import suppress

from django.apps import apps
from simple_history import register
from simple_history.exceptions import MultipleRegistrationsError

AUDITED_MODELS = [
    "sellers.Seller",
    "sellers.Listing",
    "orders.Order",
    "orders.SellerOrder",
    "orders.ReturnRequest",
    "orders.Refund",
]


def register_audited_models() -> None:
    for label in AUDITED_MODELS:
        # ready() may run twice (e.g. in some test runners).
        with suppress(MultipleRegistrationsError):
            register(apps.get_model(label), app=label.split(".")[0])
