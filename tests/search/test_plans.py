"""PostgreSQL picks among ways of finding the same candidates (bucket by bucket
through the match table's index, or every match sorted) from cheap counts; each way
must give the same results."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from clinic.search import api
from tests.factories import make_article

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def spread_pages(db):
    """Twelve pages whose ids fall in six buckets, half with "laser" in the title,
    some with "stretch marks" as a phrase in the title and some with the words
    apart; every body has the words."""
    from clinic.search import postgres

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('search_searchentry', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM search_searchentry")
        start = cursor.fetchone()[0] + 1
    now = timezone.now()
    for i in range(12):
        with connection.cursor() as cursor:
            # Half a bucket apart: two pages a bucket.
            step = (1 << postgres.BUCKET_BITS) // 2
            cursor.execute("SELECT setval(%s, %s)", [sequence, start + i * step])
        title = [
            "Laser notes",
            "Stretch marks and laser",
            "Marks that stretch",
            "Skin notes",
        ][i % 4]
        make_article(
            title=f"{title} {i}",
            body="Laser skin care. Stretch marks fade. Striae too.",
            tags=["laser"] if i % 3 == 0 else ["skin"],
            published_at=now - timedelta(hours=i % 5),
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {postgres.DOC}")


def found(text, **kwargs):
    results = api.search(text, **kwargs)
    return (
        [h.url for h in results.hits],
        results.total,
        results.kind_counts,
        results.tag_counts,
    )


QUERIES = ["laser", "laser skin", "stretch marks", "stretch marks care", '"skin care"']


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("kwargs", [{}, {"kind": "article"}, {"tag": "laser"}])
def test_every_way_finds_the_same_candidates(spread_pages, monkeypatch, text, kwargs):
    from clinic.search import postgres

    # A small cap, so the newest matches are not all of them and the upper tiers
    # take their own ways.
    monkeypatch.setattr(api, "CAP", 3)
    seen = set()
    for rare_share in (0, 10**9):  # by bucket, sorted
        for walk_buckets in (0, 10**9):  # sorted, by bucket
            monkeypatch.setattr(postgres, "RARE_SHARE", rare_share)
            monkeypatch.setattr(postgres, "WALK_BUCKETS", walk_buckets)
            seen.add(repr(found(text, **kwargs)))
    assert len(seen) == 1


def test_upper_tier_needs_the_phrase_in_its_column(spread_pages, monkeypatch):
    monkeypatch.setattr(api, "CAP", 3)
    hits = api.search("stretch marks care").hits
    # Titles with the phrase rank first; "Marks that stretch" has the words only.
    assert [h.title.split()[0] for h in hits[:3]] == ["Stretch"] * 3


def test_bucket_walk_returns_the_newest_matches_first(spread_pages, monkeypatch):
    from clinic.search import postgres

    monkeypatch.setattr(postgres, "RARE_SHARE", 0)
    monkeypatch.setattr(api, "CAP", 5)
    results = api.search("care")
    # Ties on tier and publish time go to the newest id: with CAP 5 the five
    # newest of the twelve, not five from the oldest buckets.
    assert {int(h.title.split()[-1]) for h in results.hits} <= set(range(7, 12))
    assert results.total == 5


@pytest.mark.django_db(transaction=True)
def test_search_statement_runs_without_jit_and_leaves_the_setting():
    make_article(title="Laser notes", body="Laser skin care.")
    with connection.cursor() as cursor:
        # JIT for any cost, as a big plan would get it.
        cursor.execute("SET jit_above_cost = 0")
        try:
            assert [h.title for h in api.search("laser").hits] == ["Laser notes"]
            # Outside a transaction, SET LOCAL ended with the statement.
            cursor.execute("SELECT current_setting('jit') = reset_val FROM pg_settings "
                           "WHERE name = 'jit'")  # fmt: skip
            assert cursor.fetchone() == (True,)
        finally:
            cursor.execute("RESET jit_above_cost")


def test_match_table_keeps_tier_columns_in_the_row(db):
    from clinic.search import postgres

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT attname, attstorage FROM pg_attribute
            WHERE attrelid = %s::regclass AND attname = ANY(%s)""",
            [postgres.DOC, postgres.SMALL_COLUMNS],
        )
        assert dict(cursor.fetchall()) == dict.fromkeys(postgres.SMALL_COLUMNS, "m")
        cursor.execute(
            "SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = %s::regclass",
            [postgres.DOC],
        )
        assert not any(o.startswith("toast_tuple_target") for o in cursor.fetchone()[0])
