import pytest

from clinic.rendering import render_markdown
from tests.factories import make_article

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<form action="https://evil.example"><input name=x></form>',
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_never_renders_live_script(payload):
    html = render_markdown(f"Hello\n\n{payload}\n")
    lowered = html.lower()
    for marker in (
        "<script",
        "onerror",
        "onload",
        "javascript:",
        "<iframe",
        "<form",
        "style=",
    ):
        assert marker not in lowered


def test_markdown_keeps_headings_lists_and_links():
    html = render_markdown(
        "## Aftercare\n\n- Use sunscreen\n\n[NHS](https://www.nhs.uk)"
    )
    assert "<h2>Aftercare</h2>" in html
    assert "<li>Use sunscreen</li>" in html
    assert 'href="https://www.nhs.uk"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_a_body_heading_never_becomes_a_second_h1():
    assert "<h1" not in render_markdown("# Title again\n\ntext")


@pytest.mark.django_db
def test_body_is_rendered_on_save():
    article = make_article(body="Some *emphasis*.")
    assert article.body_html == "<p>Some <em>emphasis</em>.</p>"
