"""
The PostgreSQL dialect: weighted tsvector columns with GIN indexes in a narrow match
table, search_searchdoc (migration 0005; 0002 had them on search_searchentry), filled
by triggers on search_searchentry; pg_trgm for spelling candidates.

The text search configuration `clinic_english` is English stemming behind unaccent, so
accents fold as they do in SQLite's FTS5 table. Each token reaches the database as a
bound parameter of websearch_to_tsquery(), quoted as a phrase: no visitor text is ever
parsed as tsquery syntax.
"""

from dataclasses import replace

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
# is read only to check a phrase; it is stored out of line in rows over about 2 KB
# (migration 0008 keeps the other columns in the row, see SMALL_COLUMNS). Empty
# names and tags are NULL, so the planner knows how rare a match there is.
DOC = "search_searchdoc"
# The candidates carry kind and publish time (common.results).
MATCH_TABLE = None
# For the search statement only. JIT compiling costs 60 to 110 ms, and PostgreSQL
# starts it from the plan's cost (above 100,000), which counts every way of the
# statement, the ones never started included.
SETTINGS = "SET LOCAL jit = off; "
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


def any_word(query, phrases=True):
    """(SQL, params): any of the query's words or phrases; with `phrases` false,
    a phrase's words in any order."""
    choices = [c for unit in query.units for c in unit.choices]
    function = "websearch_to_tsquery" if phrases else "plainto_tsquery"
    sql = " || ".join(f"{function}('{CONFIG}', %s)" for _ in choices)
    quote = '"' if phrases else ""
    return f"({sql})", [quote + " ".join(c) + quote for c in choices]


# Ids in buckets of 2**BUCKET_BITS: the match table's one GIN index (migration 0008)
# holds every tsvector column and each row's bucket, so one bucket's matches come
# from the index alone, and the newest matches of a query are collected bucket by
# bucket, newest bucket first, until there are enough. The heap is read only for
# the rows that match; walking the primary key instead read the body's tsvector of
# every row passed, matching or not ("dull skin", tags tier: 48,000 rows, 156 ms).
BUCKET_BITS = 12
BUCKET = f"(ARRAY[id >> {BUCKET_BITS}])"
MATCH_INDEX = "search_doc_match_gin"
SINGLE_INDEXES = {
    "tsv": "search_doc_tsv_gin",
    "names_tsv": "search_doc_names_gin",
    "title_tsv": "search_doc_title_gin",
    "tags_tsv": "search_doc_tags_gin",
    "facets_tsv": "search_doc_facets_gin",
}
# The tier columns are read for every match kept: stored in the row (MAIN) and
# with the default toast_tuple_target. Under 0005's target of 128 bytes, a row
# over 2 KB had every column moved out of line, not just the body's tsvector, so
# checking a title cost a TOAST fetch (2.5 µs instead of 0.6). PostgreSQL moves a
# value out of line only in rows over about 2 KB, whatever the target says.
SMALL_COLUMNS = ["names_tsv", "title_tsv", "tags_tsv", "facets_tsv"]
# One index, not five: the planner combined the single-column indexes with
# BitmapAnd, which reads every posting list in full for each bucket.
BUCKET_SCHEMA = [
    f"""CREATE INDEX {MATCH_INDEX} ON {DOC} USING gin (
        {", ".join(SINGLE_INDEXES)}, {BUCKET})""",
    *[f"DROP INDEX {name}" for name in SINGLE_INDEXES.values()],
    # The buckets, newest first. A function, for its row estimate: generate_series
    # over subqueries counts as 1,000 rows, and the inflated cost made PostgreSQL
    # compile the statement with JIT (60 ms, on every search).
    f"""CREATE FUNCTION search_doc_buckets() RETURNS SETOF bigint
        LANGUAGE plpgsql STABLE ROWS 25 AS $$
    BEGIN
        RETURN QUERY SELECT generate_series(
            max(id) >> {BUCKET_BITS}, min(id) >> {BUCKET_BITS}, -1) FROM {DOC};
    END $$""",
    f"""ALTER TABLE {DOC} RESET (toast_tuple_target),
        {", ".join(f"ALTER COLUMN {c} SET STORAGE MAIN" for c in SMALL_COLUMNS)}""",
    # Rewrites the rows as the storage now says, in id order (a bucket's rows
    # then share pages), and rebuilds the indexes.
    f"CLUSTER {DOC} USING {DOC}_pkey",
    f"ANALYZE {DOC}",
]
BUCKET_UNDO = [
    "DROP FUNCTION search_doc_buckets()",
    *[
        f"CREATE INDEX {name} ON {DOC} USING gin ({column})"
        for column, name in SINGLE_INDEXES.items()
    ],
    f"DROP INDEX {MATCH_INDEX}",
    f"""ALTER TABLE {DOC} SET (toast_tuple_target = 128),
        {", ".join(f"ALTER COLUMN {c} SET STORAGE EXTENDED" for c in SMALL_COLUMNS)}""",
    f"CLUSTER {DOC} USING {DOC}_pkey",
    f"ANALYZE {DOC}",
]


