"""
The PostgreSQL dialect: weighted tsvector columns with GIN indexes in a narrow match
table, search_searchdoc (migration 0005; 0002 had them on search_searchentry), filled
by triggers on search_searchentry; pg_trgm for spelling candidates.

The text search configuration `clinic_english` is English stemming behind unaccent, so
accents fold as they do in SQLite's FTS5 table. Each token reaches the database as a
bound parameter of websearch_to_tsquery(), quoted as a phrase: no visitor text is ever
parsed as tsquery syntax.
"""

from django.db import connection

ENTRY = "search_searchentry"
CONFIG = "clinic_english"

SCHEMA = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{CONFIG}') THEN
            CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = english);
            ALTER TEXT SEARCH CONFIGURATION {CONFIG}
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
        END IF;
    END $$""",
    f"""ALTER TABLE {ENTRY}
        ADD COLUMN tsv tsvector, ADD COLUMN names_tsv tsvector,
        ADD COLUMN title_tsv tsvector, ADD COLUMN tags_tsv tsvector,
        ADD COLUMN facets_tsv tsvector""",
    f"""CREATE FUNCTION search_entry_tsv() RETURNS trigger AS $$
    BEGIN
        NEW.names_tsv := to_tsvector('{CONFIG}', coalesce(NEW.names, ''));
        NEW.title_tsv := to_tsvector('{CONFIG}', coalesce(NEW.title, ''));
        NEW.tags_tsv := to_tsvector('{CONFIG}', coalesce(NEW.tags, ''));
        NEW.tsv := setweight(NEW.names_tsv, 'A') || setweight(NEW.title_tsv, 'B')
            || setweight(NEW.tags_tsv, 'C')
            || setweight(to_tsvector('{CONFIG}', coalesce(NEW.body, '')), 'D');
        NEW.facets_tsv := to_tsvector('simple', coalesce(NEW.facets, ''));
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER search_entry_tsv BEFORE INSERT OR UPDATE ON {ENTRY}
        FOR EACH ROW EXECUTE FUNCTION search_entry_tsv()""",
    f"CREATE INDEX search_entry_tsv_gin ON {ENTRY} USING gin (tsv)",
    f"CREATE INDEX search_entry_names_gin ON {ENTRY} USING gin (names_tsv)",
    f"CREATE INDEX search_entry_title_gin ON {ENTRY} USING gin (title_tsv)",
    f"CREATE INDEX search_entry_tags_gin ON {ENTRY} USING gin (tags_tsv)",
    f"CREATE INDEX search_entry_facets_gin ON {ENTRY} USING gin (facets_tsv)",
    # Prefix LIKE for suggestions: a btree with pattern ops beats trigrams for the
    # two- to four-letter prefixes people type first.
    f"CREATE INDEX search_entry_title_prefix ON {ENTRY} "
    "(kind, title_key text_pattern_ops)",
    "CREATE INDEX search_term_trgm ON search_searchterm USING gin (term gin_trgm_ops)",
    # The planner prices `tsvector @@ tsquery` like an integer comparison, so for a
    # query matching a few percent of pages it walks the primary key backwards and
    # detoasts every tsvector on the way (211 ms at 100,000 pages) instead of using
    # the GIN index (12 ms). Pricing the match honestly fixes the plan choice.
    "ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) COST 100",
]
UNDO = [
    "ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) COST 1",
    "DROP INDEX IF EXISTS search_term_trgm",
    f"DROP TRIGGER IF EXISTS search_entry_tsv ON {ENTRY}",
    "DROP FUNCTION IF EXISTS search_entry_tsv()",
    f"ALTER TABLE {ENTRY} DROP COLUMN IF EXISTS tsv, "
    "DROP COLUMN IF EXISTS names_tsv, DROP COLUMN IF EXISTS facets_tsv",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}",
]

# The match table: what a search filters and ranks on, apart from the wide display
# columns, so scanning thousands of candidates reads small rows. The body's tsvector
# is stored out of line (toast_tuple_target), and read only to check a phrase. Empty
# names and tags are NULL, so the planner knows how rare a match there is.
DOC = "search_searchdoc"
MATCH_TABLE = f"{DOC} AS e"
DOC_SCHEMA = [
    # No foreign key: Django's test flush truncates search_searchentry without
    # CASCADE; the triggers below keep the two tables in step instead.
    f"""CREATE TABLE {DOC} (
        id bigint PRIMARY KEY,
        kind varchar(10) NOT NULL, published_at timestamptz NOT NULL,
        names_tsv tsvector, title_tsv tsvector NOT NULL,
        tags_tsv tsvector, facets_tsv tsvector NOT NULL,
        tsv tsvector NOT NULL
    ) WITH (toast_tuple_target = 128)""",
    f"ALTER TABLE {DOC} ALTER COLUMN tsv SET STORAGE EXTERNAL",
    f"DROP TRIGGER search_entry_tsv ON {ENTRY}",
    "DROP FUNCTION search_entry_tsv()",
    f"""CREATE FUNCTION search_entry_doc() RETURNS trigger AS $$
    DECLARE
        names_v tsvector := to_tsvector('{CONFIG}', NEW.names);
        title_v tsvector := to_tsvector('{CONFIG}', NEW.title);
        tags_v tsvector := to_tsvector('{CONFIG}', NEW.tags);
    BEGIN
        DELETE FROM {DOC} WHERE id = NEW.id;
        INSERT INTO {DOC} VALUES (
            NEW.id, NEW.kind, NEW.published_at, nullif(names_v, ''),
            title_v, nullif(tags_v, ''),
            to_tsvector('simple', NEW.facets),
            setweight(names_v, 'A') || setweight(title_v, 'B')
                || setweight(tags_v, 'C')
                || setweight(to_tsvector('{CONFIG}', NEW.body), 'D'));
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER search_entry_doc AFTER INSERT OR UPDATE ON {ENTRY}
        FOR EACH ROW EXECUTE FUNCTION search_entry_doc()""",
    f"""CREATE FUNCTION search_entry_doc_delete() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            TRUNCATE {DOC};
        ELSE
            DELETE FROM {DOC} WHERE id = OLD.id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER search_entry_doc_delete AFTER DELETE ON {ENTRY}
        FOR EACH ROW EXECUTE FUNCTION search_entry_doc_delete()""",
    f"""CREATE TRIGGER search_entry_doc_truncate AFTER TRUNCATE ON {ENTRY}
        FOR EACH STATEMENT EXECUTE FUNCTION search_entry_doc_delete()""",
    f"""INSERT INTO {DOC} SELECT id, kind, published_at, nullif(names_tsv, ''),
        title_tsv, nullif(tags_tsv, ''), facets_tsv, tsv FROM {ENTRY}""",
    f"""ALTER TABLE {ENTRY} DROP COLUMN tsv, DROP COLUMN names_tsv,
        DROP COLUMN title_tsv, DROP COLUMN tags_tsv, DROP COLUMN facets_tsv""",
    f"CREATE INDEX search_doc_tsv_gin ON {DOC} USING gin (tsv)",
    f"CREATE INDEX search_doc_names_gin ON {DOC} USING gin (names_tsv)",
    f"CREATE INDEX search_doc_title_gin ON {DOC} USING gin (title_tsv)",
    f"CREATE INDEX search_doc_tags_gin ON {DOC} USING gin (tags_tsv)",
    f"CREATE INDEX search_doc_facets_gin ON {DOC} USING gin (facets_tsv)",
    f"ANALYZE {DOC}",
]
DOC_UNDO = [
    f"DROP TRIGGER IF EXISTS search_entry_doc_truncate ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS search_entry_doc_delete ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS search_entry_doc ON {ENTRY}",
    "DROP FUNCTION IF EXISTS search_entry_doc_delete()",
    "DROP FUNCTION IF EXISTS search_entry_doc()",
    f"""ALTER TABLE {ENTRY}
        ADD COLUMN tsv tsvector, ADD COLUMN names_tsv tsvector,
        ADD COLUMN title_tsv tsvector, ADD COLUMN tags_tsv tsvector,
        ADD COLUMN facets_tsv tsvector""",
    f"""UPDATE {ENTRY} e SET tsv = d.tsv, names_tsv = d.names_tsv,
        title_tsv = d.title_tsv, tags_tsv = d.tags_tsv, facets_tsv = d.facets_tsv
        FROM {DOC} d WHERE d.id = e.id""",
    f"DROP TABLE {DOC}",
    *[st for st in SCHEMA if "search_entry_tsv" in st and "INDEX" not in st],
    *[st for st in SCHEMA if "INDEX search_entry_" in st and "_gin" in st],
]

# Ranking is by tier, then recency: a page whose treatment names match comes first,
# then pages with a query word in the title, then in the tags, then the rest.
TIER_COLUMNS = ["names_tsv", "title_tsv", "tags_tsv"]


def tsquery(query, phrases=True):
    """(SQL, params): units ANDed, a unit's choices ORed, every choice a phrase;
    with `phrases` false, a choice's words in any order (no positions needed)."""
    sql, params = [], []
    for unit in query.units:
        choices = []
        for choice in unit.choices:
            if phrases:
                choices.append(f"websearch_to_tsquery('{CONFIG}', %s)")
                params.append('"' + " ".join(choice) + '"')
            else:
                choices.append(f"plainto_tsquery('{CONFIG}', %s)")
                params.append(" ".join(choice))
        sql.append("(" + " || ".join(choices) + ")")
    return "(" + " && ".join(sql) + ")", params


