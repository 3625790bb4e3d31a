from django.contrib import admin
from django.urls import path

from articles.models import Article, Contraindication, Source, Treatment, TreatmentFact
from clinic.admin import PROVENANCE_FIELDS, REVIEW_FIELDS, PublishableAdmin
from faq.models import Question


class TreatmentFactInline(admin.TabularInline):
    model = TreatmentFact
    extra = 0
    fields = ("position", "kind", "value", "source", "quote")
    autocomplete_fields = ("source",)


class ContraindicationInline(admin.TabularInline):
    model = Contraindication
    extra = 0
    fields = ("position", "condition", "reason", "source", "quote")
    autocomplete_fields = ("source",)


class QuestionInline(admin.StackedInline):
    """FAQ questions edited on their treatment, in order. Status is shown but only
    publishers change it, from the question's own page or the bulk actions."""

    model = Question
    fk_name = "treatment"
    extra = 0
    fields = (("position", "status"), "question", "answer")
    readonly_fields = ("status",)
    ordering = ("position", "pk")
    show_change_link = True


PAGE_FIELDSETS = (
    (None, {"fields": ("title", "slug", "summary", "body", "tags")}),
    ("Publishing", {"fields": ("status", "published_at")}),
    ("Clinical review", {"fields": REVIEW_FIELDS}),
)
PROVENANCE_FIELDSET = (
    "Import provenance",
    {
        "classes": ("collapse",),
        "fields": PROVENANCE_FIELDS + ("created_at", "updated_at"),
    },
)


@admin.register(Treatment)
class TreatmentAdmin(PublishableAdmin):
    list_display = (
        "title",
        "visibility",
        "review_due",
        "claims_flag",
        "tag_list",
        "updated_at",
    )
    search_fields = ("title", "summary", "body", "synonyms")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [TreatmentFactInline, ContraindicationInline, QuestionInline]
    filter_horizontal = ("sources",)
    fieldsets = (
        PAGE_FIELDSETS[:1]
        + (("Treatment details", {"fields": ("aftercare", "synonyms", "sources")}),)
        + PAGE_FIELDSETS[1:]
        + (PROVENANCE_FIELDSET,)
    )


@admin.register(Article)
class ArticleAdmin(PublishableAdmin):
    list_display = (
        "title",
        "visibility",
        "published_at",
        "review_due",
        "claims_flag",
        "tag_list",
    )
    list_filter = PublishableAdmin.list_filter + ("treatments",)
    search_fields = ("title", "summary", "body")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("treatments", "sources")
    # The importer's upload page hangs off the article list ("Import sources").
    change_list_template = "admin/articles/article/change_list.html"
    fieldsets = (
        PAGE_FIELDSETS[:1]
        + (("Related", {"fields": ("treatments", "sources")}),)
        + PAGE_FIELDSETS[1:]
        + (PROVENANCE_FIELDSET,)
    )

    def get_urls(self):
        from articles.importer.admin_views import import_sources_view

        return [
            path(
                "import/",
                self.admin_site.admin_view(import_sources_view),
                name="articles_article_import",
            )
        ] + super().get_urls()


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("file_name", "title", "imported_at", "parser_version")
    search_fields = ("file_name", "title")
    readonly_fields = ("content_hash", "size", "imported_at", "parser_version")
