"""
SQL both dialects share: given a back-end's bounded candidates (id, tier, and on
PostgreSQL kind and publish time), one statement returns the page of hits with their
snippets, the live total and the facet counts, so the full-text match runs once per
search.
"""

import datetime as dt

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

ENTRY = "search_searchentry"


def results(candidates, params, now, offset, limit, want, backend, snippet=None):
    """Run the statement: ([hit dicts], total, [(facet, value, name, count)]).
    The back-end's MATCH_TABLE (a FROM item named e) has the id, kind and publish
    time of every entry: the narrowest it has, as ranking and counts read it for
    every candidate; None when the candidates carry kind and publish time
    themselves. Its SETTINGS, if any, apply to this statement only. `snippet`,
    the back-end's (expression, params, join, params) for the page's snippets:
    computed here for the hits alone, with no statement of their own."""
    table = backend.MATCH_TABLE
    expression, expression_params, join, join_params = snippet or ("NULL", [], "", [])
    nulls = "NULL, NULL, NULL, NULL, NULL, NULL"
    parts = [
        f"""SELECT * FROM (
            SELECT 'hit' AS section, page.id, page.kind, e.title, e.url,
                   page.published_at, page.tier,
                   CAST(NULL AS text) AS value, CAST(NULL AS text) AS name,
                   CAST(NULL AS bigint) AS n, {expression} AS snippet
            FROM (SELECT * FROM live ORDER BY tier, published_at DESC, id DESC
                  LIMIT %s OFFSET %s) page
            JOIN {ENTRY} e ON e.id = page.id {join}
        ) hits""",
        f"SELECT 'total', {nulls}, NULL, NULL, count(*), NULL FROM live",
    ]
    if "kind" in want:
        parts.append(
            f"SELECT 'kind', {nulls}, kind, NULL, count(*), NULL FROM live "
            "GROUP BY kind"
        )
    if "tag" in want:
        parts.append(
            f"SELECT 'tag', {nulls}, t.slug, t.name, count(*), NULL FROM live "
            "JOIN search_searchentrytag t ON t.entry_id = live.id "
            "GROUP BY t.slug, t.name"
        )
    live = "id, kind, published_at, tier FROM candidates e"
    if table:
        live = f"""e.id, e.kind, e.published_at, c.tier
            FROM candidates c JOIN {table} ON e.id = c.id"""
    sql = f"""
        WITH candidates AS ({candidates}), live AS MATERIALIZED (
            SELECT {live} WHERE e.published_at <= %s
        )
        {" UNION ALL ".join(parts)}
    """
    now = connection.ops.adapt_datetimefield_value(now)
    settings = getattr(backend, "SETTINGS", "")
    with connection.cursor() as cursor:
        # One round trip: the settings and the statement share an implicit
        # transaction, so SET LOCAL ends with it.
        cursor.execute(
            settings + sql,
            [*params, now, *expression_params, limit, offset, *join_params],
        )
        if settings:
            cursor.nextset()
        rows = cursor.fetchall()
    hits, total, facets = [], 0, []
    for row in rows:
        section, id_, kind, title, url, published_at, tier, value, name, n, raw = row
        if section == "hit":
            published_at = _datetime(published_at)
            hits.append(
                {"id": id_, "kind": kind, "title": title, "url": url,
                 "published_at": published_at, "tier": tier, "snippet": raw or ""}
            )  # fmt: skip
        elif section == "total":
            total = n
        else:
            facets.append((section, value, name or value, n))
    # UNION ALL keeps no order: sort the page again, as the SQL did.
    hits.sort(key=lambda h: (h["tier"], -h["published_at"].timestamp(), -h["id"]))
    return hits, total, facets


def _datetime(value):
    # Raw SQL on SQLite may return the stored text, or a naive UTC datetime.
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value