def any_word(query):
    """(SQL, params): any of the query's words or phrases."""
    choices = [c for unit in query.units for c in unit.choices]
    sql = " || ".join(f"websearch_to_tsquery('{CONFIG}', %s)" for _ in choices)
    return f"({sql})", ['"' + " ".join(c) + '"' for c in choices]


# A tier whose column matches at most this many pages is checked page by page.
FEW = 50


def _newest(where, params, query, limit, order="id DESC"):
    """(SQL, params): ids of the newest rows of the match table meeting `where` and
    the whole `query`, at most `limit` (an SQL expression). A phrase needs
    positions (the body's tsvector, stored out of line), so it is checked after
    the words alone, only on the rows read (OFFSET 0 keeps it out of the inner
    scan). `where` comes first: PostgreSQL tests conditions of equal cost in order,
    and the narrow columns it reads are cheaper than the body's tsvector."""
    words, word_params = tsquery(query, phrases=False)
    if not any(len(c) > 1 for unit in query.units for c in unit.choices):
        sql = f"""SELECT id FROM {DOC} WHERE {where} AND tsv @@ {words}
            ORDER BY {order} LIMIT {limit}"""
        return sql, params + word_params
    phrase, phrase_params = tsquery(query)
    sql = f"""SELECT id FROM (SELECT id, tsv FROM {DOC} WHERE {where}
        AND tsv @@ {words} ORDER BY {order} OFFSET 0) s
        WHERE tsv @@ {phrase} LIMIT {limit}"""
    return sql, params + word_params + phrase_params