def _has_phrase(query):
    return any(len(c) > 1 for unit in query.units for c in unit.choices)


def _newest(
    where, params, query, limit, columns, out=None, out_params=(), gate="TRUE",
    gate_params=(), by_bucket=True, check=True, proof=(),
):  # fmt: skip
    """(SQL, params): `out` (SQL over `columns`, as m) of the newest rows of the
    match table meeting `where` and the whole `query`, at most `limit`, if `gate`
    (a condition without columns: PostgreSQL never starts what it gates). By
    bucket, or else every match from the index, sorted. The index scan checks the
    words; a phrase needs positions, in the body's tsvector stored out of line, so
    it is checked after, only on the rows kept (OFFSET 0 keeps it out of the scan),
    and not at all where a `proof` column (part of the page) has every unit that
    has a phrase. With `check` false, `where` alone (it implies the query)."""
    words, word_params = tsquery(query, phrases=False)
    if not check:
        words, word_params = "", []
    phrase = check and _has_phrase(query)
    extra = ["tsv"] + [c for c in proof if c not in columns]
    inner = ", ".join(columns + (extra if phrase else []))
    scan = f"{where} AND tsv @@ {words}" if check else where
    if by_bucket:
        source = f"""search_doc_buckets() AS b(n)
            CROSS JOIN LATERAL (SELECT {inner} FROM {DOC}
                WHERE {scan} AND {BUCKET} @> ARRAY[b.n]
                ORDER BY id + 0 DESC OFFSET 0) m"""
    else:
        # `id + 0` keeps the planner off walking the primary key.
        source = f"""(SELECT {inner} FROM {DOC} WHERE {scan}
            ORDER BY id + 0 DESC OFFSET 0) m"""
    sql_params = [*out_params, *params, *word_params, *gate_params]
    condition = gate
    if phrase:
        phrase_sql, phrase_params = tsquery(query)
        # A proof column is in the page's tsvector, its phrases kept whole, and
        # the index has checked the other units' words. PostgreSQL evaluates OR
        # in order, so the body's tsvector is read only when no column has them.
        units = tuple(u for u in query.units if any(len(c) > 1 for c in u.choices))
        proof_sql, proof_params = tsquery(replace(query, units=units))
        checks = [f"m.{c} @@ {proof_sql}" for c in proof] + [f"m.tsv @@ {phrase_sql}"]
        check_sql = "(" + " OR ".join(checks) + ")"
        phrase_params = proof_params * len(proof) + phrase_params
        condition += f" AND {check_sql}"
        sql_params += phrase_params
    out = out or ", ".join(f"m.{c}" for c in columns)
    return f"SELECT {out} FROM {source} WHERE {condition} LIMIT {limit}", sql_params


# Few matches are collected from the index in one scan and sorted; more, bucket
# by bucket (about 0.1 to 0.3 ms a bucket, so it pays once the newest buckets
# hold enough matches). The share is of the table's pages, estimated.
RARE_SHARE = 0.03


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


# An upper tier walks buckets when the newest matches suggest it will need at
# most this many; sparser, one scan of the index and a sort cost less ("microneedling
# ways fading", title tier: 17 buckets, 20 ms).
WALK_BUCKETS = 4


