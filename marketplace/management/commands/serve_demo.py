"""`make run`'s server: Django's runserver whose banner ends with what a visitor needs, the address
and the demo accounts, instead of the framework's version and deployment warning."""
from django.conf import settings
from django.core.management.commands.runserver import Command as RunserverCommand

from marketplace.demo import DEMO_PASSWORD, SELLER_EMAIL, SHOPPER_EMAIL, STAFF_EMAIL


class Command(RunserverCommand):
    help = "Serve the demo (runserver) and print its address and demo accounts."

    def on_bind(self, server_port):
        from django.contrib.auth import get_user_model

        address = f"{self.protocol}://{self.addr}:{server_port}/"
        accounts = set(get_user_model().objects.filter(email__endswith="@refurb.test", is_active=True)
                       .values_list("email", flat=True))
        running = self.style.SUCCESS(f"Refurb Marketplace is running at {address}")
        lines = ["", f"{running}  (Ctrl-C stops it)"]
        if accounts:
            lines.append(f"Demo accounts, password {DEMO_PASSWORD}:")
            for email, where in ((STAFF_EMAIL, "admin/"), (SHOPPER_EMAIL, ""),
                                 (SELLER_EMAIL, "seller/")):
                if email in accounts:
                    lines.append(f"  {email:22} {address}{where}")
        if "OneLine" in settings.EMAIL_BACKEND:
            lines.append("E-mails the site sends are shown here, one line each.")
        self.stdout.write("\n".join(lines))
