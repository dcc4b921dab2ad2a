"""The real browser for page tests: Debian's Chromium driven by Playwright.

Playwright's own browser download is never used. Without Chromium the tests fail,
unless ``COMPLAINTS_SKIP_BROWSER_TESTS=1`` asks to skip them (ignored in CI).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("COMPLAINTS_SKIP_BROWSER_TESTS") == "1" and not os.environ.get("CI"):
        pytest.skip("COMPLAINTS_SKIP_BROWSER_TESTS=1 and /usr/bin/chromium is missing")
    pytest.fail(
        f"{CHROMIUM} is missing: `make test` installs it with apt-get (package chromium);"
        " set COMPLAINTS_SKIP_BROWSER_TESTS=1 to skip the browser tests locally",
        pytrace=False,
    )


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def fill_in(page: Page, fields: dict[str, str]) -> None:
    """Type or choose each value in its field, in order, as a user fills a form."""
    for selector, value in fields.items():
        field = page.locator(selector)
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
