"""
Treatments, their structured facts, articles, and the source documents they cite.
"""

from collections import Counter

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify

from clinic.compiled import CompiledQuery, compiled_query
from clinic.context_processors import slug_url
from clinic.publishing import Publishable, PublishableQuerySet, has_many_links
from clinic.rendering import render_markdown


def unique_slug(model, title, pk=None, field="slug", max_length=200):
    """A slug from `title` that no other row of `model` uses yet."""
    base = (slugify(title) or "page")[: max_length - 6].strip("-") or "page"
    candidate, n = base, 2
    while model._default_manager.filter(**{field: candidate}).exclude(pk=pk).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


class Source(models.Model):
    """A source document as imported: what treatment facts and articles cite."""

    file_name = models.CharField(max_length=255, unique=True)
    title = models.CharField(max_length=300, blank=True)
    content_hash = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    url = models.URLField(
        blank=True, help_text="Where the document was published, if known."
    )
    imported_at = models.DateTimeField(null=True, blank=True)
    parser_version = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["file_name", "pk"]

    def __str__(self):
        return self.title or self.file_name


class PageContent(Publishable):
    """Abstract: a titled page with a Markdown body rendered to safe HTML on save."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The page's address. Filled from the title; change it only "
        "before the page is first published, or old links break.",
    )
    summary = models.TextField(
        blank=True,
        help_text="One or two plain sentences: shown in lists, search results and "
        "as the description search engines display.",
    )
    body = models.TextField(
        blank=True,
        help_text="Markdown: blank lines between paragraphs, '## ' before a "
        "section heading, '- ' for list items.",
    )
    body_html = models.TextField(blank=True, editable=False)
    sources = models.ManyToManyField(
        Source,
        blank=True,
        related_name="%(class)ss",
        help_text="The documents this page is based on, listed as its references.",
    )

    class Meta(Publishable.Meta):
        abstract = True

    def __str__(self):
        return self.title

    @cached_property
    def source_list(self):
        """The documents this page is based on, in their order, as a list, loaded
        once per instance. Compiled once per process (CompiledQuery)."""
        name = self._meta.get_field("sources").related_query_name()
        query = compiled_query(
            type(self),
            "source_list",
            lambda pk: Source.objects.filter(**{name: pk}),
        )
        return query(self.pk)

    def fill_derived_fields(self):
        if not self.slug:
            self.slug = unique_slug(type(self), self.title, self.pk)
        self.body_html = render_markdown(self.body)
        super().fill_derived_fields()


class Treatment(PageContent):
    """A treatment the clinic offers, with the facts patients look for."""

    review_kind = "treatment"

    aftercare = models.TextField(
        blank=True, help_text="Markdown: what to do and avoid after a session."
    )
    aftercare_html = models.TextField(blank=True, editable=False)
    synonyms = models.TextField(
        blank=True,
        help_text="Other names and common misspellings, one per line. Search "
        "treats each as this treatment's name.",
    )

    class Meta(PageContent.Meta):
        ordering = ["title", "pk"]
        permissions = [
            ("publish_treatment", "Can publish treatments"),
            ("review_treatment", "Can mark treatments as clinically reviewed"),
        ]

    def fill_derived_fields(self):
        self.aftercare_html = render_markdown(self.aftercare)
        super().fill_derived_fields()

    def get_absolute_url(self):
        return slug_url("articles:treatment-detail", self.slug)

    def fact_rows(self):
        """(facts, contraindications) of this treatment, in order, as lists, each
        row's `source` loaded; compiled once per process (CompiledQuery). The
        sources come with `self.source_list`, which the page lists anyway, and one
        more query only for sources the page does not list itself."""
        facts = _FACTS(self.pk)
        contraindications = _CONTRAINDICATIONS(self.pk)
        sources = {source.pk: source for source in self.source_list}
        cited = {row.source_id for row in (*facts, *contraindications)}
        missing = sorted(cited - sources.keys() - {None})
        if missing:
            sources.update((source.pk, source) for source in _SOURCES(missing))
        for row in (*facts, *contraindications):
            if row.source_id is not None:
                row.source = sources.get(row.source_id)  # None if just deleted
        return facts, contraindications


class TreatmentFact(models.Model):
    """One structured fact about a treatment, citing the passage it came from."""

    class Kind(models.TextChoices):
        SESSIONS = "sessions", "Number of sessions"
        INTERVAL = "interval", "Time between sessions"
        SESSION_LENGTH = "session_length", "Session length"
        DOWNTIME = "downtime", "Downtime and recovery"
        RESULTS = "results", "When results show"
        DISCOMFORT = "discomfort", "Discomfort"
        AFTERCARE = "aftercare", "Aftercare"

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="facts"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(
        max_length=200, help_text="The fact in a few words, e.g. '6 to 12 sessions'."
    )
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facts",
        help_text="The document that states this fact.",
    )
    quote = models.TextField(
        blank=True, help_text="The sentence in the source that states it."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["treatment", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "sessions",
                        "interval",
                        "session_length",
                        "downtime",
                        "results",
                        "discomfort",
                        "aftercare",
                    ]
                ),
                name="articles_treatmentfact_kind_valid",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"


class Contraindication(models.Model):
    """Who should not have a treatment, one condition per row."""

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="contraindications"
    )
    condition = models.CharField(
        max_length=200, help_text="Who or when, e.g. 'Pregnant or breastfeeding'."
    )
    reason = models.TextField(blank=True, help_text="Why, in plain words.")
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contraindications",
    )
    quote = models.TextField(
        blank=True, help_text="The sentence in the source that states it."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["treatment", "position", "pk"]

    def __str__(self):
        return self.condition


# What a list of article cards shows (templates/includes/_page_list.html, the home
# page, tag pages): lists never load the Markdown body or its HTML.
CARD_FIELDS = ("pk", "slug", "title", "summary", "published_at")


class ArticleQuerySet(PublishableQuerySet):
    # Related articles are ranked among this many of the newest published articles
    # sharing a tag, so the ranking costs the same at 1,000 or 100,000 articles.
    RELATED_CANDIDATES = 200

    def cards(self):
        """Only the columns a list of article cards shows."""
        return self.only(*CARD_FIELDS)

    def about(self, treatment, common=False):
        """Articles about this treatment (or treatment id), by either plan of
        `linked()`."""
        links = Article.treatments.through.objects.filter(treatment=treatment)
        return self.linked(links, "article", common)

    def treatment_is_common(self, treatment):
        """Whether at least COMMON_LINKS articles (any status) are about this
        treatment (or treatment id): the choice of plan for `about()`."""
        return has_many_links(_TREATMENT_LINKS, treatment)

    def related_to(self, article, limit=4):
        """Up to `limit` published articles sharing the most tags with `article`,
        newest first among equals, as a list of cards. Two small queries.

        Ranked among the RELATED_CANDIDATES newest tag links to published articles
        sharing any tag (ids only, never the body): an article appears once per
        tag it shares, so counting its rows counts its shared tags. An older
        article sharing more tags may lose to a newer one sharing fewer."""
        tag_ids = [tag.pk for tag in article.tag_list]
        if not tag_ids:
            return []
        links = _RELATED_LINKS(
            tag_ids, article.pk, timezone.now(), limit=self.RELATED_CANDIDATES
        )
        shared = Counter(links)
        # A stable sort keeps the newest first among articles sharing as many tags.
        ranked = sorted(shared, key=shared.__getitem__, reverse=True)[:limit]
        if not ranked:
            return []
        # The ranked ids are published already: four rowid lookups.
        cards = {card.pk: card for card in _CARDS(ranked)}
        return [cards[pk] for pk in ranked if pk in cards]


class Article(PageContent):
    """An article for patients, about one or more treatments."""

    review_kind = "article"

    treatments = models.ManyToManyField(
        Treatment,
        blank=True,
        related_name="articles",
        help_text="The treatments this article discusses.",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta(PageContent.Meta):
        ordering = ["-published_at", "-pk"]
        permissions = [
            ("publish_article", "Can publish articles"),
            ("review_article", "Can mark articles as clinically reviewed"),
            ("import_sources", "Can import source documents"),
        ]

    def get_absolute_url(self):
        return slug_url("articles:article-detail", self.slug)


_TREATMENT_LINKS = CompiledQuery(
    lambda treatment, limit: Article.treatments.through.objects.filter(
        treatment=treatment
    ).values_list("pk", flat=True)[:limit]
)

# Related articles' two queries, compiled once per process (CompiledQuery).
_RELATED_LINKS = CompiledQuery(
    lambda tag_ids, pk, now, limit: (
        Article.objects.published(now)
        .filter(tags__in=tag_ids)
        .exclude(pk=pk)
        .order_by("-published_at", "-pk")
        .values_list("pk", flat=True)[:limit]
    )
)
_CARDS = CompiledQuery(lambda pks: Article.objects.filter(pk__in=pks).cards())


# The treatment page's rows, compiled once per process (CompiledQuery).
_FACTS = CompiledQuery(lambda pk: TreatmentFact.objects.filter(treatment=pk))
_CONTRAINDICATIONS = CompiledQuery(
    lambda pk: Contraindication.objects.filter(treatment=pk)
)
_SOURCES = CompiledQuery(lambda pks: Source.objects.filter(pk__in=pks))
