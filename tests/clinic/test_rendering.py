import random

import markdown
import pytest

from clinic.rendering import _plain_html, render_markdown, sanitise_html
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


# Lines for the importer's shape of body (render_body): headings, paragraphs, lists,
# with now and then a piece that Markdown reads as markup.
LINE_STARTS = ["x", "W", "1", "é", "(", "'", '"', "ǅ", "Ⅷ", "٣"]
PLAIN_LINE_PIECES = [
    "x", "W", "1", "é", "(", "'", '"', " ", "  ", ",", ".", ":", ": ", "!", "?", "%",
    "=", "+", "-", " - ", "--", "==", "1.", "2)", "12. ", "1986 ", "(1)", "I.",
    "http://a.example", "a@b.c", "…", "²", "ǅ", "Ⅷ", "٣", "\u0301",
]  # fmt: skip
MARKUP_PIECES = [
    "\u00a0", "\u2003", "\u200b", "\t", "#", "&amp;", "\\*", "|", "~~~", "{: #x}",
    "*", "_", "<b>", "`", "[a]", "\n", "\n\n", "- ", "1. ", "> ",
]  # fmt: skip


def _body_like(rng):
    def line():
        pieces = [rng.choice(LINE_STARTS)] if rng.random() < 0.8 else []
        for _ in range(rng.randint(1, 8)):
            rare = rng.random() < 0.03
            pieces.append(rng.choice(MARKUP_PIECES if rare else PLAIN_LINE_PIECES))
        return "".join(pieces)

    chunks = []
    for _ in range(rng.randint(1, 6)):
        kind = rng.random()
        if kind < 0.25:
            chunks.append(
                rng.choice(["## ", "## ", "## ", "# ", "### ", "##"]) + line()
            )
        elif kind < 0.55:
            markers = ["- "] * 8 + ["* ", "-", "1. "]
            lines = [rng.choice(markers) + line() for _ in range(rng.randint(1, 4))]
            chunks.append("\n".join(lines))
        else:
            chunks.append(line())
    return rng.choice(["\n\n"] * 8 + ["\n", "\n\n\n"]).join(chunks)


def test_plain_bodies_render_without_markdown_as_markdown_renders_them():
    rng = random.Random(5)
    fast = 0
    for _ in range(20_000):
        text = _body_like(rng)
        html = _plain_html(text)
        if html is not None:
            fast += 1
            expected = markdown.markdown(text, extensions=["extra", "sane_lists"])
            assert html == expected, text
    assert fast > 1000  # the shortcut was exercised


@pytest.mark.parametrize(
    "text",
    [
        "Para\n\n: a definition",  # a definition list
        "- one\n\n- two",  # a list after a list continues it, loosely
        "## Heading #",  # closing hashes
        "1. Not a paragraph",
        "Para\n---",  # a setext heading
        "- item\ncontinued",
        "Tab\there",
        "Ends with a space ",
        "a | b\n\n- c | d",
        "Q&A",
    ],
)
def test_text_markdown_reads_differently_is_left_to_markdown(text):
    assert _plain_html(text) is None
    assert render_markdown(text) == _rendered_by_a_new_instance(text)


def test_an_imported_body_takes_the_shortcut():
    text = "Intro, 2 to 3 sessions.\n\n## How it works\n\n- First: clean\n- Then: dry"
    assert _plain_html(text) == (
        "<p>Intro, 2 to 3 sessions.</p>\n<h2>How it works</h2>\n"
        "<ul>\n<li>First: clean</li>\n<li>Then: dry</li>\n</ul>"
    )
    assert render_markdown(text) == _rendered_by_a_new_instance(text)


def test_plain_bodies_are_what_sanitising_leaves_them():
    # render_markdown() returns _plain_html() unsanitised: it must be what
    # sanitise_html() would make of it, for every printable character.
    allowed = [
        chr(c)
        for c in range(0x20, 0x110000)
        if not 0xD800 <= c < 0xE000 and _plain_html(f"x{chr(c)}") is not None
    ]
    assert len(allowed) > 140_000
    for start in range(0, len(allowed), 200):
        chars = "".join(allowed[start : start + 200])
        for text in (f"x{chars}y", f"- x{chars}\n- y", f"## x{chars} z\n\nw"):
            html = _plain_html(text)
            assert sanitise_html(html) == html, repr(chars)
    rng = random.Random(11)
    for _ in range(5000):
        html = _plain_html(_body_like(rng))
        if html is not None:
            assert sanitise_html(html) == html
