import re

from django.conf import STATICFILES_STORAGE_ALIAS, settings
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse

# The links in every page's header, footer and <head>, by the name templates use.
SITE_LINKS = {
    "home": "home",
    "treatments": "articles:treatment-list",
    "articles": "articles:article-list",
    "questions": "faq:question-list",
    "topics": "tag-list",
    "search": "search:search",
    "article_feed": "article-feed",
}
_site_links = {}


def site_links():
    """SITE_LINKS reversed, once per process: a reverse() costs about 40 µs and a
    page carried a dozen. Keyed by what a reverse depends on, so a test that swaps
    the URLconf or a deployment under a script prefix gets its own links."""
    key = (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())
    links = _site_links.get(key)
    if links is None:
        links = {name: reverse(view) for name, view in SITE_LINKS.items()}
        _site_links[key] = links
    return links


# The static files in every page's <head>, by the name templates use.
SITE_FILES = {"stylesheet": "css/site.css", "icon": "favicon.svg"}
_site_files = {}


def site_files():
    """SITE_FILES' URLs as {% static %} gives them, once per process: static()
    looks each name up in the manifest and joins URLs, 2 to 5% of an article
    page's time (issue 6). The manifest is read once per process anyway; keyed by the
    settings a static URL depends on, so a test that swaps them gets its own."""
    key = (
        settings.STATIC_URL,
        settings.STATIC_ROOT,
        repr(settings.STORAGES.get(STATICFILES_STORAGE_ALIAS)),
    )
    files = _site_files.get(key)
    if files is None:
        files = {name: static(path) for name, path in SITE_FILES.items()}
        _site_files[key] = files
    return files


# Django's slug path converter: a slug it matches is never quoted by reverse().
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_SLUG_MARK = "slug-mark"
_slug_paths = {}


def slug_url(view, slug):
    """reverse(view, args=[slug]) for a view whose one argument is a <slug:slug>:
    the path around the slug is reversed once per process, as site_links() is, and
    each slug put in its place. Article cards, tags and structured data built a
    reverse() per link. Anything but a plain slug goes through reverse() itself."""
    key = (view, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())
    parts = _slug_paths.get(key)
    if parts is None:
        parts = reverse(view, args=[_SLUG_MARK]).split(_SLUG_MARK)
        _slug_paths[key] = parts
    if len(parts) != 2 or not (isinstance(slug, str) and _SLUG.fullmatch(slug)):
        return reverse(view, args=[slug])
    return parts[0] + slug + parts[1]


def site(request):
    """Values every template needs: the clinic's name, the site's fixed links and
    this page's canonical URL (the request's own host; query strings dropped except
    a list's page number)."""
    canonical = request.build_absolute_uri(request.path)
    page = request.GET.get("page", "")
    if page.isdigit() and page != "1":
        canonical += f"?page={page}"
    return {
        "clinic_name": settings.CLINIC_NAME,
        "canonical_url": canonical,
        "site_links": site_links(),
        "site_files": site_files(),
    }
