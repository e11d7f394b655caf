"""Fixtures of the end-to-end browser tests: Playwright driving Debian's headless Chromium
against pytest-django's `live_server`.

`make test` installs Chromium through bin/ensure-chromium. A missing browser fails the
tests that need it: skipping would hide that the suite no longer checks the pages.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FAILURE_SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "/tmp/gsp-browser-failures"))
TIMEOUT_MS = 15_000


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so `page` can screenshot a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def browser():
    """Chromium, launched once per test module.

    Not once per session: while Playwright runs, its asyncio loop stays registered as
    running in this thread, so every later test would need DJANGO_ALLOW_ASYNC_UNSAFE, and
    subprocesses would inherit it (`manage.py check --deploy` rightly refuses it). Per
    module, both end with the browser tests; a launch costs about a second.
    """
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run bin/ensure-chromium "
            "(or install Debian's `chromium` package) to run the browser tests."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the dev dependencies include it
        pytest.fail(f"Playwright is not installed: {exc}")
    # Playwright's sync API keeps an asyncio loop running in this thread; Django refuses
    # ORM calls from a thread with a running loop unless told that this is safe. The tests
    # call the ORM synchronously between browser steps, so it is.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        playwright.stop()
        pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}")
    yield chromium
    chromium.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(request, browser, live_server):
    """A fresh browser tab (own cookies) whose relative URLs go to the live server."""
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        FAILURE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = FAILURE_SCREENSHOTS / f"{request.node.name}.png"
        tab.screenshot(path=str(target), full_page=True)
        print(f"screenshot of the failed page: {target}")
    context.close()


@pytest.fixture
def login(page):
    """`login(username, password)` through the login page; returns the page."""
    from django.urls import reverse

    def _login(username: str, password: str):
        page.goto(reverse("login"))
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        return page

    return _login
