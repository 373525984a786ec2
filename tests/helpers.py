"""Helpers for browser tests: screenshots a person can look at, and logging in."""
import re
from pathlib import Path

from tests.factories import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def screenshot(page, name: str) -> Path:
    """Saves a full-page screenshot under tests/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def browser_login(page, live_server, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state("networkidle")


# Impacts that fail a page: axe-core ranks each violation minor, moderate, serious or critical.
SERIOUS = ("serious", "critical")


def assert_accessible(page, *, impacts: tuple[str, ...] = SERIOUS, context=None) -> None:
    """Runs axe-core (bundled by axe-playwright-python, no network) on the page as it is now and
    fails on any violation of the given impacts, naming the rule, its help and every target."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context, options={"resultTypes": ["violations"]})
    failing = [v for v in results.response["violations"] if v["impact"] in impacts]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}\n"
        + "\n".join(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')}"
                    .replace("\n", " ") for node in v["nodes"])
        for v in failing)
    assert not failing, f"accessibility violations on {page.url}:\n{report}"


def journey_step(page, name: str, *, impacts: tuple[str, ...] = SERIOUS, check_width: bool = True) -> None:
    """One step of a journey as a person would check it: a screenshot to look at, no console error so
    far, no serious or critical accessibility violation, nothing wider than the screen. `impacts` and
    `check_width` may narrow the check for a third-party page; the Django admin passes it whole."""
    page.wait_for_load_state()  # the callers wait for what they expect to see first
    screenshot(page, name)
    errors = getattr(page, "console_errors", [])
    assert not errors, f"console errors at {name}: {errors}"
    assert_accessible(page, impacts=impacts)
    if check_width:
        width = page.viewport_size["width"]
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{name}: the page is {scroll_width}px wide on a {width}px screen"


def admin_seller_action(page, live_server, *, seller_name: str, action: str) -> None:
    """In the Django admin's seller list, ticks a seller and runs a decision action (approve, reject,
    suspend, reinstate) up to its confirmation page, where the reason is asked."""
    page.goto(f"{live_server.url}/admin/sellers/seller/")
    page.get_by_role("row", name=re.compile(re.escape(seller_name))).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(action)
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Reason").wait_for()
