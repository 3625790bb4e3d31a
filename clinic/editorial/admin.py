"""
The editorial side of the admin: revision history, compare and revert; the claims
and readability panel; "Mark as reviewed"; and the refusal of a save that would
silently overwrite someone else's.
"""

import difflib

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext

from clinic.editorial import readability as scores
from clinic.editorial.checks import run_checks
from clinic.editorial.models import ClaimRule, ContentCheck, ReviewerProfile, Revision
from clinic.editorial.revisions import revert, revision_actor, snapshot

REVIEW_FIELDS = ("reviewer_name", "reviewer_credentials", "reviewed_date")
REVISIONS_PER_PAGE = 50


def has_review_permission(user, model):
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.review_{opts.model_name}")


class ConcurrentEditForm(forms.ModelForm):
    """Carries the time the page was last saved when the form was opened. If the page
    has been saved since, the save is refused and the message says who changed what.
    """

    edit_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.updated_at:
            self.fields["edit_token"].initial = self.instance.updated_at.isoformat()

    def clean(self):
        cleaned = super().clean()
        token = parse_datetime(cleaned.get("edit_token") or "")
        if not (self.instance.pk and token):
            return cleaned
        model = type(self.instance)
        rows = model._default_manager.filter(pk=self.instance.pk)
        # The admin saves inside a transaction: lock the row until it commits so
        # two saves cannot both pass this check (SQLite locks the whole file).
        if transaction.get_connection().features.has_select_for_update:
            rows = rows.select_for_update()
        current = rows.values_list("updated_at", flat=True).first()
        if current is None or current == token:
            return cleaned
        raise ValidationError(self.conflict_message(token), code="edit_conflict")

    def conflict_message(self, since):
        newer = (
            Revision.objects.for_object(self.instance)
            .filter(created_at__gt=since)
            .select_related("user")
            .order_by("number")
        )
        changes = [
            f"{rev.author} changed {', '.join(rev.changed_fields) or 'nothing visible'}"
            f" at {timezone.localtime(rev.created_at):%H:%M:%S}"
            for rev in newer[:5]
        ]
        detail = "; ".join(changes) or "another save"
        return (
            "This page was changed by someone else after you opened it "
            f"({detail}). Your changes were not saved, so theirs are not lost: open "
            "the page again (or compare its revisions), then redo your changes."
        )


class ClaimsFilter(admin.SimpleListFilter):
    """Pages whose last check found wording to review."""

    title = "claims check"
    parameter_name = "claims"

    def lookups(self, request, model_admin):
        return [("flagged", "Has claims to check"), ("clear", "No claims found")]

    def queryset(self, request, queryset):
        if self.value() == "flagged":
            return queryset.filter(claim_warnings__gt=0)
        if self.value() == "clear":
            return queryset.exclude(claim_warnings__gt=0)
        return queryset


class ReviewDashboard:
    """Counts for the admin index: overdue, due within 30 days, never reviewed."""

    @staticmethod
    def rows():
        from articles.models import Article, Treatment
        from faq.models import Question

        rows = []
        for model in (Treatment, Article, Question):
            published = model.objects.published()
            changelist = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
            )
            rows.append(
                {
                    "label": model._meta.verbose_name_plural.capitalize(),
                    "overdue": published.overdue_for_review().count(),
                    "due": published.due_for_review().count(),
                    "never": published.never_reviewed().count(),
                    "url": changelist,
                }
            )
        return rows


