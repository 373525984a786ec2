"""marketplace.prepared: a queryset compiled once, run again with other values, returns what the
queryset returns (instances, their related rows and annotations, values_list rows), on PostgreSQL."""
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Window
from django.test.utils import CaptureQueriesContext

from catalog.models import ProductModel
from marketplace.prepared import Prepared
from sellers.models import Listing
from sellers.selectors import offers_ranked
from tests.factories import ListingFactory, ProductFactory, ProductModelFactory

pytestmark = pytest.mark.django_db


def _ranked(product, grade):
    return offers_ranked().annotate(box_offers=Window(Count("pk"))).filter(product_id=product, grade=grade)


def test_a_prepared_query_returns_what_its_queryset_returns_for_each_set_of_values():
    products = [ProductFactory(), ProductFactory()]
    for i, product in enumerate(products):
        for price in ("310.00", "299.00", "305.50")[: i + 2]:
            ListingFactory(product=product, grade="good", price=Decimal(price))
    ListingFactory(product=products[0], grade="fair", price=Decimal("200.00"))
    prepared = Prepared(_ranked, product=-1, grade="placeholder-grade")
    for product in products:
        for grade in ("good", "fair", "premium"):
            expected = list(_ranked(product.pk, grade))
            got = prepared(product=product.pk, grade=grade)
            assert [o.pk for o in got] == [o.pk for o in expected]
            for mine, theirs in zip(got, expected, strict=True):
                assert (mine.price, mine.effective_price, mine.box_offers, mine.grade) == (
                    theirs.price, theirs.effective_price, theirs.box_offers, theirs.grade)
                assert mine.seller.name == theirs.seller.name  # select_related, no query
    assert [o.box_offers for o in prepared(product=products[1].pk, grade="good")] == [3, 3, 3]


def test_a_prepared_query_runs_one_query_and_reads_related_rows_without_more():
    listing = ListingFactory(grade="good")
    prepared = Prepared(_ranked, product=-1, grade="placeholder-grade")
    prepared(product=listing.product_id, grade="good")  # compiled here
    with CaptureQueriesContext(connection) as queries:
        (offer,) = prepared(product=listing.product_id, grade="good")
        assert offer.seller.slug == listing.seller.slug
    assert len(queries) == 1
    assert str(listing.product_id) in queries[0]["sql"] and "'good'" in queries[0]["sql"]


def test_deferred_fields_stay_deferred_and_values_list_gives_rows():
    model = ProductModelFactory(release_year=2021)
    by_slug = Prepared(lambda slug: ProductModel.objects.defer("release_year").filter(slug=slug),
                       slug="placeholder-slug")
    (found,) = by_slug(slug=model.slug)
    assert found.pk == model.pk and "release_year" in found.get_deferred_fields()
    assert by_slug(slug="no-such-model") == []
    rows = Prepared(lambda pk: Listing.objects.filter(product_id=pk).values_list("grade", "price"), pk=-1)
    listing = ListingFactory(grade="fair", price=Decimal("120.50"))
    assert rows(pk=listing.product_id) == [("fair", Decimal("120.50"))]


def test_a_placeholder_the_query_does_not_pass_on_is_an_error_not_a_wrong_result():
    prepared = Prepared(lambda pk: Listing.objects.filter(product_id=7), pk=-1)
    with pytest.raises(ValueError, match="placeholder of 'pk'"):
        prepared(pk=3)
    with pytest.raises(TypeError, match="expected the values"):
        Prepared(lambda pk: Listing.objects.filter(product_id=pk), pk=-1)(other=3)
    with pytest.raises(TypeError, match="values_list"):
        Prepared(lambda pk: Listing.objects.filter(product_id=pk).values("grade"), pk=-1)(pk=3)
