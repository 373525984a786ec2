"""Stops with a clear message when PostgreSQL or Redis, which the test suite needs, is down."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from marketplace.health import check_redis


class Command(BaseCommand):
    help = "Check that the configured database server and Redis answer."

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        connection = connections["default"]
        try:
            # The test database does not exist yet: ask the server, not the named database.
            with connection._nodb_cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:
            raise CommandError(
                f"The database server ({db['ENGINE']} at {db.get('HOST') or db['NAME']}) "
                f"is not reachable: {exc}. Start it, or set DATABASE_URL."
            ) from exc
        if error := check_redis():
            raise CommandError(f"Redis at {settings.REDIS_URL} is not reachable: {error}. "
                               "Start it, or set REDIS_URL.")
        self.stdout.write("Database and Redis answer.")
