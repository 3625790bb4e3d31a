"""Atom feeds of published articles: the whole site's, and one per topic.

django.contrib.syndication builds absolute links from the request's host
(RequestSite, as django.contrib.sites is not installed)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from taggit.models import Tag

from articles.models import Article
from clinic.seo import last_changed

FEED_LENGTH = 20


class ArticleFeed(Feed):
    """The latest published articles."""

    feed_type = Atom1Feed

    def title(self):
        return f"{settings.CLINIC_NAME}: articles"

    def author_name(self):
        return settings.CLINIC_NAME

    def link(self):
        return reverse("articles:article-list")

    def subtitle(self):
        return "New and updated articles about skin treatments, clinically reviewed."

    def items(self):
        return Article.objects.published().prefetch_related("tags")[:FEED_LENGTH]

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        return article.summary

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return last_changed(article)

    def item_categories(self, article):
        return [tag.name for tag in article.tags.all()]


class TagArticleFeed(ArticleFeed):
    """The latest published articles on one topic."""

    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, tag):
        return f"{super().title()}: {tag.name}"

    def link(self, tag):
        return reverse("tag-detail", args=[tag.slug])

    def subtitle(self, tag):
        return f"New and updated articles about {tag.name}."

    def items(self, tag):
        return (
            Article.objects.published()
            .tagged(tag.slug, common=Article.objects.tag_is_common(tag.slug))
            .prefetch_related("tags")[:FEED_LENGTH]
        )
