"""
The PostgreSQL dialect: weighted tsvector columns on search_searchentry, filled by a
trigger, with GIN indexes; pg_trgm for spelling candidates.

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

# Ranking is by tier, then recency: a page whose treatment names match comes first,
# then pages with a query word in the title, then in the tags, then the rest.
TIER_COLUMNS = ["names_tsv", "title_tsv", "tags_tsv"]


def tsquery(query):
    """(SQL, params): units ANDed, a unit's choices ORed, every choice a phrase."""
    sql, params = [], []
    for unit in query.units:
        choices = []
        for choice in unit.choices:
            choices.append(f"websearch_to_tsquery('{CONFIG}', %s)")
            params.append('"' + " ".join(choice) + '"')
        sql.append("(" + " || ".join(choices) + ")")
    return "(" + " && ".join(sql) + ")", params


def any_word(query):
    """(SQL, params): any of the query's words or phrases."""
    choices = [c for unit in query.units for c in unit.choices]
    sql = " || ".join(f"websearch_to_tsquery('{CONFIG}', %s)" for _ in choices)
    return f"({sql})", ['"' + " ".join(c) + '"' for c in choices]


def candidates(query, facet_keys, cap):
    """(SQL, params) selecting (id, tier) of the bounded candidate matches."""
    q, q_params = tsquery(query)
    anyq, any_params = any_word(query)
    filters = "".join(
        " AND e.facets_tsv @@ to_tsquery('simple', %s)" for _ in facet_keys
    )
    parts, params = [], []
    # Each tier's CAP most recently indexed matches, so the work per query is
    # bounded whatever it matches (see the decision record).
    for tier, column in enumerate([*TIER_COLUMNS, None]):
        extra = f" AND e.{column} @@ {anyq}" if column else ""
        parts.append(
            f"""(SELECT e.id, {tier} AS tier FROM {ENTRY} e
            WHERE e.tsv @@ {q}{extra}{filters} ORDER BY e.id DESC LIMIT %s)"""
        )
        params += q_params + (any_params if column else []) + list(facet_keys)
        params.append(cap)
    sql = f"SELECT id, min(tier) AS tier FROM ({' UNION ALL '.join(parts)}) t "
    return sql + "GROUP BY id", params


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


def similar_terms(word, limit=30):
    """Vocabulary words similar to `word` by pg_trgm: (term, frequency) pairs."""
    sql = """
        SELECT term, frequency FROM search_searchterm
        WHERE term %% %s ORDER BY similarity(term, %s) DESC, frequency DESC LIMIT %s
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
