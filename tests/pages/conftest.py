import pytest

from pages.models import Page, PageTranslation
from pages.seed import pages_seed


@pytest.fixture(autouse=True)
def shop_pages(db):
    """The pages migration 0002 seeds: made again when a transactional test has emptied the tables."""
    pages_seed(Page, PageTranslation)
