"""
What every kind of content shares: the publish rule, clinical review dates and
import provenance.

The publish rule lives here and nowhere else: `PublishableQuerySet.published()`.
`Publishable.is_published` mirrors it for a single object, and one test pins both to
the same truth table. The default manager is never filtered, so the admin sees drafts.
"""

from collections import Counter

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import cached_property
from taggit.managers import TaggableManager

from clinic.compiled import CompiledQuery, compiled_query

# A tag (or treatment) on at least this many rows is "common": a page of its newest
# rows is found by walking rows newest first and probing each one's links (a few
# probes per row shown when many rows carry it), not by collecting every link and
# sorting (one lookup per link). SQLite keeps no per-value statistics, so it cannot
# tell the two cases apart itself (docs/decisions/012-plans-by-link-count.md).
COMMON_LINKS = 400


def has_many_links(links, *values):
    """Whether the CompiledQuery `links` (link ids, taking a `limit`) finds at least
    COMMON_LINKS links for `values`: the choice of plan for `linked()`. Reads at
    most that many."""
    return len(links(*values, limit=COMMON_LINKS)) >= COMMON_LINKS


def _tag_links(model, slug):
    """The tag's links to rows of `model`, by slug and content type natural key
    (not the content type's id, which a compiled query would keep for good)."""
    from taggit.models import TaggedItem

    opts = model._meta
    return TaggedItem.objects.filter(
        tag__slug=slug,
        content_type__app_label=opts.app_label,
        content_type__model=opts.model_name,
    )


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PublishableQuerySet(models.QuerySet):
    def published(self, now=None):
        """Rows the public may see: published status and a publish time not in the
        future. Scheduled pages therefore go live at their time with no cron job.
        `now` is the time to judge by (the current time if not given)."""
        return self.filter(
            status=Status.PUBLISHED,
            published_at__lte=timezone.now() if now is None else now,
        )

    def drafts(self):
        """Rows the public cannot see yet: drafts and scheduled pages."""
        return self.exclude(pk__in=self.published().values("pk"))

    def visible_to(self, user):
        """Staff preview drafts ("view on site"); everyone else sees published rows."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        return self.published()

    def published_page(self, slug):
        """The published row with this slug (DoesNotExist if none): what a public
        detail page shows. Compiled once per process (CompiledQuery)."""
        model = _unfiltered(self, "published_page")
        query = compiled_query(
            model,
            "published_page",
            lambda slug, now: model._default_manager.published(now).filter(slug=slug),
        )
        rows = query(slug, timezone.now(), using=self.db)
        if not rows:
            raise model.DoesNotExist(f"No published {model._meta.model_name} {slug!r}")
        return rows[0]

    def published_with(self, **relation):
        """The published rows related to one object, in the model's order, as a
        list: `Question.objects.published_with(article=article)`. Compiled once per
        process (CompiledQuery)."""
        ((name, obj),) = relation.items()
        model = _unfiltered(self, "published_with")
        query = compiled_query(
            model,
            ("published_with", name),
            lambda pk, now: model._default_manager.published(now).filter(**{name: pk}),
        )
        return query(obj.pk, timezone.now(), using=self.db)

    def linked(self, links, column, common=False):
        """Rows whose pk is in `column` of the link rows `links` (no DISTINCT
        needed either way).

        Two plans for the same rows. By default the links are collected first:
        right for a rare tag or treatment, whose page would otherwise walk every
        published row. `common=True` (see `has_many_links()`) checks each row's
        links instead, with an index probe, so a page of the newest rows walks
        only as many rows as it needs, however many are linked."""
        if common:
            return self.filter(Exists(links.filter(**{column: OuterRef("pk")})))
        return self.filter(pk__in=links.values(column))

    def tagged(self, slug, common=False):
        """Rows carrying the tag with this slug, by either plan of `linked()`."""
        return self.linked(_tag_links(self.model, slug), "object_id", common)

    def tag_is_common(self, slug):
        """Whether the tag is on at least COMMON_LINKS rows of this model (any
        status): the choice of plan for `tagged()`."""
        model = _unfiltered(self, "tag_is_common")
        query = compiled_query(
            model,
            "tag_links",
            lambda slug, limit: _tag_links(model, slug).values_list("pk", flat=True)[
                :limit
            ],
        )
        return has_many_links(query, slug)

    def scheduled(self):
        """Published rows whose publish time is still ahead."""
        return self.filter(status=Status.PUBLISHED, published_at__gt=timezone.now())

    def overdue_for_review(self, today=None):
        """Rows whose next clinical review date has passed."""
        today = today or timezone.localdate()
        return self.filter(next_review_date__lt=today)

    def due_for_review(self, within=None, today=None):
        """Rows whose next review falls between today and `within` from now
        (default CLINIC_REVIEW_DUE_SOON, 30 days)."""
        today = today or timezone.localdate()
        within = within or settings.CLINIC_REVIEW_DUE_SOON
        return self.filter(
            next_review_date__gte=today, next_review_date__lte=today + within
        )

    def never_reviewed(self):
        """Rows no clinician has reviewed yet."""
        return self.filter(reviewed_date__isnull=True)


class Publishable(models.Model):
    """Abstract base for treatments, articles and FAQ questions."""

    # The kind's key in CLINIC_REVIEW_INTERVALS; each subclass sets its own.
    review_kind = ""

    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Only published pages whose publish time has come are public.",
    )
    published_at = models.DateTimeField(
        "publish time",
        null=True,
        blank=True,
        help_text="When the page goes live. A future time schedules it; "
        "empty means now, when you publish.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    reviewer_name = models.CharField(
        max_length=120,
        blank=True,
        help_text="The clinician who checked this page, e.g. 'Dr Ana Silva'.",
    )
    reviewer_credentials = models.CharField(
        max_length=120,
        blank=True,
        help_text="Their qualifications, e.g. 'MBBS, MRCP (Dermatology)'.",
    )
    reviewed_date = models.DateField(
        null=True, blank=True, help_text="The day the clinical review was done."
    )
    next_review_date = models.DateField(
        null=True,
        blank=True,
        help_text="When the page must be checked again. Left empty, it is set "
        "from the review date and the review interval for this kind of page.",
    )

    # Provenance, filled by the importer and read-only in the admin. Indexed: every
    # imported document looks up the rows it made by its name.
    source_name = models.CharField(
        "source document", max_length=255, blank=True, editable=False, db_index=True
    )
    source_hash = models.CharField(
        "source content hash", max_length=64, blank=True, editable=False
    )
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)
    parser_version = models.CharField(max_length=20, blank=True, editable=False)
    # Hash of the fields as the importer last wrote them: a row whose fields no longer
    # hash to this was edited by staff, and a re-import must not overwrite it.
    import_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    import_conflict = models.TextField(
        blank=True,
        editable=False,
        help_text="Set when a newer source could not be applied because staff had "
        "edited this page.",
    )
    # Spelling corrections, editorial warnings and dropped sections, for the editor.
    import_notes = models.JSONField(default=dict, blank=True, editable=False)

    tags = TaggableManager(blank=True, help_text="Comma-separated topics.")

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="%(app_label)s_%(class)s_status_valid",
            )
        ]
        # Every public list filters on both.
        indexes = [
            models.Index(
                fields=["status", "published_at"],
                name="%(app_label)s_%(class)s_pub_idx",
            )
        ]

    def save(self, *args, **kwargs):
        self.fill_derived_fields()
        super().save(*args, **kwargs)

    def fill_derived_fields(self):
        """Set the fields worked out from the others, as every save does. The
        importer calls it for rows it creates with bulk_create(), which skips save()."""
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if self.reviewed_date and not self.next_review_date:
            self.next_review_date = self.default_next_review_date()

    @property
    def is_published(self):
        """The instance mirror of `PublishableQuerySet.published()`."""
        return (
            self.status == Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @cached_property
    def tag_list(self):
        """This page's tags by name, loaded once per instance for the page's
        template, structured data and related articles. One plain join: taggit's
        prefetch builds a DISTINCT query that costs about three times as much."""
        from django.contrib.contenttypes.models import ContentType

        content_type = ContentType.objects.get_for_model(self)
        return _TAGS_OF_PAGE(content_type.pk, self.pk)

    def default_next_review_date(self):
        interval = settings.CLINIC_REVIEW_INTERVALS.get(self.review_kind)
        if not (interval and self.reviewed_date):
            return None
        return self.reviewed_date + interval

    @property
    def is_review_overdue(self):
        return bool(
            self.next_review_date and self.next_review_date < timezone.localdate()
        )


def published_tags():
    """Tags on at least one published page, by name, each with `uses`: how many
    published pages of every kind carry it. Worked out once per content change and
    shared by every worker (`clinic.caching.remember`): counting costs time in
    proportion to the site (35 ms of CPU at 20,000 articles), reading it does not."""
    from clinic.caching import remember

    return remember("published-tags", _count_published_tags)


def _count_published_tags():
    from taggit.models import Tag

    uses = Counter()
    # One grouped count per kind; taggit allows one link per tag and page, so no
    # DISTINCT is needed.
    for model in apps.get_models():
        if issubclass(model, Publishable):
            uses.update(
                dict(
                    model.objects.published()
                    .filter(tags__isnull=False)
                    .values_list("tags")
                    .annotate(pages=Count("pk"))
                    .order_by()
                )
            )
    tags = list(Tag.objects.filter(pk__in=list(uses)).order_by("name", "pk"))
    for tag in tags:
        tag.uses = uses[tag.pk]
    return tags


def _unfiltered(queryset, method):
    # Compiled queries start from the model's manager: a filter already on the
    # QuerySet would be silently dropped, so it is refused.
    if queryset.query.where:
        raise TypeError(f"{method}() runs on the manager, not a filtered QuerySet")
    return queryset.model


def _tags_of_page(content_type_id, object_id):
    from taggit.models import Tag

    return Tag.objects.filter(
        taggit_taggeditem_items__content_type=content_type_id,
        taggit_taggeditem_items__object_id=object_id,
    ).order_by("name", "pk")


_TAGS_OF_PAGE = CompiledQuery(_tags_of_page)
