from django.contrib import admin

from clinic.search.models import SearchEntry, Synonym, ZeroResultQuery


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ("__str__", "note", "updated_at")
    search_fields = ("terms", "note")
    fields = ("terms", "note")


@admin.register(ZeroResultQuery)
class ZeroResultQueryAdmin(admin.ModelAdmin):
    """Read-only: what visitors searched for and did not find."""

    list_display = ("query", "count", "first_seen_at", "last_seen_at")
    search_fields = ("query",)
    date_hierarchy = "last_seen_at"
    readonly_fields = ("query", "count", "first_seen_at", "last_seen_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SearchEntry)
class SearchEntryAdmin(admin.ModelAdmin):
    """The index as search sees it, for checking; rebuilt, never edited."""

    list_display = ("title", "kind", "published_at", "url")
    list_filter = ("kind",)
    search_fields = ("title",)
    date_hierarchy = "published_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
