"""The grades page and the product page's grade explanation; colour variants' own pictures; the small
things of issue 18 (Clear all after filtering, no tick on a warning)."""
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from catalog.grades import GRADE_DETAILS
from catalog.models import Grade, ProductImage
from tests.factories import CategoryFactory, ListingFactory, ProductFactory, ProductModelFactory

pytestmark = pytest.mark.django_db


def test_grades_page_draws_each_grade_and_says_what_it_allows(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get(reverse("catalog:grades"))
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('<svg class="grade-drawing" role="img"') == 4
    for detail in GRADE_DETAILS:
        assert f"Drawing of a phone in {detail.label} condition" in text, detail.grade
        assert all(escape(str(part)) in text for part in (detail.summary, detail.screen, detail.body))
    # Worse grades draw more marks.
    marks = [len(re.findall(r"<(?:path|circle) [^>]*(?:stroke-width|fill=\"#b3541e\")", part))
             for part in text.split('<svg class="grade-drawing"')[1:]]
    assert marks[0] == 0 and marks[0] < marks[1] < marks[2] < marks[3]


def test_product_page_explains_every_grade_and_links_its_picker_to_the_grades_page(client):
    listing = ListingFactory(grade=Grade.GOOD)
    text = client.get(listing.product.model.get_absolute_url()).content.decode()
    grades_url = reverse("catalog:grades")
    picker = text[text.index('id="picker-grade"'):text.index('class="buy-box card"')]
    assert f'href="{grades_url}"' in picker
    for detail in GRADE_DETAILS:
        row = f'<dt class="grade-{detail.grade}">{detail.label}</dt><dd>{escape(detail.summary)}</dd>'
        assert row in picker
    assert ('<p class="grade-help-selected"><strong class="grade-good">Good:</strong> '
            "Light scratches you can see from arm&#x27;s length.</p>") in picker
    assert 'class="small muted grade-help"' not in text


def test_the_category_pages_grade_filter_links_to_the_grades_page(client):
    listing = ListingFactory(grade=Grade.GOOD)
    listing.product.model.category = CategoryFactory(slug="phones")
    listing.product.model.save()
    text = client.get(reverse("catalog:category", args=["phones"])).content.decode()
    grade_filter = text[text.index('name="grade"'):]
    assert f'<a href="{reverse("catalog:grades")}">What the grades mean</a>' in grade_filter


@pytest.fixture
def watch():
    model = ProductModelFactory(name="Apple Watch SE", slug="apple-watch-se",
                                reference_price_new=Decimal("299"))
    midnight = ProductFactory(model=model, slug="watch-midnight", colour="Midnight")
    silver = ProductFactory(model=model, slug="watch-silver", colour="Silver")
    images = {colour: ProductImage.objects.create(model=model, image=f"catalog/{colour}.webp", colour=colour,
                                                  alt_text=f"Apple Watch SE in {colour}", position=position)
              for position, colour in enumerate(["Midnight", "Silver"])}
    ListingFactory(product=midnight, price=Decimal("200.00"))
    ListingFactory(product=silver, price=Decimal("180.00"))
    return {"model": model, "images": images}


def test_each_colour_shows_its_own_picture_named_by_its_colour(client, watch):
    url = watch["model"].get_absolute_url()
    for variant, colour in (("watch-midnight", "Midnight"), ("watch-silver", "Silver")):
        page = client.get(url, {"variant": variant, "grade": "good"})
        assert page.context["page"].images == [watch["images"][colour]]
        main = re.search(r'<img class="product-main-image" src="([^"]+)"[^>]*alt="([^"]+)"',
                         page.content.decode())
        assert main.group(1).endswith(f"catalog/{colour}.webp")
        assert main.group(2) == f"Apple Watch SE in {colour}"


def test_the_card_shows_the_picture_of_the_colour_it_advertises(client, watch):
    watch["model"].category = CategoryFactory(slug="watches")
    watch["model"].save()
    card = client.get(reverse("catalog:category", args=["watches"])).context["models"][0]
    assert card.card_url.endswith("variant=watch-silver&grade=good")
    assert card.image == watch["images"]["Silver"]


def test_a_colour_without_a_picture_falls_back_to_pictures_of_no_particular_colour(client, watch):
    neutral = ProductImage.objects.create(model=watch["model"], image="catalog/any.webp", position=5)
    gold = ProductFactory(model=watch["model"], slug="watch-gold", colour="Gold")
    ListingFactory(product=gold, price=Decimal("210.00"))
    page = client.get(watch["model"].get_absolute_url(), {"variant": "watch-gold"}).context["page"]
    assert page.images == [neutral]


def test_clear_all_is_in_the_results_htmx_swaps_after_filtering(client, watch):
    watch["model"].category = CategoryFactory(slug="watches")
    watch["model"].save()
    url = reverse("catalog:category", args=["watches"])
    swapped = client.get(url, {"grade": "good", "sort": "price"},
                         headers={"HX-Request": "true"}).content.decode()
    assert f'class="btn btn-small clear-filters" href="{url}?sort=price">Clear all</a>' in swapped
    assert "Clear all" not in client.get(url).content.decode()


def test_a_low_stock_warning_is_not_ticked_like_a_promise(client):
    listing = ListingFactory(quantity=1)
    text = client.get(listing.product.model.get_absolute_url()).content.decode()
    assert '<li class="fact-warning"><span class="stock-low">Only 1 left</span></li>' in text
