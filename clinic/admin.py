"""
The admin behaviour every kind of content shares: the publish permission enforced on
the server, review-due filters, bulk actions and read-only provenance.

Editors create and edit; only users with the model's `publish_<model>` permission
(the Publishers group) can change status or publish time, on every path: the change
form, the bulk actions and any inline. The fields are made read-only for others, so
a forged POST cannot set them either: Django ignores read-only fields in the form.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import ngettext

from clinic.editorial.admin import ClaimsFilter, EditorialAdminMixin
from clinic.publishing import Status

PROVENANCE_FIELDS = (
    "source_name",
    "source_hash",
    "imported_at",
    "parser_version",
    "import_conflict",
    "import_notes",
)
REVIEW_FIELDS = (
    ("reviewer_name", "reviewer_credentials"),
    ("reviewed_date", "next_review_date"),
)
PUBLISH_FIELDS = ("status", "published_at")


def has_publish_permission(user, model):
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")


class ReviewDueFilter(admin.SimpleListFilter):
    """Clinical review at a glance: overdue, due within 30 days, never reviewed."""

    title = "clinical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Overdue"),
            ("due", "Due within 30 days"),
            ("never", "Never reviewed"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "overdue":
            return queryset.overdue_for_review()
        if value == "due":
            return queryset.due_for_review()
        if value == "never":
            return queryset.never_reviewed()
        return queryset


class PublishStateFilter(admin.SimpleListFilter):
    """Live, scheduled or draft: the status field alone cannot tell the first two."""

    title = "visibility"
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("scheduled", "Scheduled"), ("draft", "Draft")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "live":
            return queryset.published()
        if value == "scheduled":
            return queryset.scheduled()
        if value == "draft":
            return queryset.filter(status=Status.DRAFT)
        return queryset


class PublishableAdmin(EditorialAdminMixin, admin.ModelAdmin):
    """Base ModelAdmin for treatments, articles and FAQ questions. The editorial
    mixin adds revisions, the claims check, "Mark as reviewed" and the refusal of
    conflicting saves."""

    date_hierarchy = "published_at"
    list_filter = ("status", PublishStateFilter, ReviewDueFilter, ClaimsFilter, "tags")
    list_per_page = 50
    actions = ["publish_selected", "unpublish_selected", "mark_reviewed"]
    readonly_fields = PROVENANCE_FIELDS + ("created_at", "updated_at")
    save_on_top = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not has_publish_permission(request.user, self.model):
            fields += [f for f in PUBLISH_FIELDS if f not in fields]
        return fields

    def save_model(self, request, obj, form, change):
        # Belt and braces: the fields are read-only for non-publishers, so this only
        # fires if a subclass exposes them some other way.
        if not has_publish_permission(request.user, self.model) and (
            "status" in form.changed_data or "published_at" in form.changed_data
        ):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    @admin.display(description="Tags")
    def tag_list(self, obj):
        return ", ".join(tag.name for tag in obj.tags.all())

    @admin.display(description="Visibility")
    def visibility(self, obj):
        if obj.is_published:
            return "Live"
        if obj.is_scheduled:
            return (
                f"Scheduled for {timezone.localtime(obj.published_at):%d %b %Y %H:%M}"
            )
        return "Draft"

    @admin.display(description="Next review", ordering="next_review_date")
    def review_due(self, obj):
        if not obj.next_review_date:
            return "Never reviewed" if not obj.reviewed_date else "-"
        flag = " (overdue)" if obj.is_review_overdue else ""
        return f"{obj.next_review_date:%d %b %Y}{flag}"

    def has_publish_permission(self, request):
        return has_publish_permission(request.user, self.model)

    @admin.action(description="Publish selected now", permissions=["publish"])
    def publish_selected(self, request, queryset):
        now = timezone.now()
        count = 0
        # Saved one by one so save() logic, signals (search index, cache, revisions)
        # run for each row; a bulk update() would bypass them.
        for obj in queryset:
            obj.status = Status.PUBLISHED
            if obj.published_at is None or obj.published_at > now:
                obj.published_at = now
            obj.save()
            count += 1
        self.message_user(
            request,
            ngettext("%d item published.", "%d items published.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description="Unpublish selected", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        count = 0
        for obj in queryset:
            obj.status = Status.DRAFT
            obj.save()
            count += 1
        self.message_user(
            request,
            ngettext("%d item unpublished.", "%d items unpublished.", count) % count,
            messages.SUCCESS,
        )
