"""Bulk index writes: `index.batched()` for the importer's saves and
`index.update_many()` for rows that bulk_create made."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from clinic.publishing import Status
from clinic.search import api, index
from clinic.search.models import SearchEntry, SearchTerm
from tests.factories import make_article, make_question

pytestmark = pytest.mark.django_db


def titles(text):
    return [hit.title for hit in api.search(text).hits]


def entry_inserts(queries):
    return [
        q for q in queries.captured_queries
        if q["sql"].startswith('INSERT INTO "search_searchentry"')
    ]  # fmt: skip


def frequencies():
    return dict(SearchTerm.objects.values_list("term", "frequency"))


def test_batched_writes_each_page_once_in_its_final_state(db):
    with CaptureQueriesContext(connection) as queries, index.batched():
        article = make_article(title="Peels", tags=["sunburn", "face"])
        article.title = "Chemical peels"
        article.save()
        article.tags.add("aftercare")
        assert not SearchEntry.objects.exists()
    assert len(entry_inserts(queries)) == 1
    assert titles("chemical peels") == ["Chemical peels"]
    assert titles("aftercare") == ["Chemical peels"]
    assert SearchEntry.objects.get().tags == "aftercare, face, sunburn"


def test_nested_batches_write_when_the_outermost_exits(db):
    with index.batched():
        with index.batched():
            make_article(title="Laser facts")
        assert not SearchEntry.objects.exists()
        make_question(question="Does laser hurt?")
    assert sorted(titles("laser")) == ["Does laser hurt?", "Laser facts"]


def test_batched_drops_what_a_failing_block_collected(db):
    with index.batched():
        make_article(title="Laser facts")
        with pytest.raises(ValueError), index.batched():
            make_article(title="Laser myths")
            raise ValueError
    assert titles("laser") == ["Laser facts"]
    with pytest.raises(ValueError), index.batched():
        make_article(title="Laser safety")
        raise ValueError
    assert titles("laser") == ["Laser facts"]


def test_batched_writes_inside_the_callers_transaction(db):
    with pytest.raises(ValueError), transaction.atomic():
        with index.batched():
            make_article(title="Laser facts")
        assert titles("laser") == ["Laser facts"]
        raise ValueError
    assert not SearchEntry.objects.exists()


def test_batched_unpublishes_and_deletes(db):
    draft = make_article(title="Glycolic acid")
    gone = make_article(title="Glycolic peel")
    with index.batched():
        draft.status = Status.DRAFT
        draft.save()
        gone.delete()
        assert len(titles("glycolic")) == 2
    assert titles("glycolic") == []
    assert not SearchEntry.objects.exists()


def test_batched_vocabulary_counts_match_a_rebuild(db):
    edited = make_article(title="Peel basics", body="Glycolic acid peels.")
    with index.batched():
        make_article(title="Peel aftercare", body="Sunscreen after a glycolic peel.")
        edited.body = "Lactic acid peels."
        edited.save()
        make_question(question="Do peels hurt?", answer="Glycolic stings.").delete()
    counted = frequencies()
    index.rebuild()
    assert counted == frequencies()
    assert counted["glycolic"] == 1


def test_update_many_indexes_bulk_created_pages(db, django_assert_max_num_queries):
    now = timezone.now()
    rows = Article.objects.bulk_create(
        [
            Article(
                title=f"Laser note {i}", slug=f"laser-note-{i}", body_html="<p>Hi</p>",
                status=Status.PUBLISHED if i % 2 else Status.DRAFT, published_at=now,
            )
            for i in range(40)
        ]
    )  # fmt: skip
    assert titles("laser") == []
    with django_assert_max_num_queries(12):
        index.update_many(rows)
    assert SearchEntry.objects.count() == 20
    assert api.search("laser").total == 20
    index.rebuild()
    assert api.search("laser").total == 20


def test_update_many_takes_out_pages_no_longer_published(db):
    article = make_article(title="Laser facts")
    Article.objects.filter(pk=article.pk).update(status=Status.DRAFT)
    index.update_many(list(Article.objects.filter(pk=article.pk)))
    assert titles("laser") == []
    assert frequencies().get("laser") == 0


def test_batched_loads_only_the_published_pages_it_indexes(db, monkeypatch):
    loaded = []
    from_db = Article.from_db.__func__

    def counting(cls, *args):
        page = from_db(cls, *args)
        loaded.append(page.title)
        return page

    monkeypatch.setattr(Article, "from_db", classmethod(counting))
    with index.batched():
        make_article(title="Laser draft", status=Status.DRAFT)
        make_article(title="Laser facts")
    assert loaded == ["Laser facts"]
    assert titles("laser") == ["Laser facts"]
