"""axe-core (bundled by axe-playwright-python) on every page type, at desktop and
phone widths: WCAG 2.0 to 2.2 A and AA rules plus axe's best practices."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": [
            "wcag2a",
            "wcag2aa",
            "wcag21a",
            "wcag21aa",
            "wcag22aa",
            "best-practice",
        ],
    },
    "resultTypes": ["violations"],
}
PAGE_TYPES = {
    "home": "/",
    "treatment list": "/treatments/",
    "treatment": "/treatments/microneedling/",
    "overdue treatment": "/treatments/fractional-laser/",
    "article list": "/articles/",
    "article": "/articles/stretch-marks-what-helps/",
    "faq": "/faq/",
    "faq answer": "/faq/#does-microneedling-hurt",
    "topic list": "/tags/",
    "topic": "/tags/scars/",
    "search": "/search/?q=scars",
    "not found": "/no-such-page/",
}


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("url", list(PAGE_TYPES.values()), ids=list(PAGE_TYPES))
def test_axe_finds_no_violations(new_page, site, axe, url, viewport, screenshot_dir):
    page = new_page(viewport=viewport)
    page.goto(url)
    results = axe.run(page, options=AXE_OPTIONS)
    if screenshot_dir:
        name = url.strip("/").replace("/", "_").replace("?", "_") or "home"
        page.screenshot(
            path=screenshot_dir / f"{name}-{viewport['width']}.png", full_page=True
        )
    assert results.violations_count == 0, results.generated_report


def test_axe_reports_a_violation_it_should_find(new_page, site, axe):
    """The check above can fail: an unlabelled field is reported."""
    page = new_page()
    page.goto("/")
    page.evaluate("document.querySelector('label').remove()")
    results = axe.run(page, options=AXE_OPTIONS)
    assert "label" in {v["id"] for v in results.response["violations"]}
