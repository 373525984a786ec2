"""The accessibility check the journeys run on every step fails on a page with serious violations, so
a green journey means something. No database: a page made in the browser."""
import pytest

from tests.helpers import assert_accessible

pytestmark = [pytest.mark.browser]


def test_the_accessibility_check_fails_on_serious_violations(open_page):
    page = open_page("desktop")
    page.set_content('<html lang="en"><head><title>Bad</title></head><body><main><h1>Bad page</h1>'
                     '<input type="text" name="q"><img src="data:,">'
                     '<p style="color:#aaa;background:#fff">Grey on white</p></main></body></html>')
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    for rule in ("label", "image-alt", "color-contrast"):
        assert f"- {rule} (" in str(failure.value)
