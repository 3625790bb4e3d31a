"""
Markdown to safe HTML. Bodies are rendered once, on save, and the HTML is sanitised
with nh3 (docs/decisions/002-markdown-and-sanitising.md): whatever a source document
or an editor writes, no live script, event handler or javascript: URL reaches a page.
"""

import re
import threading
from contextlib import contextmanager

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"scope"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise_html(html):
    """Keep only harmless markup; links get rel="noopener noreferrer nofollow"."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


# Text -> HTML rendered ahead of time by this same function, in `prerendered()`.
_prerendered = {}


@contextmanager
def prerendered(pairs):
    """Within the block, render_markdown() answers from `pairs` ({text: html}, made
    by render_markdown in another process: the importer renders in its parse
    workers so the process that writes doesn't have to)."""
    _prerendered.update(pairs)
    try:
        yield
    finally:
        _prerendered.clear()


# Building a Markdown instance (its extensions and processors) costs more than most
# conversions, so each thread keeps its own and resets it before every text; one
# per thread because the admin renders from gunicorn's threads.
_local = threading.local()
# Without one of these no inline pattern (code, escapes, links, footnotes, HTML,
# entities, emphasis) can match, nor a line break ("  \n", which tabs, carriage
# returns and the STX and ETX characters Markdown deletes can also make).
_INLINE_MARKUP = re.compile(r"[`\\\[<&*_\t\r\x02\x03]|  (?:\n|$)")


def _converter(inline=True):
    converters = getattr(_local, "converters", None)
    if converters is None:
        converters = _local.converters = {}
    if inline not in converters:
        converter = markdown.Markdown(
            extensions=["extra", "sane_lists"], output_format="html"
        )
        if not inline:
            # For text with no inline markup: trying each pattern on every
            # paragraph and list item is most of the time Markdown takes.
            converter.treeprocessors["inline"].inlinePatterns = markdown.util.Registry()
        converters[inline] = converter
    return converters[inline].reset()


# One line of plain text: no character any Markdown syntax (block or inline) starts
# with, and a first character no block starts with ("1." would be a list).
_PLAIN_LINE = re.compile(r"""(?!\d+[.)])(?:[^\W_]|["'(])[^\\`*_\[\]<>&#|~{}]*""")


def _plain(line):
    return (
        _PLAIN_LINE.fullmatch(line) is not None
        and line.isprintable()  # no tab, line or paragraph separator, control
        and line[-1] != " "
    )


def _plain_html(text):
    """What Markdown makes of `text` when it is made only of what the importer
    writes (`render_body`): `## ` headings, one-line paragraphs and `- ` lists of
    one-line items, separated by one blank line, all plain text. None for any
    other text, which Markdown renders. Building the tree costs more than the
    rest of an import's parsing step; tests compare this with Markdown.

    The result is also what sanitise_html() makes of it: our own h2, p, ul and
    li around printable text with no "&", "<" or ">" (the characters HTML reads
    specially or writes back as entities, with the no-break space, which is not
    printable); tests compare the two."""
    html, after_list = [], False
    for chunk in text.split("\n\n"):
        if chunk.startswith("- "):
            items = chunk.split("\n")
            # A list right after a list would continue it, as a loose list.
            if after_list or not all(
                item.startswith("- ") and _plain(item[2:]) for item in items
            ):
                return None
            html.append(
                "<ul>\n"
                + "\n".join(f"<li>{item[2:]}</li>" for item in items)
                + "\n</ul>"
            )
            after_list = True
            continue
        if chunk.startswith("## "):
            line, tag = chunk[3:], "h2"
        else:
            line, tag = chunk, "p"
        if not line or "\n" in line or not _plain(line):
            return None
        html.append(f"<{tag}>{line}</{tag}>")
        after_list = False
    return "\n".join(html)


def render_markdown(text):
    """Render Markdown to sanitised HTML. A page's own h1 is its title, so a `#`
    heading in a body becomes an h2."""
    if not text:
        return ""
    if _prerendered and text in _prerendered:
        return _prerendered[text]
    html = _plain_html(text)
    if html is not None:
        return html  # sanitise_html() would leave it as it is (see _plain_html)
    html = _converter(inline=bool(_INLINE_MARKUP.search(text))).convert(text)
    # One h1 per page (WCAG, SEO): the title's.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitise_html(html)
