"""
Editorial records kept beside the content: revisions, the claims rules, the result
of the last claims and readability check of each page, and reviewers' credentials.
"""

import re

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class RevisionQuerySet(models.QuerySet):
    def for_object(self, obj):
        """Every revision of `obj`, newest first."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        )


class Revision(models.Model):
    """A snapshot of a page after one save, from the admin, an import or a revert."""

    class Origin(models.TextChoices):
        ADMIN = "admin", "Admin"
        IMPORT = "import", "Import"
        REVERT = "revert", "Revert"
        OTHER = "other", "Other"

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    number = models.PositiveIntegerField(help_text="1 for the first revision.")
    created_at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    origin = models.CharField(
        max_length=10, choices=Origin.choices, default=Origin.OTHER
    )
    object_repr = models.CharField(max_length=300)
    data = models.JSONField(encoder=DjangoJSONEncoder)
    changed_fields = models.JSONField(default=list, blank=True)
    reverted_from = models.PositiveIntegerField(
        null=True, blank=True, help_text="The revision number this one restored."
    )

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-number", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "number"],
                name="editorial_revision_unique_number",
            ),
            models.CheckConstraint(
                condition=models.Q(origin__in=["admin", "import", "revert", "other"]),
                name="editorial_revision_origin_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-number"],
                name="editorial_rev_object_idx",
            ),
            models.Index(fields=["created_at"], name="editorial_rev_created_idx"),
        ]

    def __str__(self):
        return f"{self.object_repr} (revision {self.number})"

    @property
    def author(self):
        if self.user_id:
            return self.user.get_full_name() or self.user.get_username()
        return {"import": "importer"}.get(self.origin, "system")


def validate_pattern(value):
    try:
        re.compile(value, re.IGNORECASE)
    except re.error as exc:
        raise ValidationError(f"Not a valid pattern: {exc}") from exc


class ClaimRule(models.Model):
    """A kind of claim that advertising rules for cosmetic treatments do not allow
    without strong evidence ("permanent results", "painless" ...)."""

    label = models.CharField(
        max_length=120,
        help_text="What the claim is, e.g. 'Promises permanent results'.",
    )
    pattern = models.CharField(
        max_length=400,
        validators=[validate_pattern],
        help_text="Words to look for, case does not matter. Separate alternatives "
        "with | (e.g. 'painless|pain-free'); \\b marks a word boundary; .{0,30} "
        "allows up to 30 characters in between.",
    )
    advice = models.TextField(
        blank=True,
        help_text="What to write instead, shown to the editor beside the finding.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["label", "pk"]

    def __str__(self):
        return self.label


class ContentCheck(models.Model):
    """The latest claims and readability check of one page, refreshed on every save
    and import."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    claims = models.JSONField(default=list, blank=True)
    claims_count = models.PositiveIntegerField(default=0)
    reading_ease = models.FloatField(null=True, blank=True)
    grade = models.FloatField(null=True, blank=True)
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-checked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                name="editorial_contentcheck_unique_object",
            )
        ]

    def __str__(self):
        return f"Check of {self.content_type.model} {self.object_id}"


class ReviewerProfile(models.Model):
    """How a clinical reviewer is named on pages they review."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer"
    )
    display_name = models.CharField(
        max_length=120, help_text="As shown to patients, e.g. 'Dr Ana Silva'."
    )
    credentials = models.CharField(
        max_length=120, help_text="E.g. 'MBBS, MRCP (Dermatology)'."
    )

    class Meta:
        ordering = ["display_name", "pk"]

    def __str__(self):
        return f"{self.display_name}, {self.credentials}"
