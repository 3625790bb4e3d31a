"""/sitemap.xml: every public page, with lastmod from its last edit or review.

Built on get_absolute_url(). django.contrib.sites is not installed, so the sitemap
view uses the request's host and scheme (RequestSite), never example.com. FAQ
questions are anchors on one page, so the FAQ page stands for them all."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

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
        # Only what the URL and lastmod need: bodies would take seconds more.
        return (
            self.model.objects.published()
            .only("pk", "slug", "updated_at", "reviewed_date")
            .order_by("pk")
        )

    def location(self, obj):
        return self.address.replace(self.SLUG_MARK, obj.slug)

    def lastmod(self, obj):
        return last_changed(obj)


class TreatmentSitemap(PageSitemap):
    model = Treatment
    priority = 0.8


class ArticleSitemap(PageSitemap):
    model = Article
    priority = 0.6


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
