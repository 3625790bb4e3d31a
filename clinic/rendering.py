"""
Markdown to safe HTML. Bodies are rendered once, on save, and the HTML is sanitised
with nh3 (docs/decisions/002-markdown-and-sanitising.md): whatever a source document
or an editor writes, no live script, event handler or javascript: URL reaches a page.
"""

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


def render_markdown(text):
    """Render Markdown to sanitised HTML. A page's own h1 is its title, so a `#`
    heading in a body becomes an h2."""
    if not text:
        return ""
    if _prerendered and text in _prerendered:
        return _prerendered[text]
    html = markdown.markdown(
        text,
        extensions=["extra", "sane_lists"],
        output_format="html",
    )
    # One h1 per page (WCAG, SEO): the title's.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitise_html(html)
