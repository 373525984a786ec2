"""`manage.py buybox_refresh`: stores the buy boxes again, or proves the stored ones (`--check`)."""
from django.core.management.base import BaseCommand, CommandError

from sellers.selectors import buy_box_standings_differences, buy_box_standings_refresh


class Command(BaseCommand):
    help = ("Store the buy box of every product × grade again (--all) or of the products given, as the "
            "buy-box selector ranks the offers now; with --check, compare the stored boxes with the rule "
            "applied from scratch and exit non-zero on any difference, writing nothing.")

    def add_arguments(self, parser):
        parser.add_argument("product_ids", nargs="*", type=int, help="product ids (all with --all)")
        parser.add_argument("--all", action="store_true", help="every product")
        parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")

    def handle(self, *args, product_ids, **options):
        if not product_ids and not options["all"]:
            raise CommandError("Give product ids, or --all.")
        ids = None if options["all"] else product_ids
        if options["check"]:
            differences = buy_box_standings_differences(product_ids=ids)
            for line in differences:
                self.stdout.write(line)
            if differences:
                raise CommandError(f"{len(differences)} stored buy box(es) differ from the rule; "
                                   "`manage.py buybox_refresh --all` stores them again.")
            self.stdout.write("Stored buy boxes OK.")
            return
        boxes = buy_box_standings_refresh(product_ids=ids)
        self.stdout.write(f"{boxes} buy boxes stored.")
