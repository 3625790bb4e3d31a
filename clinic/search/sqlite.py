"""
The SQLite dialect: an FTS5 table beside search_searchentry, kept in step by triggers.

The `porter unicode61 remove_diacritics 2` tokenizer gives stemming and folds accents.
Every token reaches MATCH as a quoted FTS5 string, so no visitor text is ever parsed as
FTS5 syntax (docs/decisions/005-search.md: 25 of 35 hostile queries broke raw MATCH).
"""

from django.db import connection

from clinic.search.query import trigrams

FTS = "search_fts"
ENTRY = "search_searchentry"

SCHEMA = [
    f"""CREATE VIRTUAL TABLE {FTS} USING fts5(
        names, title, tags, body, facets,
        tokenize = 'porter unicode61 remove_diacritics 2'
    )""",
    f"""CREATE TRIGGER search_entry_ai AFTER INSERT ON {ENTRY} BEGIN
        INSERT INTO {FTS}(rowid, names, title, tags, body, facets)
        VALUES (new.id, new.names, new.title, new.tags, new.body, new.facets);
    END""",
    f"""CREATE TRIGGER search_entry_ad AFTER DELETE ON {ENTRY} BEGIN
        DELETE FROM {FTS} WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER search_entry_au AFTER UPDATE ON {ENTRY} BEGIN
        DELETE FROM {FTS} WHERE rowid = old.id;
        INSERT INTO {FTS}(rowid, names, title, tags, body, facets)
        VALUES (new.id, new.names, new.title, new.tags, new.body, new.facets);
    END""",
]
UNDO = [
    "DROP TRIGGER IF EXISTS search_entry_au",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_ai",
    f"DROP TABLE IF EXISTS {FTS}",
]

# Ranking is by tier, then recency: a page whose treatment names match comes first,
# then pages with a query word in the title, then in the tags, then the rest.
TIER_COLUMNS = ["names", "title", "tags"]


def _string(words):
    return '"' + " ".join(words).replace('"', '""') + '"'


def match_expression(query, facet_keys=()):
    """The FTS5 MATCH string: units ANDed, a unit's choices ORed, every choice a
    quoted string (a phrase when it has several words)."""
    parts = []
    for unit in query.units:
        choices = [_string(choice) for choice in unit.choices]
        parts.append(choices[0] if len(choices) == 1 else f"({' OR '.join(choices)})")
    expression = " AND ".join(parts)
    for key in facet_keys:
        expression += f" AND facets : {_string([key])}"
    return expression


def tier_expressions(query, facet_keys=()):
    """One MATCH string per tier: the whole query, with any of its words in the
    tier's column; the last tier is the whole query alone."""
    match = match_expression(query, facet_keys)
    any_word = " OR ".join(_string(c) for unit in query.units for c in unit.choices)
    tiers = [f"({match}) AND {{{column}}} : ({any_word})" for column in TIER_COLUMNS]
    return [*tiers, match]


def candidates(query, facet_keys, cap):
    """(SQL, params) selecting (id, tier) of the bounded candidate matches."""
    # Each tier's CAP most recently indexed matches: FTS5 walks its index in rowid
    # order, so every part stops after CAP rows whatever the query matches.
    parts = [
        f"""SELECT id, {tier} AS tier FROM (
            SELECT rowid AS id FROM {FTS} WHERE {FTS} MATCH %s
            ORDER BY rowid DESC LIMIT %s)"""
        for tier in range(len(TIER_COLUMNS) + 1)
    ]
    sql = f"""SELECT id, min(tier) AS tier FROM ({" UNION ALL ".join(parts)})
        GROUP BY id"""
    params = []
    for expression in tier_expressions(query, facet_keys):
        params += [expression, cap]
    return sql, params


def snippets(query, ids):
    """{entry id: body excerpt}, matched words between \\x01 and \\x02."""
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    sql = f"""
        SELECT rowid, snippet({FTS}, 3, char(1), char(2), '…', 28)
        FROM {FTS} WHERE {FTS} MATCH %s AND rowid IN ({marks})
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [match_expression(query), *ids])
        return dict(cursor.fetchall())


def similar_terms(word, limit=30):
    """Vocabulary words sharing trigrams with `word`, as pg_trgm's similarity()
    would pick them: (term, frequency) pairs, most similar first."""
    grams = sorted(trigrams(word))
    marks = ", ".join(["%s"] * len(grams))
    sql = f"""
        SELECT t.term, t.frequency, count(*) AS shared
        FROM search_searchtermgram g JOIN search_searchterm t ON t.id = g.term_id
        WHERE g.gram IN ({marks}) AND g.length BETWEEN %s AND %s
        GROUP BY t.id
        HAVING count(*) * 1.0 / (%s + length(t.term) + 1 - count(*)) >= 0.3
        ORDER BY shared DESC, t.frequency DESC
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*grams, len(word) - 2, len(word) + 2, len(grams), limit])
        return [(term, frequency) for term, frequency, _ in cursor.fetchall()]


def add_term_grams(terms):
    """Record the trigrams of new vocabulary words: [(term id, term)]."""
    from clinic.search.models import SearchTermGram

    SearchTermGram.objects.bulk_create(
        [
            SearchTermGram(term_id=pk, gram=gram, length=len(term))
            for pk, term in terms
            for gram in trigrams(term)
        ],
        batch_size=5000,
    )


def suggestions(prefix, now, limit):
    """Live titles starting with the folded `prefix`, treatments first: range
    scans on the (kind, title_key) index, each stopping after `limit` rows."""
    part = f"""SELECT * FROM (
        SELECT title, url, kind, title_key FROM {ENTRY}
        WHERE kind = %s AND title_key >= %s AND title_key < %s AND published_at <= %s
        ORDER BY title_key LIMIT %s)"""
    kinds = ["treatment", "article", "question"]
    sql = " UNION ALL ".join([part] * len(kinds))
    params = []
    for kind in kinds:
        params += [kind, prefix, prefix + "\U0010ffff", _datetime(now), limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = sorted(cursor.fetchall(), key=lambda r: (kinds.index(r[2]), r[3]))
    return [row[:3] for row in rows[:limit]]


def _datetime(value):
    return connection.ops.adapt_datetimefield_value(value)