def candidates(query, facet_keys, cap):
    """(SQL, params) selecting (id, tier, kind, published_at) of the bounded
    candidate matches: the `cap` newest matches (tier 3, or the first tier whose
    column has a query word) and, unless those were all the matches, per upper
    tier the `cap` newest matches with a query word in that tier's column. Each
    way is gated by a condition without columns, from cheap counts, and
    PostgreSQL never starts a gated plan node."""
    anyq, any_params = any_word(query)
    facets = " AND ".join(
        ["TRUE"] + ["facets_tsv @@ to_tsquery('simple', %s)" for _ in facet_keys]
    )
    keys = list(facet_keys)
    estimate, estimate_params = _estimate(query)
    # A page's tier is the first column holding a query word; for the newest
    # matches that is their final tier, as each tier's own way finds them too.
    tier = " ".join(
        f"WHEN m.{column} @@ {anyq} THEN {t}" for t, column in enumerate(TIER_COLUMNS)
    )
    columns = ["id", "kind", "published_at", *TIER_COLUMNS]
    out = f"""m.id, m.kind, m.published_at,
        CASE {tier} ELSE {len(TIER_COLUMNS)} END AS tier"""
    out_params = any_params * len(TIER_COLUMNS)
    walk, walk_params = _newest(
        facets, keys, query, cap + 1, columns, out, out_params,
        "(SELECT NOT yes FROM is_rare)",
    )  # fmt: skip
    sort, sort_params = _newest(
        facets, keys, query, cap + 1, columns, out, out_params,
        "(SELECT yes FROM is_rare)", by_bucket=False,
    )  # fmt: skip
    counts = ", ".join(
        f"count(*) FILTER (WHERE tier = {t}) AS n{t}" for t in range(len(TIER_COLUMNS))
    )
    ctes = [
        f"""is_rare AS (SELECT {estimate} < %s * reltuples AS yes FROM pg_class
            WHERE oid = '{DOC}'::regclass)""",
        f"matches AS MATERIALIZED (({walk}) UNION ALL ({sort}))",
        # Rows per tier among the newest matches, and the ids they span.
        f"""seen AS (SELECT count(*) <= %s AS is_complete, {counts},
            max(id) - min(id) + 1 AS span FROM matches)""",
    ]
    params = [*estimate_params, RARE_SHARE, *walk_params, *sort_params, cap]
    parts = [
        """(SELECT id, tier, kind, published_at FROM matches
            ORDER BY id DESC LIMIT %s)"""
    ]
    part_params = [cap]
    # A phrase in the index condition makes the heap scan recheck all of it, the
    # body's tsvector included (read out of line: "stretch marks caused", title
    # tier, 3,500 rows, 30 ms). The index finds the words; the phrase is checked
    # on the column alone, by the function, which no index condition matches.
    column_match, column_params = any_word(query, phrases=False)
    if _has_phrase(query):
        column_match += f" AND ts_match_vq({{column}}, {anyq})"
        column_params += any_params
    for t, column in enumerate(TIER_COLUMNS):
        # Expected buckets to find `cap`: span / (bucket size) * cap / n.
        walks = f"n{t} * {WALK_BUCKETS << BUCKET_BITS} >= %s * span"
        for by_bucket in (True, False):
            choice = walks if by_bucket else f"NOT ({walks})"
            sql, sql_params = _newest(
                f"{facets} AND {column} @@ {column_match.format(column=column)}",
                [*keys, *column_params],
                query,
                "%s",
                ["id", "kind", "published_at"],
                f"m.id, {t}, m.kind, m.published_at",
                gate=f"(SELECT NOT is_complete AND {choice} FROM seen)",
                gate_params=[cap],
                by_bucket=by_bucket,
                # One unit: a page with it in the column has it in the page,
                # so the body is not checked.
                check=len(query.units) > 1,
                proof=[column],
            )
            parts.append(f"({sql})")
            part_params += [*sql_params, cap]
    sql = f"""WITH {", ".join(ctes)}
        SELECT id, min(tier) AS tier, min(kind) AS kind,
            min(published_at) AS published_at
        FROM ({" UNION ALL ".join(parts)}) t GROUP BY id"""
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


def snippet(query):
    """(expression, params, join, params) for common.results: a page's body
    excerpt, matched words between \\x01 and \\x02 (the entry is e)."""
    q, q_params = tsquery(query)
    expression = f"""ts_headline('{CONFIG}', e.body, {q},
        'StartSel=' || chr(1) || ', StopSel=' || chr(2)
        || ', MaxWords=18, MinWords=6, MaxFragments=2, FragmentDelimiter=" … "')"""
    return expression, q_params, "", []


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
    (kind, title_key text_pattern_ops) index serves the LIKE and, ordered by its
    own operator (byte order, as Python sorts them below), the order, so each part
    stops after `limit` rows. Ordered by the collation, it used the plain
    (kind, title_key) index and filtered every title of the kind: 109 ms."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    kinds = ["treatment", "article", "question"]
    part = f"""(SELECT title, url, kind, title_key FROM {ENTRY}
        WHERE kind = %s AND title_key LIKE %s AND published_at <= %s
        ORDER BY title_key USING ~<~ LIMIT %s)"""
    params = []
    for kind in kinds:
        params += [kind, pattern + "%", now, limit]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([part] * len(kinds)), params)
        rows = sorted(cursor.fetchall(), key=lambda r: (kinds.index(r[2]), r[3]))
    return [row[:3] for row in rows[:limit]]
