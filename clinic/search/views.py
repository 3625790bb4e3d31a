from django.shortcuts import render


def search_page(request):
    """Placeholder until the search back-ends land (issue 5)."""
    return render(request, "search/search.html", {"query": request.GET.get("q", "")})