# Walking the primary key backwards reads the out-of-line body tsvector of every
# row it passes (about 4 µs each), so it pays only when matches are dense; below
# this share of pages, collecting every match from the GIN index and sorting is
# cheaper (measured at 100,000 pages: 20% was the best threshold tried).
RARE_SHARE = 0.2


def _estimate(query):
    """(SQL, params): roughly how many pages the query matches, from the
    vocabulary's page counts: a word counts every vocabulary word starting with
    its stem ("sensit": sensitive, sensitivity), a choice its rarest word, a unit
    the sum of its choices, the query its smallest unit. It only picks a plan,
    never changes a result."""
    units, choices, terms = [], [], []
    for u, unit in enumerate(query.units):
        for c, choice in enumerate(unit.choices):
            for word in choice:
                units.append(u)
                choices.append(c)
                terms.append(word)
    sql = """(SELECT min(total) FROM (SELECT sum(f) AS total FROM (
        SELECT w.unit, min(coalesce(n, 0)) AS f
        FROM unnest(%s::int[], %s::int[], %s::text[]) AS w(unit, choice, term)
        CROSS JOIN LATERAL (SELECT coalesce(
            (ts_lexize('english_stem', w.term))[1], w.term) AS stem) s
        CROSS JOIN LATERAL (SELECT sum(frequency) AS n FROM search_searchterm
            WHERE term::text ~>=~ stem AND term::text ~<~ (stem || chr(1114111))) t
        GROUP BY w.unit, w.choice) c GROUP BY unit) u)"""
    return sql, [units, choices, terms]


