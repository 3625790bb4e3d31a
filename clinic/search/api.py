"""
The one entry point the site calls: `search(query, kind=None, tag=None, page=1)` and
`suggest(prefix)`. The SQL dialect is chosen by the database in use; everything else
(parsing, synonyms, spelling, highlighting) is the same code on both.
"""

import logging
import math
import re
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from clinic.search import common
from clinic.search import query as parser
from clinic.search.index import facet_key
from clinic.search.models import Kind, ZeroResultQuery

logger = logging.getLogger(__name__)

PAGE_SIZE = 10
# Ranking, counts and facets work inside the CAP most recent matches (plus pages
# matched by name): it bounds the work per query; see docs/decisions/005-search.md.
CAP = 1000
SUGGEST_LIMIT = 8
MAX_PREFIX_CHARS = 60
# A word used on this few pages, with a far more common near neighbour, is treated
# as a likely misspelling too.
RARE = 2


def backend():
    if connection.vendor == "postgresql":
        from clinic.search import postgres

        return postgres
    from clinic.search import sqlite

    return sqlite


@dataclass
class Hit:
    kind: str
    title: str
    url: str
    published_at: object
    snippet: str = ""

    @property
    def kind_label(self):
        return Kind(self.kind).label


@dataclass
class Results:
    """What the search page shows."""

    text: str = ""
    query: parser.Query = field(default_factory=parser.Query)
    hits: list = field(default_factory=list)
    total: int = 0
    is_capped: bool = False
    page: int = 1
    kind_counts: list = field(default_factory=list)
    tag_counts: list = field(default_factory=list)
    did_you_mean: str = ""
    was_cut: bool = False

    @property
    def pages(self):
        return max(1, math.ceil(self.total / PAGE_SIZE))

    @property
    def first_number(self):
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def has_previous(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def previous_page(self):
        return self.page - 1

    @property
    def next_page(self):
        return self.page + 1


# The synonym groups as last parsed, and the names they were parsed from.
_groups = ((), [])


def _lookup(words, now):
    """({word: page count} for `words`, synonym groups) from one statement. The
    groups are staff's synonym list plus every live treatment's names (its title
    and the importer's other names); their names are read on every search, so an
    edit or a treatment going live counts at once, but parsed only when they
    change (the ORM and the parsing were 1.8 ms a search)."""
    global _groups
    params, parts = [], []
    if words:
        marks = ", ".join(["%s"] * len(words))
        parts.append(
            "SELECT 0, term, frequency, NULL, CAST(NULL AS timestamp), 0 "
            f"FROM search_searchterm WHERE term IN ({marks})"
        )
        params += sorted(words)
    # The order (by the last three columns) is the models' own: with overlapping
    # groups the first one wins.
    parts += [
        "SELECT 1, terms, NULL, terms, NULL, id FROM search_synonym",
        "SELECT 2, names, NULL, NULL, published_at, -id FROM search_searchentry "
        "WHERE kind = %s AND published_at <= %s",
    ]
    params += [Kind.TREATMENT, connection.ops.adapt_datetimefield_value(now)]
    sql = " UNION ALL ".join(parts) + " ORDER BY 1, 4, 5 DESC, 6"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    frequency = {term: n for part, term, n, *_ in rows if part == 0}
    names = tuple(text for part, text, *_ in rows if part)
    parsed_from, groups = _groups
    if names != parsed_from:
        groups = parser.synonym_groups(text.splitlines() for text in names)
        _groups = (names, groups)
    return frequency, groups


def prepare(text, now=None):
    """Parse, join split words, expand synonyms and correct spelling: the Query the
    back-end runs."""
    query = parser.parse(text)
    if not query:
        return query
    joins = parser.joins(query)
    single = {u.words[0] for u in query.units if not u.is_phrase}
    lookup = single | {joined for _, _, joined in joins}
    frequency, groups = _lookup(lookup, now or timezone.now())
    for start, length, joined in joins:
        # "microderm abrasion": the words typed apart are one known word.
        if frequency.get(joined, 0) > 0:
            query = parser.join(query, start, length, joined)
            break
    query = parser.expand(query, groups)
    for unit in query.units:
        word = unit.words[0]
        if unit.is_phrase or unit.alternatives or frequency.get(word, 0) > RARE:
            continue
        # An unknown word takes any close known word; a rare one only a more
        # common one ("micodermabrasion" on one page, the right spelling on
        # dozens).
        known = frequency.get(word, 0)
        floor = max(RARE, known * 2) if known else 0
        candidates = [
            (term, count)
            for term, count in backend().similar_terms(word)
            if count > floor
        ]
        correction = parser.best_correction(word, candidates)
        if correction:
            query = parser.with_alternative(query, word, correction)
    return parser.expand(query, groups) if query.corrections else query


_MARKS = re.compile("([\x01\x02])")


def highlight(raw):
    """Escaped HTML from a back-end snippet: the text is escaped piece by piece and
    only the \\x01/\\x02 markers become <mark>; nothing from the database is trusted."""
    out, inside = [], False
    for piece in _MARKS.split(raw or ""):
        if piece == "\x01":
            if not inside:
                out.append("<mark>")
                inside = True
        elif piece == "\x02":
            if inside:
                out.append("</mark>")
                inside = False
        elif piece:
            out.append(escape(piece))
    if inside:
        out.append("</mark>")
    return mark_safe("".join(out))


def search(text, kind=None, tag=None, page=1):
    """Search every live page. `kind` is a Kind value, `tag` a tag slug, `page` from
    1. Never raises for any text: the parser lets only letters and digits through."""
    text = text or ""
    now = timezone.now()
    query = prepare(text, now)
    results = Results(text=text, query=query, was_cut=query.was_cut)
    if not query:
        return results
    kind = kind if kind in Kind.values else None
    page = max(1, min(int(page or 1), math.ceil(CAP / PAGE_SIZE)))
    sql = backend()
    keys = [facet_key(kind=kind)] if kind else []
    keys += [facet_key(tag=tag)] if tag else []

    offset = (page - 1) * PAGE_SIZE
    # One statement gives the page, the total and the facets whose counts honour
    # exactly these filters: kind counts unless a kind is chosen, tag counts unless
    # a tag is.
    want = tuple(f for f, chosen in (("kind", kind), ("tag", tag)) if not chosen)
    # The page's snippets come with it, from the same statement.
    candidates, snippet = sql.candidates(query, keys, CAP), sql.snippet(query)
    rows, total, facets = common.results(
        *candidates, now, offset, PAGE_SIZE, want, sql, snippet
    )
    if not rows and page > 1:
        page, offset = 1, 0
        rows, total, facets = common.results(
            *candidates, now, 0, PAGE_SIZE, want, sql, snippet
        )
    results.page = page
    results.total = total
    results.is_capped = total >= CAP
    results.hits = [
        Hit(
            kind=row["kind"],
            title=row["title"],
            url=row["url"],
            published_at=row["published_at"],
            snippet=highlight(row["snippet"]),
        )
        for row in rows
    ]
    results.kind_counts, results.tag_counts = _facets(query, kind, tag, now, facets)
    if query.corrections:
        results.did_you_mean = parser.corrected_text(query)
    if not rows and not kind and not tag:
        record_zero_result(query)
    return results


def _facets(query, kind, tag, now, rows):
    """Kind counts honour the tag filter, tag counts the kind filter, so each list
    shows what choosing one of its links would give. `rows` has the counts the
    search's own statement could give; the others take one statement each."""
    sql = backend()
    if kind:
        kind_keys = [facet_key(tag=tag)] if tag else []
        rows += common.results(
            *sql.candidates(query, kind_keys, CAP), now, 0, 0, ("kind",), sql
        )[2]
    if tag:
        tag_keys = [facet_key(kind=kind)] if kind else []
        rows += common.results(
            *sql.candidates(query, tag_keys, CAP), now, 0, 0, ("tag",), sql
        )[2]
    kinds = {value: count for facet, value, _, count in rows if facet == "kind"}
    kind_counts = [
        (value, label, kinds[value]) for value, label in Kind.choices if value in kinds
    ]
    tags = [(value, name, n) for facet, value, name, n in rows if facet == "tag"]
    tags.sort(key=lambda t: (-t[2], t[1].lower()))
    return kind_counts, tags[:20]


def record_zero_result(query):
    """Count a search that found nothing: its normalised words, nothing else.
    Best effort: a visitor's search never fails because this count could not be
    written (say, while another process holds SQLite's write lock)."""
    text = " ".join(" ".join(unit.words) for unit in query.units)[
        : ZeroResultQuery._meta.get_field("query").max_length
    ]
    try:
        with transaction.atomic():
            updated = ZeroResultQuery.objects.filter(query=text).update(
                count=F("count") + 1, last_seen_at=timezone.now()
            )
            if not updated:
                ZeroResultQuery.objects.get_or_create(query=text, defaults={"count": 1})
    except DatabaseError:
        logger.warning("Could not count a zero-result search", exc_info=True)


def suggest(prefix):
    """Live page titles starting with `prefix`: [{"title", "url", "kind"}]."""
    prefix = " ".join(parser.tokens(prefix or ""))[:MAX_PREFIX_CHARS]
    if len(prefix) < 2:
        return []
    rows = backend().suggestions(prefix, timezone.now(), SUGGEST_LIMIT)
    return [{"title": t, "url": u, "kind": k} for t, u, k in rows]
