"""Sitemaps: /sitemap.xml is an index of one sitemap per section
(/sitemap-articles.xml and so on), which list every public page with lastmod from
its last edit or review. A section over its `limit` is split into pages (?p=2),
each listed in the index: a single file may hold at most 50,000 URLs, and without
an index a crawler never finds the second page.

Built on get_absolute_url(). django.contrib.sites is not installed, so the sitemap
views use the request's host and scheme (RequestSite), never example.com. FAQ
questions are anchors on one page, so the FAQ page stands for them all."""

from datetime import datetime
from xml.sax.saxutils import escape

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Treatment
from clinic.publishing import published_tags
from clinic.seo import last_changed, later
from faq.models import Question


class PageSitemap(Sitemap):
    """Published pages of one model."""

    model = None
    # Stands for the slug in get_absolute_url().
    SLUG_MARK = "--slug--"

    def items(self):
        # get_absolute_url() once, then each slug swapped in: a reverse() per page
        # was a third of a 20,000-article sitemap's time.
        self.address = self.model(slug=self.SLUG_MARK).get_absolute_url()
        # Only what the URL and lastmod need, as rows, not model instances: making
        # 20,000 instances cost more than writing the XML.
        return (
            self.model.objects.published()
            .order_by("pk")
            .values_list("slug", "updated_at", "reviewed_date", named=True)
        )

    def location(self, obj):
        return self.address.replace(self.SLUG_MARK, obj.slug)

    def lastmod(self, obj):
        return last_changed(obj)

    def get_latest_lastmod(self):
        """None: the index gives no lastmod for a page section (the protocol makes
        it optional; each page has its own). Django's default calls lastmod() for
        every page, and even one aggregate read every article row: 45 to 55 ms at
        20,000 articles, for each render of a 1 KB index."""
        return None


class TreatmentSitemap(PageSitemap):
    model = Treatment
    priority = 0.8


class ArticleSitemap(PageSitemap):
    model = Article
    priority = 0.6
    # Pages of at most 10,000 URLs (about 1 MB): each is served and cached on its
    # own, and a crawler fetches them one at a time.
    limit = 10_000


class SectionSitemap(Sitemap):
    """The home page and the list pages."""

    priority = 0.5

    def items(self):
        return [
            "home",
            "articles:treatment-list",
            "articles:article-list",
            "faq:question-list",
            "tag-list",
        ]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        if item == "faq:question-list":
            latest = Question.objects.published().aggregate(
                edited=Max("updated_at"), reviewed=Max("reviewed_date")
            )
            return later(latest["edited"], latest["reviewed"])
        return None


class TagSitemap(Sitemap):
    """Topic pages with at least one published page."""

    priority = 0.3

    def items(self):
        return published_tags()

    def location(self, tag):
        return reverse("tag-detail", args=[tag.slug])


sitemaps = {
    "sections": SectionSitemap,
    "treatments": TreatmentSitemap,
    "articles": ArticleSitemap,
    "topics": TagSitemap,
}


def index(request):
    """/sitemap.xml: the sitemap index, one entry per section and page."""
    return sitemap_views.index(request, sitemaps, sitemap_url_name="sitemap-section")


def sitemap(request, section):
    """/sitemap-<section>.xml: Django's sitemap view, its URL list written out
    directly.

    Django renders the list through a template, about 60 µs a URL: 1.25 s of CPU
    for 20,000 articles each time an edit clears the cached copy. The same XML
    written here costs a few µs a URL. Pages (?p=), Http404 for a missing page and
    the Last-Modified header stay Django's; the site has one language, so no
    hreflang alternates."""
    unrendered = sitemap_views.sitemap(request, sitemaps, section=section)
    response = HttpResponse(
        _urlset(unrendered.context_data["urlset"]),
        content_type=unrendered["Content-Type"],
    )
    if unrendered.has_header("Last-Modified"):
        response["Last-Modified"] = unrendered["Last-Modified"]
    return response


def _urlset(urls):
    """The sitemap XML of Django's URL dicts, as its sitemap.xml template writes
    it: dates in the site's time zone, empty fields left out."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
        '"http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
    ]
    for url in urls:
        parts.append(f"<url><loc>{escape(url['location'])}</loc>")
        if lastmod := url.get("lastmod"):
            if isinstance(lastmod, datetime) and timezone.is_aware(lastmod):
                lastmod = timezone.localtime(lastmod)
            parts.append(f"<lastmod>{lastmod:%Y-%m-%d}</lastmod>")
        if changefreq := url.get("changefreq"):
            parts.append(f"<changefreq>{escape(changefreq)}</changefreq>")
        if priority := url.get("priority"):
            parts.append(f"<priority>{escape(str(priority))}</priority>")
        parts.append("</url>\n")
    parts.append("</urlset>\n")
    return "".join(parts).encode()
