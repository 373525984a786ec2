"""Creates (or brings up to date) the staff groups and their permissions; safe to run again.

- Catalog editors: the catalog (categories, brands, device models, products, images); they see
  listings to check offers against the catalog.
- Customer care: orders, seller orders, returns and shoppers' addresses; they see sellers and
  listings, and may change orders (cancel, refund through the admin actions).
- Finance: payments, refunds, payouts and sellers' commission rates; everything else read-only.

Add a staff user to a group in the admin (Users › groups). Superusers need no group.
"""
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

VIEW, CHANGE, ADD, DELETE = "view", "change", "add", "delete"
ALL = (VIEW, CHANGE, ADD, DELETE)

# group -> {"app.model": actions}. Models that do not exist (yet) are skipped.
GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "Catalog editors": {
        "catalog.category": ALL, "catalog.brand": ALL, "catalog.productmodel": ALL,
        "catalog.product": ALL, "catalog.productimage": ALL,
        "sellers.listing": (VIEW,), "sellers.seller": (VIEW,),
    },
    "Customer care": {
        "orders.order": (VIEW, CHANGE), "orders.sellerorder": (VIEW, CHANGE),
        "orders.orderline": (VIEW,), "orders.returnrequest": (VIEW, CHANGE),
        "orders.refund": (VIEW,), "orders.payment": (VIEW,), "orders.address": (VIEW,),
        "orders.sellerordertransition": (VIEW,), "orders.returntransition": (VIEW,),
        "sellers.seller": (VIEW,), "sellers.listing": (VIEW,), "sellers.sellermember": (VIEW,),
        "account.emailaddress": (VIEW,), "auth.user": (VIEW,),
        # Trade-ins: arbitrate a disputed counter-offer (an admin action).
        "tradein.tradein": (VIEW, CHANGE), "tradein.tradeintransition": (VIEW,),
        "tradein.tradeinoffer": (VIEW,), "tradein.tradeinquote": (VIEW,),
    },
    "Finance": {
        "orders.payment": (VIEW,), "orders.refund": (VIEW, ADD, CHANGE), "orders.payout": (VIEW, CHANGE),
        "orders.payoutentry": (VIEW,), "orders.order": (VIEW,), "orders.sellerorder": (VIEW,),
        "sellers.seller": (VIEW, CHANGE),
        # Trade-ins: mark the shopper's payout sent with the transfer's reference (an admin action).
        "tradein.shopperpayout": (VIEW, CHANGE), "tradein.tradein": (VIEW, CHANGE),
    },
}


def permissions_for(spec: dict[str, tuple[str, ...]]) -> list[Permission]:
    wanted = set()
    for label, actions in spec.items():
        app_label, model = label.split(".")
        wanted |= {(app_label, f"{action}_{model}") for action in actions}
    found = Permission.objects.select_related("content_type").filter(
        codename__in={codename for _app, codename in wanted})
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


class Command(BaseCommand):
    help = "Create or update the staff groups: catalog editors, customer care, finance."

    def handle(self, *args, **options):
        for name, spec in GROUPS.items():
            group, created = Group.objects.get_or_create(name=name)
            permissions = permissions_for(spec)
            group.permissions.set(permissions)
            self.stdout.write(f"{'Created' if created else 'Updated'} {name}: "
                              f"{len(permissions)} permissions")
