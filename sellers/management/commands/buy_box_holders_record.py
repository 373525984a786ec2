"""Records who holds every buy box now, without notices: run once when the buy-box watch is first
deployed, so its first run does not tell every seller "won" for boxes they already held."""
from django.core.management.base import BaseCommand

from catalog.models import Product
from sellers.buybox_watch import box_changes_detect

CHUNK = 1000


class Command(BaseCommand):
    help = "Record the current holder of every buy box (product × grade), sending no notice."

    def handle(self, *args, **options):
        ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
        recorded = 0
        for start in range(0, len(ids), CHUNK):
            recorded += len(box_changes_detect(ids[start:start + CHUNK], notify=False))
        self.stdout.write(f"{recorded} buy-box holders recorded.")
