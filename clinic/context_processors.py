from django.conf import settings


def site(request):
    """Values every template needs: the clinic's name and this page's canonical URL
    (the request's own host; query strings dropped except a list's page number)."""
    canonical = request.build_absolute_uri(request.path)
    page = request.GET.get("page", "")
    if page.isdigit() and page != "1":
        canonical += f"?page={page}"
    return {"clinic_name": settings.CLINIC_NAME, "canonical_url": canonical}
