"""`manage.py stock_check`: proves the stock ledger; exits non-zero on any mismatch."""
from django.core.management.base import BaseCommand, CommandError

from sellers.ledger.checks import stock_mismatches, stock_orphan_movements
from sellers.models import Listing


class Command(BaseCommand):
    help = ("Checks every listing: quantity and allocated equal the sums of its stock movements, and "
            "allocated equals the units held by live orders (awaiting payment, paid, accepted); and no "
            "movement names a listing that does not exist.")

    def handle(self, *args, **options):
        mismatches = stock_mismatches()
        for mismatch in mismatches:
            self.stdout.write(mismatch.describe())
        orphans = stock_orphan_movements()
        for listing_id, count in orphans:
            self.stdout.write(f"{count} movement(s) of listing {listing_id}, which does not exist")
        if mismatches or orphans:
            raise CommandError(f"{len(mismatches)} listing(s) do not match their stock ledger; "
                               f"{len(orphans)} missing listing(s) have movements.")
        self.stdout.write(f"Stock ledger OK: {Listing.objects.count()} listings checked.")
