"""
The SQLite dialect: FTS5 tables beside search_searchentry, kept in step by triggers:
the whole page (search_fts), and one small table per upper ranking tier (migration
0005) so a tier never filters the positions of the whole body index.

The `porter unicode61 remove_diacritics 2` tokenizer gives stemming and folds accents.
Every token reaches MATCH as a quoted FTS5 string, so no visitor text is ever parsed as
FTS5 syntax (docs/decisions/005-search.md: 25 of 35 hostile queries broke raw MATCH).
"""

from django.db import connection

from clinic.search.query import trigrams

FTS = "search_fts"
ENTRY = "search_searchentry"
# Ranking and counts read id, kind and publish time from the covering index
# search_entry_live. Named, as SQLite otherwise looks each id up in the table,
# whose rows keep the publish time after the body, often in overflow pages
# (join 4 -> 2 ms median at 100,000 pages).
MATCH_TABLE = f"{ENTRY} AS e INDEXED BY search_entry_live"

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

# One small FTS5 table per upper tier, reading its column from search_searchentry
# (external content): "is any query word in this page's title?" is answered from a
# title-sized index instead of filtering the positions of the whole body index.
HEAD_SCHEMA = [
    statement
    for column in TIER_COLUMNS
    for statement in (
        f"""CREATE VIRTUAL TABLE search_{column}_fts USING fts5(
            {column}, content = '{ENTRY}', content_rowid = 'id',
            tokenize = 'porter unicode61 remove_diacritics 2'
        )""",
        f"INSERT INTO search_{column}_fts(search_{column}_fts) VALUES ('rebuild')",
        f"""CREATE TRIGGER search_{column}_ai AFTER INSERT ON {ENTRY} BEGIN
            INSERT INTO search_{column}_fts(rowid, {column})
            VALUES (new.id, new.{column});
        END""",
        f"""CREATE TRIGGER search_{column}_ad AFTER DELETE ON {ENTRY} BEGIN
            INSERT INTO search_{column}_fts(search_{column}_fts, rowid, {column})
            VALUES ('delete', old.id, old.{column});
        END""",
        f"""CREATE TRIGGER search_{column}_au AFTER UPDATE ON {ENTRY} BEGIN
            INSERT INTO search_{column}_fts(search_{column}_fts, rowid, {column})
            VALUES ('delete', old.id, old.{column});
            INSERT INTO search_{column}_fts(rowid, {column})
            VALUES (new.id, new.{column});
        END""",
    )
]
HEAD_UNDO = [
    statement
    for column in TIER_COLUMNS
    for statement in (
        f"DROP TRIGGER IF EXISTS search_{column}_au",
        f"DROP TRIGGER IF EXISTS search_{column}_ad",
        f"DROP TRIGGER IF EXISTS search_{column}_ai",
        f"DROP TABLE IF EXISTS search_{column}_fts",
    )
]
# A tier whose column matches at most this many pages is checked page by page
# against the whole query (a rowid lookup: 0.05 to 0.1 ms each once optimised).
FEW = 50


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


def candidates(query, facet_keys, cap):
    """(SQL, params) selecting (id, tier) of the bounded candidate matches: the
    `cap` newest matches (tier 3) and, per upper tier, the `cap` newest matches
    with a query word in that tier's column. Which way a tier is found depends on
    what a cheap count shows."""
    match = match_expression(query, facet_keys)
    any_word = " OR ".join(_string(c) for unit in query.units for c in unit.choices)
    ctes = [
        f"""matches AS MATERIALIZED (SELECT rowid AS id FROM {FTS}
            WHERE {FTS} MATCH %s ORDER BY rowid DESC LIMIT %s)""",
        "is_complete AS (SELECT count(*) <= %s AS yes FROM matches)",
    ]
    params = [match, cap + 1, cap]
    parts = [
        f"""SELECT * FROM (SELECT id, {len(TIER_COLUMNS)} AS tier FROM matches
            ORDER BY id DESC LIMIT %s)"""
    ]
    part_params = [cap]
    for tier, column in enumerate(TIER_COLUMNS):
        head = f"search_{column}_fts"
        ctes.append(
            f"""head{tier} AS MATERIALIZED (SELECT rowid AS id FROM {head}
            WHERE {head} MATCH %s ORDER BY rowid DESC LIMIT %s)"""
        )
        params += [any_word, FEW + 1]
        few = f"(SELECT count(*) <= {FEW} FROM head{tier})"
        # Each way runs under a LIMIT that is 0 unless its condition holds: SQLite
        # checks a LIMIT before starting the scan, so the other ways cost nothing.
        parts += [
            # Every match is known: those with a query word in the column.
            f"""SELECT * FROM (SELECT rowid, {tier} FROM {head} WHERE {head} MATCH %s
                AND +rowid IN (SELECT id FROM matches)
                LIMIT (SELECT CASE WHEN yes THEN -1 ELSE 0 END FROM is_complete))""",
            # Few pages have a query word in the column: check each.
            f"""SELECT * FROM (SELECT rowid, {tier} FROM {FTS} WHERE {FTS} MATCH %s
                AND rowid IN (SELECT id FROM head{tier})
                LIMIT (SELECT CASE WHEN NOT yes AND {few} THEN -1 ELSE 0 END
                       FROM is_complete))""",
            # Many matches, many in the column: FTS5 walks both conditions
            # together and stops after `cap` rows.
            f"""SELECT * FROM (SELECT rowid, {tier} FROM {FTS} WHERE {FTS} MATCH %s
                ORDER BY rowid DESC
                LIMIT (SELECT CASE WHEN NOT yes AND NOT {few} THEN %s ELSE 0 END
                       FROM is_complete))""",
        ]
        column_match = f"({match}) AND {{{column}}} : ({any_word})"
        part_params += [any_word, match, column_match, cap]
    sql = f"""WITH {", ".join(ctes)}
        SELECT id, min(tier) AS tier FROM ({" UNION ALL ".join(parts)})
        GROUP BY id"""
    return sql, params + part_params


def optimize():
    """Merge each FTS5 index into one segment after a rebuild: a lookup by rowid
    (snippets, a tier's few pages) then reads one b-tree, not a dozen (measured
    0.33 -> 0.05 ms per page at 100,000 pages)."""
    with connection.cursor() as cursor:
        for table in [FTS, *(f"search_{column}_fts" for column in TIER_COLUMNS)]:
            cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")


def snippet(query):
    """(expression, params, join, params) for common.results: a page's body
    excerpt, matched words between \\x01 and \\x02 (the entry is e)."""
    join = f"LEFT JOIN {FTS} ON {FTS}.rowid = e.id AND {FTS} MATCH %s"
    return (
        f"snippet({FTS}, 3, char(1), char(2), '…', 28)",
        [],
        join,
        [match_expression(query)],
    )


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
