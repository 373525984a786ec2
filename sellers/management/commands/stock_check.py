"""`manage.py stock_check`: proves the stock ledger; exits non-zero on any mismatch."""
from django.core.management.base import BaseCommand, CommandError

from sellers.ledger.checks import stock_mismatches
from sellers.models import Listing


class Command(BaseCommand):
    help = ("Checks every listing: quantity and allocated equal the sums of its stock movements, and "
            "allocated equals the units held by live orders (awaiting payment, paid, accepted).")

    def handle(self, *args, **options):
        mismatches = stock_mismatches()
        for mismatch in mismatches:
            self.stdout.write(mismatch.describe())
        if mismatches:
            raise CommandError(f"{len(mismatches)} listing(s) do not match their stock ledger.")
        self.stdout.write(f"Stock ledger OK: {Listing.objects.count()} listings checked.")
