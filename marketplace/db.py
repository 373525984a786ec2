"""Which database a read should use."""
from django.conf import settings


def reporting_db() -> str:
    """The replica for reports that tolerate replication lag; the primary otherwise.

    Pages that show stock or prices always read the primary, so a change is visible on the
    very next request.
    """
    return "replica" if "replica" in settings.DATABASES else "default"