def candidates(query, facet_keys, cap):
    """(SQL, params) selecting (id, tier) of the bounded candidate matches: the
    `cap` newest matches (tier 3) and, per upper tier, the `cap` newest matches
    with a query word in that tier's column. Which way a tier is found depends on
    a cheap count; each way runs under a LIMIT that is 0 unless its condition
    holds, and PostgreSQL does not start a plan node under LIMIT 0."""
    q, q_params = tsquery(query)
    anyq, any_params = any_word(query)
    facets = " AND ".join(
        ["TRUE"] + ["facets_tsv @@ to_tsquery('simple', %s)" for _ in facet_keys]
    )
    match, match_params = f"tsv @@ {q} AND {facets}", q_params + list(facet_keys)
    estimate, estimate_params = _estimate(query)
    # One of the two ways runs: a condition without columns is a one-time filter,
    # so the other is never started, and a constant LIMIT keeps each plan as the
    # planner costs it. A rare query sorts every match the GIN index finds
    # (`id + 0` keeps the planner off the walk).
    walk, walk_params = _newest(
        f"(SELECT NOT yes FROM is_rare) AND {facets}", list(facet_keys), query, "%s"
    )
    sort, sort_params = _newest(
        f"(SELECT yes FROM is_rare) AND {facets}", list(facet_keys), query, "%s",
        order="id + 0 DESC",
    )  # fmt: skip
    ctes = [
        f"""is_rare AS (SELECT {estimate} < %s * reltuples AS yes FROM pg_class
            WHERE oid = '{DOC}'::regclass)""",
        f"matches AS MATERIALIZED (({walk}) UNION ALL ({sort}))",
        "is_complete AS (SELECT count(*) <= %s AS yes FROM matches)",
    ]
    params = [
        *estimate_params, RARE_SHARE,
        *walk_params, cap + 1, *sort_params, cap + 1, cap,
    ]  # fmt: skip
    parts = [
        f"(SELECT id, {len(TIER_COLUMNS)} AS tier FROM matches ORDER BY id DESC "
        "LIMIT %s)"
    ]
    part_params = [cap]
    for tier, column in enumerate(TIER_COLUMNS):
        ctes.append(
            # Any FEW + 1 rows tell "many"; if there are fewer, these are all.
            f"""head{tier} AS MATERIALIZED (SELECT id FROM {DOC}
            WHERE {column} @@ {anyq} LIMIT {FEW + 1})"""
        )
        params += any_params
        few = f"(SELECT count(*) <= {FEW} FROM head{tier})"
        dense_limit = (
            f"(SELECT CASE WHEN NOT yes AND NOT {few} THEN %s ELSE 0 END "
            "FROM is_complete)"
        )
        if len(query.units) == 1:
            # One unit: a page with it in the column has it in the page, so
            # the walk never reads the body's tsvector.
            dense = f"""SELECT id FROM {DOC} WHERE {facets} AND {column} @@ {anyq}
                ORDER BY id DESC LIMIT {dense_limit}"""
            dense_params = [*facet_keys, *any_params]
        else:
            dense, dense_params = _newest(
                f"{facets} AND {column} @@ {anyq}",
                [*facet_keys, *any_params],
                query,
                dense_limit,
            )
        parts += [
            # Every match is known: those with a query word in the column.
            f"""(SELECT d.id, {tier} FROM matches m JOIN {DOC} d ON d.id = m.id
                WHERE d.{column} @@ {anyq}
                LIMIT (SELECT CASE WHEN yes THEN NULL ELSE 0 END FROM is_complete))""",
            # Few pages have a query word in the column: check each.
            f"""(SELECT d.id, {tier} FROM head{tier} h JOIN {DOC} d ON d.id = h.id
                WHERE {match} LIMIT (SELECT CASE WHEN NOT yes AND {few} THEN NULL
                                     ELSE 0 END FROM is_complete))""",
            # Many matches, many in the column: newest first, `cap` at most.
            f"(SELECT id, {tier} FROM ({dense}) dense)",
        ]
        part_params += [*any_params, *match_params, *dense_params, cap]
    sql = f"""WITH {", ".join(ctes)}
        SELECT id, min(tier) AS tier FROM ({" UNION ALL ".join(parts)}) t
        GROUP BY id"""
    return sql, params + part_params


