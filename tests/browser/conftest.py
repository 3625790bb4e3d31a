"""
Playwright (Python) driving Debian's Chromium beside pytest-django's live_server.

Run with `pytest -m browser`. Without /usr/bin/chromium these tests skip locally and
fail under CI=true (skip_or_fail). DJANGO_ALLOW_ASYNC_UNSAFE=true (pytest-env) lets
Django's ORM run in the thread where Playwright's sync API keeps its event loop.
"""

import os
from pathlib import Path

import pytest

from tests.browser.content import build_site
from tests.conftest import skip_or_fail

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_page(chromium, live_server):
    """Open pages in fresh browser contexts (no cookies shared); every page's
    console errors (a CSP refusal, a failed stylesheet) are collected in
    `page.errors`."""
    contexts = []

    def open_page(viewport=DESKTOP, **options):
        context = chromium.new_context(
            viewport=viewport, base_url=live_server.url, **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on(
            "console",
            lambda message: (
                message.type == "error" and page.errors.append(message.text)
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def site(transactional_db):
    return build_site()


@pytest.fixture
def screenshot_dir():
    """Set CLINIC_SCREENSHOTS=/some/dir to keep screenshots for a human to look at."""
    path = os.environ.get("CLINIC_SCREENSHOTS")
    return Path(path) if path else None
