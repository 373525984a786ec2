from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradeinConfig(AppConfig):
    name = "tradein"
    verbose_name = _("Trade-in")

    def ready(self):
        # The bulk CSV of trade-in offers is a kind of file of the stock import machinery.
        from sellers.stock_sync.kinds import file_kind_register

        from .offer_import import OFFER_FILE_KIND

        file_kind_register(OFFER_FILE_KIND)
