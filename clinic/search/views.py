"""The search page and the suggestions endpoint: thin, all work is in api.py."""

from urllib.parse import quote

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
    query = text[: api.parser.MAX_QUERY_CHARS]
    return render(
        request,
        "search/search.html",
        {"results": results, "query": query, "kind": kind, "tag": tag,
         "links": _links(results, query, kind, tag)},
    )  # fmt: skip


def _links(results, query, kind, tag):
    """The filter and page links, built once here: in template tags, the ~30 links
    of a page cost about as much as the rest of the page (profiled). A link is
    (text, href), href None for the filter in force."""

    def href(kind="", tag="", page=None):
        params = [("q", query), ("kind", kind), ("tag", tag), ("page", page)]
        # Quoted as the template's |urlencode quoted (a space is %20).
        return "?" + "&".join(f"{k}={quote(str(v), safe='/')}" for k, v in params if v)

    return {
        "all_kinds": href(tag=tag) if kind else None,
        "kinds": [
            (f"{label}s ({count})", None if value == kind else href(value, tag))
            for value, label, count in results.kind_counts
        ],
        "all_topics": href(kind) if tag else None,
        "tags": [
            (f"{name} ({count})", None if slug == tag else href(kind, slug))
            for slug, name, count in results.tag_counts
        ],
        "previous": href(kind, tag, results.previous_page),
        "next": href(kind, tag, results.next_page),
    }


def suggest_json(request):
    """Titles starting with ?q=, for the optional suggest-as-you-type script."""
    prefix = request.GET.get("q", "")
    if "\x00" in prefix:
        return JsonResponse({"error": NUL_MESSAGE}, status=400)
    return JsonResponse({"suggestions": api.suggest(prefix)})
