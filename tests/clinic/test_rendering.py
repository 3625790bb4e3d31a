import random

import markdown
import pytest

from clinic.rendering import render_markdown, sanitise_html
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


def _rendered_by_a_new_instance(text):
    html = markdown.markdown(text, extensions=["extra", "sane_lists"])
    return sanitise_html(html.replace("<h1>", "<h2>").replace("</h1>", "</h2>"))


# Pieces of block markup, and no inline markup: render_markdown skips the inline
# patterns for such text, which must not change a byte of the result.
PLAIN_PIECES = [
    "word", "Word", " ", "\n", "\n\n", "# ", "## ", "- ", "+ ", "1. ", "2) ", "> ",
    "    ", "|", "---", "===", ": ", "~~~", "{: #x}", "!", "(", ")", "]", "'", ".",
    "x@y.z", "http://a.example", "é", "…", "| a | b |\n|---|---|\n| 1 | 2 |",
    "Term\n: definition", "  ",
]  # fmt: skip


def test_text_without_inline_markup_renders_as_a_new_markdown_instance_does():
    rng = random.Random(3)
    for _ in range(2000):
        text = "".join(rng.choice(PLAIN_PIECES) for _ in range(rng.randint(1, 25)))
        assert render_markdown(text) == _rendered_by_a_new_instance(text), text


def test_a_texts_references_and_footnotes_do_not_reach_the_next_text():
    first = (
        "See [the NHS][nhs] and a note[^1].\n\n[nhs]: https://www.nhs.uk\n\n[^1]: A."
    )
    later = "See [the NHS][nhs] and a note[^1]."
    render_markdown(first)
    assert render_markdown(later) == _rendered_by_a_new_instance(later)
    assert "href" not in render_markdown(later)
