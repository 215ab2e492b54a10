"""A real browser on the e2e session's local stack (the `local` fixture of tests/conftest.py:
one stack for tests/e2e and tests/browser). Debian's Chromium, driven by Playwright; every test
ends with a screenshot under .local/screenshots/ for a reviewer to look at."""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from ..support.template import ROOT

CHROMIUM = "/usr/bin/chromium"  # Debian's package (`make chromium`); Playwright's download is unreachable
SCREENSHOTS = ROOT / ".local" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Lambda cold starts of the local stack come first on a fresh session; a page waits for them.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        # --no-sandbox: make test runs as root on CI and dev machines, where Chromium's sandbox refuses to start.
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Pages in a fresh context (no sessionStorage carried between tests), closed after the test;
    a page error (an exception in the page's scripts) fails the test."""
    contexts = []
    errors: list[str] = []

    def make(viewport: dict[str, int] = DESKTOP) -> Page:
        context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == []


def screenshot(page: Page, name: str) -> pathlib.Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
