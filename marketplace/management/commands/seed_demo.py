"""Loads realistic demo data; running it again changes nothing that is already there."""
from django.conf import settings
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from catalog.demo import seed_catalog
from marketplace.demo import DEMO_PASSWORD, seed_users
from orders.demo import seed_orders
from reviews.demo import seed_reviews
from sellers.demo import seed_sellers
from sellers.selectors import buy_box_standings_refresh
from tradein.demo import seed_trade_ins


class Command(BaseCommand):
    help = "Load demo catalog, sellers, listings and accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-demo-users", action="store_true",
            help="Create the demo accounts (published passwords) even when DEBUG is off.",
        )

    def handle(self, *args, allow_demo_users: bool = False, **options):
        if not (settings.ALLOW_DEMO_USERS or allow_demo_users):
            raise CommandError(
                "Demo accounts have published passwords: run with DEBUG on, ALLOW_DEMO_USERS=1, "
                "or --allow-demo-users."
            )
        # The demo orders' e-mails (confirmations, shipping notices…) would fill the console that
        # `make run` prints: on a console backend they are kept in memory and only counted.
        quiet = "console" in settings.EMAIL_BACKEND.lower()
        outbox = getattr(mail, "outbox", None)
        backend = "django.core.mail.backends.locmem.EmailBackend" if quiet else settings.EMAIL_BACKEND
        with override_settings(EMAIL_BACKEND=backend):
            if quiet:
                mail.outbox = []
            with transaction.atomic():
                users = seed_users()
                catalog = seed_catalog()
                sellers = seed_sellers(users=users, catalog=catalog)
                seed_orders(users=users, sellers=sellers)
                seed_reviews(users=users, sellers=sellers)
                seed_trade_ins(users=users, sellers=sellers, catalog=catalog)
            # Every buy box stored as the demo left it (some demo rows are written without the services).
            buy_box_standings_refresh()
            kept = len(mail.outbox) if quiet else 0
        if quiet:
            if outbox is None:
                del mail.outbox
            else:
                mail.outbox = outbox
        if options["verbosity"] == 0:
            return
        self.stdout.write(self.style.SUCCESS("Demo data is ready.")
                          + (f" ({kept} e-mails of the demo orders were not printed.)" if kept else ""))
        for role, user in users.items():
            self.stdout.write(f"  {role:8} {user.email} / {DEMO_PASSWORD}")