class EditorialAdminMixin:
    """Mixed into PublishableAdmin (clinic/admin.py)."""

    form = ConcurrentEditForm
    change_form_template = "admin/editorial/change_form.html"

    # Attribution: every save made through these views is a revision by this user.
    def changeform_view(self, request, *args, **kwargs):
        with revision_actor(request.user, "admin"):
            return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        with revision_actor(request.user, "admin"):
            return super().changelist_view(request, *args, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**opts, "fields": list(opts["fields"])})
            for name, opts in super().get_fieldsets(request, obj)
        ]
        fieldsets[0][1]["fields"].append("edit_token")
        if obj is not None:
            fieldsets.insert(
                1, ("Claims and readability", {"fields": ["editorial_checks"]})
            )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj)) + ["editorial_checks"]
        if not has_review_permission(request.user, self.model):
            fields += [f for f in REVIEW_FIELDS if f not in fields]
        return fields

    def get_queryset(self, request):
        check = ContentCheck.objects.filter(
            content_type=ContentType.objects.get_for_model(self.model),
            object_id=OuterRef("pk"),
        ).values("claims_count")[:1]
        return super().get_queryset(request).annotate(claim_warnings=Subquery(check))

    @admin.display(description="Claims", ordering="claim_warnings")
    def claims_flag(self, obj):
        count = getattr(obj, "claim_warnings", None) or 0
        if not count:
            return "-"
        return format_html(
            '<span title="Wording to check">⚠ {}</span>',
            ngettext("%d claim", "%d claims", count) % count,
        )

    @admin.display(description="Checks")
    def editorial_checks(self, obj):
        if obj is None or obj.pk is None:
            return "Saved pages are checked."
        findings, result = run_checks(obj)
        parts = []
        if findings:
            items = format_html_join(
                "",
                "<li><strong>{}</strong> in {}: “{}”<br><em>{}</em></li>",
                ((f.rule, f.field, f.excerpt, f.advice) for f in findings),
            )
            parts.append(
                format_html(
                    '<div class="claims-warning"><p><strong>{}</strong> Publishers '
                    "can still publish after reading them.</p><ul>{}</ul></div>",
                    ngettext("%d claim to check.", "%d claims to check.", len(findings))
                    % len(findings),
                    items,
                )
            )
        else:
            parts.append(format_html("<p>{}</p>", "No restricted claims found."))
        if result is None:
            parts.append(format_html("<p>{}</p>", "Too little text to score."))
        else:
            verdict = "meets" if result.meets_target else "is harder than"
            parts.append(
                format_html(
                    "<p>Reading ease <strong>{}</strong> (target {} or more), grade "
                    "<strong>{}</strong>, reading age about {} (target 11 to 12): "
                    "{} the plain-English target. {} words, {} sentences.</p>",
                    result.reading_ease,
                    scores.TARGET_EASE,
                    result.grade,
                    result.reading_age,
                    verdict,
                    result.words,
                    result.sentences,
                )
            )
        return format_html_join("", "{}", ((p,) for p in parts))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        findings, _ = run_checks(obj)
        if findings:
            self.message_user(
                request,
                ngettext(
                    "Saved, with %d claim to check: %s.",
                    "Saved, with %d claims to check: %s.",
                    len(findings),
                )
                % (len(findings), "; ".join(sorted({f.rule for f in findings}))),
                messages.WARNING,
            )

    # "Mark as reviewed" --------------------------------------------------------
    def has_review_permission(self, request):
        return has_review_permission(request.user, self.model)

    @admin.action(
        description="Mark as clinically reviewed today", permissions=["review"]
    )
    def mark_reviewed(self, request, queryset):
        profile = ReviewerProfile.objects.filter(user=request.user).first()
        if profile is None:
            self.message_user(
                request,
                "Add your name and credentials under Editorial › Reviewer profiles "
                "first: they are shown to patients on every page you review.",
                messages.ERROR,
            )
            return
        today = timezone.localdate()
        count = 0
        for obj in queryset:
            obj.reviewer_name = profile.display_name
            obj.reviewer_credentials = profile.credentials
            obj.reviewed_date = today
            obj.next_review_date = None  # Recomputed from the interval on save.
            obj.save()
            count += 1
        self.message_user(
            request,
            ngettext(
                "%d page marked as reviewed.", "%d pages marked as reviewed.", count
            )
            % count,
            messages.SUCCESS,
        )

    # Revisions ------------------------------------------------------------------
    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/revisions/",
                wrap(self.revisions_view),
                name="{}_{}_revisions".format(*info),
            ),
            path(
                "<path:object_id>/revisions/compare/",
                wrap(self.compare_view),
                name="{}_{}_revisions_compare".format(*info),
            ),
            path(
                "<path:object_id>/revisions/<int:number>/revert/",
                wrap(self.revert_view),
                name="{}_{}_revisions_revert".format(*info),
            ),
        ] + super().get_urls()

    def _object_or_404(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404
        return obj

    def _context(self, request, obj, title):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": title,
            "change_url": reverse(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}"
                "_change",
                args=[obj.pk],
            ),
        }

    def protected_changes(self, request, obj, revision):
        """Fields a revert would change that this user may not change by hand."""
        protected = []
        if not self.has_publish_permission(request):
            protected += ["status", "published_at"]
        if not self.has_review_permission(request):
            protected += list(REVIEW_FIELDS) + ["next_review_date"]
        current = snapshot(obj)
        return [
            f.replace("_", " ")
            for f in protected
            if f in revision.data and revision.data[f] != current.get(f)
        ]

    def revisions_view(self, request, object_id):
        obj = self._object_or_404(request, object_id)
        revisions = Revision.objects.for_object(obj).select_related("user")
        page = Paginator(revisions, REVISIONS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        context = self._context(request, obj, f"Revisions of “{obj}”")
        context.update(
            page_obj=page,
            can_revert=self.has_change_permission(request, obj),
        )
        return TemplateResponse(request, "admin/editorial/revision_list.html", context)

    def compare_view(self, request, object_id):
        obj = self._object_or_404(request, object_id)
        revisions = Revision.objects.for_object(obj)
        try:
            numbers = sorted({int(request.GET["a"]), int(request.GET["b"])})
        except (KeyError, ValueError):
            messages.error(request, "Choose two revisions to compare.")
            return HttpResponseRedirect("../")
        found = {r.number: r for r in revisions.filter(number__in=numbers)}
        if len(found) != len(numbers) or len(numbers) != 2:
            raise Http404("No such revisions")
        older, newer = found[numbers[0]], found[numbers[1]]
        rows = []
        for name in sorted(newer.data.keys() | older.data.keys()):
            a, b = older.data.get(name), newer.data.get(name)
            rows.append(
                {
                    "field": name.replace("_", " "),
                    "changed": a != b,
                    "old": a,
                    "new": b,
                    "diff": _line_diff(a, b) if a != b else None,
                }
            )
        rows.sort(key=lambda r: not r["changed"])
        context = self._context(
            request, obj, f"Compare revisions {older.number} and {newer.number}"
        )
        context.update(older=older, newer=newer, rows=rows)
        return TemplateResponse(
            request, "admin/editorial/revision_compare.html", context
        )

    def revert_view(self, request, object_id, number):
        obj = self._object_or_404(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        revision = get_object_or_404(Revision.objects.for_object(obj), number=number)
        refused = self.protected_changes(request, obj, revision)
        if refused:
            messages.error(
                request,
                "Reverting to this revision would change "
                f"{', '.join(refused)}, which your account may not change.",
            )
            return HttpResponseRedirect("../../")
        if request.method != "POST":
            context = self._context(request, obj, f"Revert to revision {number}?")
            context.update(revision=revision)
            return TemplateResponse(
                request, "admin/editorial/revision_revert.html", context
            )
        new = revert(obj, revision, user=request.user)
        messages.success(
            request,
            f"Reverted to revision {number}; saved as revision {new.number}.",
        )
        return HttpResponseRedirect(self._context(request, obj, "")["change_url"])

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and obj.pk:
            meta = self.model._meta
            context["revisions_url"] = reverse(
                f"admin:{meta.app_label}_{meta.model_name}_revisions", args=[obj.pk]
            )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


def _line_diff(old, new):
    """Lines removed and added between two values, for the compare view."""
    old_lines = str(old if old is not None else "").splitlines() or [""]
    new_lines = str(new if new is not None else "").splitlines() or [""]
    out = []
    for line in difflib.ndiff(old_lines, new_lines):
        tag, text = line[:1], line[2:]
        if tag in "+-":
            out.append({"added": tag == "+", "text": text})
    return out


@admin.register(ClaimRule)
class ClaimRuleAdmin(admin.ModelAdmin):
    list_display = ("label", "pattern", "is_active")
    list_filter = ("is_active",)
    search_fields = ("label", "pattern", "advice")


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ("display_name", "credentials", "user")
    search_fields = ("display_name", "credentials", "user__username")
    autocomplete_fields = ("user",)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """All revisions across the site, read-only: history is not editable."""

    list_display = ("object_repr", "number", "content_type", "origin", "user",
                    "created_at")  # fmt: skip
    list_filter = ("origin", "content_type")
    list_select_related = ("user", "content_type")
    search_fields = ("object_repr",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
