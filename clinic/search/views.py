"""The search page and the suggestions endpoint: thin, all work is in api.py."""

from django.http import JsonResponse
from django.shortcuts import render

from clinic.search import api

NUL_MESSAGE = "Search text cannot contain a NUL character (%00)."


def _int(value, default=1):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def search_page(request):
    """Search results; with no query, the empty search page."""
    text = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    tag = request.GET.get("tag", "")[:100]
    if "\x00" in text + kind + tag:
        response = render(
            request, "search/search.html", {"error": NUL_MESSAGE}, status=400
        )
        return response
    results = api.search(text, kind=kind or None, tag=tag or None,
                         page=_int(request.GET.get("page")))  # fmt: skip
    return render(
        request,
        "search/search.html",
        {"results": results, "query": text[: api.parser.MAX_QUERY_CHARS],
         "kind": kind, "tag": tag},
    )  # fmt: skip


def suggest_json(request):
    """Titles starting with ?q=, for the optional suggest-as-you-type script."""
    prefix = request.GET.get("q", "")
    if "\x00" in prefix:
        return JsonResponse({"error": NUL_MESSAGE}, status=400)
    return JsonResponse({"suggestions": api.suggest(prefix)})