def optimize():
    """After a rebuild: merge the GIN indexes' pending lists and fresh planner
    statistics. Bulk inserts go to a GIN index's pending list, which every search
    then scans linearly until a VACUUM (autovacuum may be off): at 100,000 pages a
    names lookup that finds nothing took 19 ms instead of 0.1 ms."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT gin_clean_pending_list(i.indexrelid::regclass)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_am a ON a.oid = c.relam
            WHERE a.amname = 'gin' AND i.indrelid IN (%s::regclass, %s::regclass)""",
            [DOC, "search_searchterm"],
        )
        cursor.execute(f"ANALYZE {ENTRY}")
        cursor.execute(f"ANALYZE {DOC}")
        cursor.execute("ANALYZE search_searchterm")


def snippets(query, ids):
    """{entry id: body excerpt}, matched words between \\x01 and \\x02."""
    if not ids:
        return {}
    q, q_params = tsquery(query)
    sql = f"""
        SELECT e.id, ts_headline('{CONFIG}', e.body, {q},
            'StartSel=' || chr(1) || ', StopSel=' || chr(2)
            || ', MaxWords=18, MinWords=6, MaxFragments=2, FragmentDelimiter=" … "')
        FROM {ENTRY} e WHERE e.id = ANY(%s)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, q_params + [list(ids)])
        return dict(cursor.fetchall())


# The vocabulary's trigram index is on lower(term), not on the column (words are
# stored in lower case, so it is the same text): gin_trgm_ops also answers `=`, and
# on a table without statistics yet (a new database, every test run) the planner
# used it for the page-count updates (`term IN (...)`), 64 ms for three words with
# a bloated index, instead of the unique btree.
TERM_TRGM = [
    "DROP INDEX IF EXISTS search_term_trgm",
    "CREATE INDEX search_term_trgm ON search_searchterm "
    "USING gin (lower(term) gin_trgm_ops)",
]
TERM_TRGM_UNDO = [
    "DROP INDEX IF EXISTS search_term_trgm",
    "CREATE INDEX search_term_trgm ON search_searchterm USING gin (term gin_trgm_ops)",
]


# A search's scans of the match table run in the search's own process: parallel
# workers cost more to start and schedule than they save on a busy 2-core machine
# ("uneven skin", the sorting way: 55 to 105 ms with two workers, 24 ms without),
# and a site serving many searches at once has no idle cores to give them.
NOT_PARALLEL = [f"ALTER TABLE {DOC} SET (parallel_workers = 0)"]
NOT_PARALLEL_UNDO = [f"ALTER TABLE {DOC} RESET (parallel_workers)"]


def similar_terms(word, limit=30):
    """Vocabulary words similar to `word` by pg_trgm: (term, frequency) pairs."""
    sql = """
        SELECT term, frequency FROM search_searchterm
        WHERE lower(term) %% %s
        ORDER BY similarity(lower(term), %s) DESC, frequency DESC LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [word, word, limit])
        return cursor.fetchall()


def add_term_grams(terms):
    """Nothing to do: pg_trgm indexes the vocabulary itself."""


def suggestions(prefix, now, limit):
    """Live titles starting with the folded `prefix`, treatments first; the
    (kind, title_key text_pattern_ops) index serves the LIKE."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    kinds = ["treatment", "article", "question"]
    part = f"""(SELECT title, url, kind, title_key FROM {ENTRY}
        WHERE kind = %s AND title_key LIKE %s AND published_at <= %s
        ORDER BY title_key LIMIT %s)"""
    params = []
    for kind in kinds:
        params += [kind, pattern + "%", now, limit]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([part] * len(kinds)), params)
        rows = sorted(cursor.fetchall(), key=lambda r: (kinds.index(r[2]), r[3]))
    return [row[:3] for row in rows[:limit]]
