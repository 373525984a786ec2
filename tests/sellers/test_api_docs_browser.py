"""The seller API's interactive documentation in real Chromium, offline and under our CSP."""
import pytest

from tests.helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_page_renders_the_operations_from_our_own_static_files_with_no_internet(page, live_server):
    outside = []

    def only_our_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:  # no internet: any CDN request fails the test
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_our_server)
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert "script-src" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary", timeout=15_000)
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/listings" in text for text in summaries)
    assert page.locator("text=List your listings").count() >= 1
    assert outside == []
    screenshot(page, "api-docs")
