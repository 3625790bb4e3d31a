"""Admin upload of source documents (placeholder until the importer lands)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse


def import_sources_view(request):
    if not request.user.has_perm("articles.import_sources"):
        raise PermissionDenied
    return HttpResponse("The importer is not installed yet.", content_type="text/plain")
