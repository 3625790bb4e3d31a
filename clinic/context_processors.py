from django.conf import settings
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
    }
