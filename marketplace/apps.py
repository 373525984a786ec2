"""Site-wide plumbing: health check, demo data command, money formatting, layout context, CSRF tokens'
randomness."""
from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = "Marketplace"

    def ready(self) -> None:
        from .csrf import use_for_csrf
        from .history import register_audited_models

        register_audited_models()
        use_for_csrf()
