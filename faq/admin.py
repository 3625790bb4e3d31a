from django.contrib import admin

from clinic.admin import PROVENANCE_FIELDS, REVIEW_FIELDS, PublishableAdmin
from faq.models import Question


@admin.register(Question)
class QuestionAdmin(PublishableAdmin):
    list_display = (
        "question",
        "treatment",
        "position",
        "visibility",
        "review_due",
        "claims_flag",
        "tag_list",
    )
    list_filter = PublishableAdmin.list_filter + ("treatment",)
    list_select_related = ("treatment",)
    search_fields = ("question", "answer")
    prepopulated_fields = {"slug": ("question",)}
    autocomplete_fields = ("treatment", "article")
    fieldsets = (
        (None, {"fields": ("question", "slug", "answer", "tags")}),
        ("Placement", {"fields": ("treatment", "position", "article", "sources")}),
        ("Publishing", {"fields": ("status", "published_at")}),
        ("Clinical review", {"fields": REVIEW_FIELDS}),
        (
            "Import provenance",
            {
                "classes": ("collapse",),
                "fields": PROVENANCE_FIELDS + ("created_at", "updated_at"),
            },
        ),
    )
    filter_horizontal = ("sources",)
