"""Fixtures shared by the whole suite: a clean cache, factories, and real Chromium."""
import os
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, SellerMemberFactory, UserFactory

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache (rate limits, cached fragments)."""
    cache.clear()
    yield


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def client_user(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def seller_member(db):
    return SellerMemberFactory()


@pytest.fixture
def password():
    return PASSWORD


# --- Real Chromium through Playwright -----------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is needed at {CHROMIUM}: run `make test`, which installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A desktop-sized page that fails the test on any console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    errors = list(page.console_errors)
    context.close()
    assert not errors, f"console errors: {errors}"


@pytest.fixture
def mobile_page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    yield page
    context.close()


VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "mobile": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@pytest.fixture
def open_page(browser):
    """Opens pages at a named width ("desktop" or "mobile"), each in its own context (its own
    cookies: a second person), that collect console errors and fail the test on any."""
    contexts = []

    def open_(viewport: str = "desktop"):
        context = browser.new_context(**VIEWPORTS[viewport])
        contexts.append(context)
        new = context.new_page()
        new.viewport_name = viewport
        new.console_errors = []
        new.on("console", lambda m: m.type == "error" and new.console_errors.append(
            f"{m.text} ({m.location.get('url')})"))
        new.on("pageerror", lambda e: new.console_errors.append(str(e)))
        return new

    yield open_
    errors = [error for context in contexts for p in context.pages for error in p.console_errors]
    for context in contexts:
        context.close()
    assert not errors, f"console errors: {errors}"
