"""
The search index and what staff curate around it.

`SearchEntry` is one row per published page, denormalised so a search never joins the
content tables. The full-text side lives beside it and is kept in step by database
triggers (migrations 0002 and 0005): FTS5 tables on SQLite, a narrow table of tsvector
columns with GIN indexes on PostgreSQL. Drafts are never indexed; scheduled pages are
indexed with their publish time and filtered out at query time, so they go live with
no cron job.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Kind(models.TextChoices):
    TREATMENT = "treatment", "Treatment"
    ARTICLE = "article", "Article"
    QUESTION = "question", "Question"


class SearchEntryQuerySet(models.QuerySet):
    def live(self):
        """Entries whose publish time has come (drafts are never in the index)."""
        return self.filter(published_at__lte=timezone.now())


class SearchEntry(models.Model):
    """One published (or scheduled) page as search sees it."""

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    # A treatment's title and other names; empty for other kinds. Matches here rank
    # first, so the treatment page leads for its own name.
    names = models.TextField(blank=True)
    title = models.CharField(max_length=300)
    # The title folded (lower case, no accents), for suggestions as you type.
    title_key = models.CharField(max_length=300, blank=True)
    tags = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # Tokens that FTS filters on: the kind and each tag, see clinic.search.index.
    facets = models.TextField(blank=True)
    url = models.CharField(max_length=500)
    published_at = models.DateTimeField()

    objects = SearchEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "search entries"
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "title_key"], name="search_entry_title_key"),
            # Covers what ranking and counts read per candidate, so a search never
            # reads the wide rows (body) of pages it does not show.
            models.Index(
                fields=["id", "published_at", "kind"], name="search_entry_live"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], name="search_entry_unique_object"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="search_entry_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self):
        return self.url


class SearchEntryTag(models.Model):
    """A tag on an indexed page, for the tag filter's counts."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="+")
    slug = models.CharField(max_length=100)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["slug", "pk"]
        # Covering, for the tag counts over a search's candidates.
        indexes = [
            models.Index(fields=["entry", "slug", "name"], name="search_tag_entry_idx")
        ]

    def __str__(self):
        return self.name


class SearchTerm(models.Model):
    """A word that occurs in indexed pages: the vocabulary behind "Did you mean"."""

    term = models.CharField(max_length=40, unique=True)
    frequency = models.PositiveIntegerField(
        default=0, help_text="Roughly how many pages use the word."
    )

    class Meta:
        ordering = ["term"]

    def __str__(self):
        return self.term


class SearchTermGram(models.Model):
    """A trigram of a vocabulary word. SQLite only: PostgreSQL has pg_trgm."""

    gram = models.CharField(max_length=3)
    # The word's length: candidates more than two letters longer or shorter are
    # never a typo away, and skipping them keeps common trigrams cheap.
    length = models.PositiveSmallIntegerField()
    term = models.ForeignKey(SearchTerm, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["gram", "length", "term"], name="search_gram_idx")
        ]

    def __str__(self):
        return self.gram


class Synonym(models.Model):
    """Names that mean the same thing to a patient, searched as one."""

    terms = models.TextField(
        help_text="Words or phrases that mean the same, one per line, e.g. "
        "'microneedling', 'micro needling', 'derma roller'. A search for any of them "
        "finds pages that use any of them."
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why, for editors.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["terms", "pk"]

    def __str__(self):
        return " = ".join(self.names())

    def names(self):
        return [line.strip() for line in self.terms.splitlines() if line.strip()]


class ZeroResultQuery(models.Model):
    """A search that found nothing: the normalised words and how often. No visitor
    data is kept, so staff see what content is missing and nothing else."""

    query = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "search with no results"
        verbose_name_plural = "searches with no results"
        ordering = ["-count", "query"]

    def __str__(self):
        return self.query
